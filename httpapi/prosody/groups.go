package prosody

import (
	"net/http"
	"strings"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// A group's id is its name in the component (the name the Openfire dialect
// shows); its display name, Prosody's "name", is the group's description,
// or the id when it has none.

func (a *api) groupRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/groups", Handler: a.listGroups, Summary: "list the groups"},
		{Method: http.MethodPost, Path: "/groups", Handler: a.createGroup, Summary: "create a group (create_muc: with a members-only chat room)"},
		{Method: http.MethodGet, Path: "/groups/{id}", Handler: a.getGroup, Summary: "one group"},
		{Method: http.MethodPut, Path: "/groups/{id}", Handler: a.updateGroup, Summary: "change a group's display name"},
		{Method: http.MethodDelete, Path: "/groups/{id}", Handler: a.deleteGroup, Summary: "delete a group"},
		{Method: http.MethodPut, Path: "/groups/{id}/members/{username}", Handler: a.addMember, Summary: "add an account to a group"},
		{Method: http.MethodDelete, Path: "/groups/{id}/members/{username}", Handler: a.removeMember, Summary: "take an account out of a group"},
		{Method: http.MethodPost, Path: "/groups/{id}/chats", Handler: a.createChat, Summary: "create a members-only chat room for a group"},
		{Method: http.MethodDelete, Path: "/groups/{id}/chats/{chat}", Handler: a.deleteChat, Summary: "destroy a group's chat room"},
	}
}

// groupJSON is Prosody's group object.
type groupJSON struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	MUCJID  string     `json:"muc_jid,omitempty"`
	Members []string   `json:"members"`
	Chats   []chatJSON `json:"chats"`
}

type chatJSON struct {
	ID  string `json:"id"`
	JID string `json:"jid"`
}

func (a *api) groupOut(r *http.Request, g ops.GroupView) groupJSON {
	out := groupJSON{ID: g.Name, Name: g.Name, Members: []string{}, Chats: []chatJSON{}}
	if g.Description != "" {
		out.Name = g.Description
	}
	host := a.svc.ActorHost(httpapi.Actor(r))
	for _, m := range append(append([]string(nil), g.Admins...), g.Members...) {
		out.Members = append(out.Members, memberName(m, host))
	}
	for _, c := range g.Chats {
		out.Chats = append(out.Chats, chatJSON{ID: c.Localpart(), JID: c.String()})
	}
	if len(g.Chats) > 0 {
		out.MUCJID = g.Chats[0].String()
	}
	return out
}

// memberName shows a member of the caller's host by username, others by
// JID.
func memberName(m, host string) string {
	if local, domain, ok := strings.Cut(m, "@"); ok && domain == host {
		return local
	}
	return m
}

func (a *api) listGroups(w http.ResponseWriter, r *http.Request) error {
	gs, err := a.svc.GroupsWithChats(r.Context(), httpapi.Actor(r))
	if err != nil {
		return err
	}
	out := make([]groupJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, a.groupOut(r, g))
	}
	return writeJSON(w, http.StatusOK, out)
}

// newGroup is the body of POST /groups.
type newGroup struct {
	ID        httpapi.Text `json:"id"`
	Name      httpapi.Text `json:"name"`
	CreateMUC httpapi.Flag `json:"create_muc"`
}

func (a *api) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in newGroup
	if err := decode(r, &in, true); err != nil {
		return err
	}
	id, display := in.ID.Value, ""
	if id == "" {
		id = in.Name.Value
	} else if in.Name.Value != id {
		display = in.Name.Value
	}
	if strings.TrimSpace(id) == "" {
		return fault.New(fault.BadRequest, "a group needs a name")
	}
	g, err := a.svc.CreateSharedGroup(r.Context(), httpapi.Actor(r), id, display, in.CreateMUC.Value)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.groupOut(r, g))
}

func (a *api) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	g, err := a.svc.GroupWithChats(r.Context(), httpapi.Actor(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.groupOut(r, g))
}

// groupChange is the body of PUT /groups/{id}.
type groupChange struct {
	Name httpapi.Text `json:"name"`
}

func (a *api) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	var in groupChange
	if err := decode(r, &in, true); err != nil {
		return err
	}
	if !in.Name.Set {
		return fault.New(fault.BadRequest, "send the group's new display name as \"name\"")
	}
	act := httpapi.Actor(r)
	if err := a.svc.UpdateGroup(r.Context(), act, a.svc.ActorHost(act), id, ops.GroupChange{Description: &in.Name.Value}); err != nil {
		return err
	}
	g, err := a.svc.GroupWithChats(r.Context(), act, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.groupOut(r, g))
}

func (a *api) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	act := httpapi.Actor(r)
	if err := a.svc.DeleteGroup(r.Context(), act, a.svc.ActorHost(act), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (a *api) member(r *http.Request) (id, username string, err error) {
	if id, err = pathVar(r, "id"); err != nil {
		return "", "", err
	}
	username, err = pathVar(r, "username")
	return id, username, err
}

func (a *api) addMember(w http.ResponseWriter, r *http.Request) error {
	id, username, err := a.member(r)
	if err != nil {
		return err
	}
	if err := a.svc.AddGroupMember(r.Context(), httpapi.Actor(r), id, username); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *api) removeMember(w http.ResponseWriter, r *http.Request) error {
	id, username, err := a.member(r)
	if err != nil {
		return err
	}
	if err := a.svc.RemoveGroupMember(r.Context(), httpapi.Actor(r), id, username); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// newChat is the body of POST /groups/{id}/chats (optional).
type newChat struct {
	Name httpapi.Text `json:"name"`
}

func (a *api) createChat(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	var in newChat
	if err := decode(r, &in, false); err != nil {
		return err
	}
	room, err := a.svc.CreateGroupChat(r.Context(), httpapi.Actor(r), id, in.Name.Value)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, chatJSON{ID: room.Localpart(), JID: room.String()})
}

func (a *api) deleteChat(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	chat, err := pathVar(r, "chat")
	if err != nil {
		return err
	}
	if _, err := jid.Parse(chat); err != nil {
		return fault.New(fault.BadRequest, "%q is not a chat room name or JID", chat)
	}
	if err := a.svc.DeleteGroupChat(r.Context(), httpapi.Actor(r), id, chat); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
