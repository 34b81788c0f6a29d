package openfire

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) groupRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/groups", Handler: a.listGroups, TrailingSlash: true, Summary: "list the groups"},
		{Method: http.MethodPost, Path: "/groups", Handler: a.createGroup, TrailingSlash: true, Summary: "create a group"},
		{Method: http.MethodGet, Path: "/groups/{groupName}", Handler: a.getGroup, Summary: "one group"},
		{Method: http.MethodPut, Path: "/groups/{groupName}", Handler: a.updateGroup, Summary: "change a group"},
		{Method: http.MethodDelete, Path: "/groups/{groupName}", Handler: a.deleteGroup, Summary: "delete a group"},

		{Method: http.MethodGet, Path: "/users/{username}/groups", Handler: a.userGroups, TrailingSlash: true, Summary: "a user's groups"},
		{Method: http.MethodPost, Path: "/users/{username}/groups", Handler: a.changeUserGroups(http.StatusCreated, a.joinGroups), TrailingSlash: true, Summary: "add a user to groups"},
		{Method: http.MethodDelete, Path: "/users/{username}/groups", Handler: a.changeUserGroups(http.StatusOK, a.leaveGroups), TrailingSlash: true, Summary: "take a user out of groups"},
		{Method: http.MethodPost, Path: "/users/{username}/groups/{groupName}", Handler: a.changeUserGroups(http.StatusCreated, a.joinGroups), Summary: "add a user to a group"},
		{Method: http.MethodDelete, Path: "/users/{username}/groups/{groupName}", Handler: a.changeUserGroups(http.StatusOK, a.leaveGroups), Summary: "take a user out of a group"},
	}
}

// groupEntity is a group in an answer.
type groupEntity struct {
	XMLName     xml.Name `xml:"group" json:"-"`
	Name        string   `xml:"name" json:"name"`
	Description string   `xml:"description" json:"description"`
	Admins      []string `xml:"admins>admin" json:"admins"`
	Members     []string `xml:"members>member" json:"members"`
	Shared      bool     `xml:"shared" json:"shared"`
}

// groupsEntity is a list of groups in an answer.
type groupsEntity struct {
	XMLName xml.Name      `xml:"groups" json:"-"`
	Groups  []groupEntity `xml:"group" json:"groups"`
}

func groupOut(g ops.Group) groupEntity {
	return groupEntity{Name: g.Name, Description: g.Description, Shared: g.Shared,
		Admins: httpapi.NonNil(g.Admins), Members: httpapi.NonNil(g.Members)}
}

// groupIn is a group in a request body. <isshared> is the element name of
// the plugin's older documentation.
type groupIn struct {
	XMLName     xml.Name     `xml:"group" json:"-"`
	Name        httpapi.Text `xml:"name" json:"name"`
	Description httpapi.Text `xml:"description" json:"description"`
	Admins      httpapi.List `xml:"admins" json:"admins"`
	Members     httpapi.List `xml:"members" json:"members"`
	Shared      httpapi.Flag `xml:"shared" json:"shared"`
	IsShared    httpapi.Flag `xml:"isshared" json:"isshared"`
}

func (g groupIn) shared() httpapi.Flag {
	if g.Shared.Set {
		return g.Shared
	}
	return g.IsShared
}

// groupFailure is how group endpoints report errors: a missing group is
// GroupNotFoundException, a missing member UserNotFoundException.
func groupFailure(err error, name string) failure {
	f := failure{
		exceptions: map[fault.Kind]string{fault.NotFound: exGroupNotFound, fault.Conflict: exGroupAlreadyExists},
		resource:   name,
	}
	if !errors.Is(err, ops.ErrGroupNotFound) && fault.Is(err, fault.NotFound) {
		f.exceptions[fault.NotFound] = exUserNotFound
		f.resource = ""
	}
	return f
}

// userGroupFailure is how the user's group endpoints report errors.
func userGroupFailure(err error, username string) failure {
	if errors.Is(err, ops.ErrGroupNotFound) {
		return failure{exceptions: map[fault.Kind]string{fault.NotFound: exGroupNotFound}}
	}
	return userFailure(username)
}

func (a *api) listGroups(w http.ResponseWriter, r *http.Request) error {
	gs, err := a.svc.ListGroups(r.Context(), a.actor(r), "")
	if err != nil {
		return err
	}
	out := groupsEntity{Groups: make([]groupEntity, 0, len(gs))}
	for _, g := range gs {
		out.Groups = append(out.Groups, groupOut(g))
	}
	return a.write(w, r, http.StatusOK, out)
}

func (a *api) getGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "groupName")
	if err != nil {
		return err
	}
	g, err := a.svc.GetGroup(r.Context(), a.actor(r), "", name)
	if err != nil {
		return groupFailure(err, name).wrap(err)
	}
	return a.write(w, r, http.StatusOK, groupOut(g))
}

func (a *api) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in groupIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name.Value) == "" {
		return fault.New(fault.BadRequest, "Could not create new group: the group has no name").About("groups")
	}
	g := ops.Group{Name: in.Name.Value, Description: in.Description.Value, Shared: in.shared().Value}
	if p := in.Admins.Ptr(); p != nil {
		g.Admins = *p
	}
	if p := in.Members.Ptr(); p != nil {
		g.Members = *p
	}
	if err := a.svc.CreateGroup(r.Context(), a.actor(r), g); err != nil {
		return groupFailure(err, in.Name.Value).wrap(err)
	}
	return created(w)
}

func (a *api) updateGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "groupName")
	if err != nil {
		return err
	}
	var in groupIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Name.Set && in.Name.Value != name {
		return fault.New(fault.BadRequest,
			"Could not update the group. The group name is different to the payload group name.").About(name + " != " + in.Name.Value)
	}
	c := ops.GroupChange{Description: in.Description.Ptr(), Admins: in.Admins.Ptr(), Members: in.Members.Ptr()}
	if sh := in.shared(); sh.Set {
		c.Shared = &sh.Value
	}
	if err := a.svc.UpdateGroup(r.Context(), a.actor(r), "", name, c); err != nil {
		return groupFailure(err, name).wrap(err)
	}
	return ok(w)
}

func (a *api) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "groupName")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteGroup(r.Context(), a.actor(r), "", name); err != nil {
		return groupFailure(err, name).wrap(err)
	}
	return ok(w)
}

// userGroupsEntity is the group names of a user: <groups><groupname/>...
// in XML, {"groupnames":[...]} in JSON.
type userGroupsEntity struct {
	XMLName    xml.Name `xml:"groups" json:"-"`
	GroupNames []string `xml:"groupname" json:"groupnames"`
}

// userGroupsIn is the body naming groups: <groups><groupname/>...</groups>,
// {"groupnames":[...]} or the old {"groupname":[...]} / {"groupname":"a"}.
type userGroupsIn struct {
	XMLName    xml.Name     `xml:"groups" json:"-"`
	GroupNames httpapi.List `xml:"groupname" json:"groupnames"`
	GroupName  httpapi.List `xml:"-" json:"groupname"`
}

// UnmarshalXML reads the <groupname/> children.
func (g *userGroupsIn) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name.Local != "groups" {
		return fault.New(fault.BadRequest, "expected a <groups> element, got <%s>", start.Name.Local)
	}
	var l httpapi.List
	if err := l.UnmarshalXML(d, start); err != nil {
		return err
	}
	g.GroupNames = l
	return nil
}

func (g userGroupsIn) names() []string {
	return append(append([]string(nil), g.GroupNames.Values...), g.GroupName.Values...)
}

func (a *api) userGroups(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	names, err := a.svc.UserGroups(r.Context(), a.actor(r), username)
	if err != nil {
		return userGroupFailure(err, username).wrap(err)
	}
	return a.write(w, r, http.StatusOK, userGroupsEntity{GroupNames: httpapi.NonNil(names)})
}

// changeUserGroups is the handler of the routes that add a user to groups
// or take it out of them, named in the path or, without a groupName, in
// the body.
func (a *api) changeUserGroups(status int, change func(r *http.Request, username string, groups []string) error) httpapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		username, err := pathVar(r, "username")
		if err != nil {
			return err
		}
		var groups []string
		if _, named := mux.Vars(r)["groupName"]; named {
			group, err := pathVar(r, "groupName")
			if err != nil {
				return err
			}
			groups = []string{group}
		} else {
			var in userGroupsIn
			if err := decode(r, &in); err != nil {
				return err
			}
			groups = in.names()
		}
		if err := change(r, username, groups); err != nil {
			return userGroupFailure(err, username).wrap(err)
		}
		w.WriteHeader(status)
		return nil
	}
}

func (a *api) joinGroups(r *http.Request, username string, groups []string) error {
	return a.svc.AddUserToGroups(r.Context(), a.actor(r), username, groups)
}

func (a *api) leaveGroups(r *http.Request, username string, groups []string) error {
	return a.svc.RemoveUserFromGroups(r.Context(), a.actor(r), username, groups)
}
