package openfire

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"xmpprest/httpapi"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi/ops"
)

func (a *api) routesGroups(r *mux.Router) {
	a.handle(r, "/groups", a.listGroups, http.MethodGet)
	a.handle(r, "/groups", a.createGroup, http.MethodPost)
	r.HandleFunc("/groups/{groupName}", a.getGroup).Methods(http.MethodGet)
	r.HandleFunc("/groups/{groupName}", a.updateGroup).Methods(http.MethodPut)
	r.HandleFunc("/groups/{groupName}", a.deleteGroup).Methods(http.MethodDelete)

	a.handle(r, "/users/{username}/groups", a.userGroups, http.MethodGet)
	a.handle(r, "/users/{username}/groups", a.addUserToGroups, http.MethodPost)
	a.handle(r, "/users/{username}/groups", a.removeUserFromGroups, http.MethodDelete)
	r.HandleFunc("/users/{username}/groups/{groupName}", a.addUserToGroup).Methods(http.MethodPost)
	r.HandleFunc("/users/{username}/groups/{groupName}", a.removeUserFromGroup).Methods(http.MethodDelete)
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

func (a *api) listGroups(w http.ResponseWriter, r *http.Request) {
	gs, err := a.svc.ListGroups(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := groupsEntity{Groups: make([]groupEntity, 0, len(gs))}
	for _, g := range gs {
		out.Groups = append(out.Groups, groupOut(g))
	}
	a.write(w, r, http.StatusOK, out)
}

func (a *api) getGroup(w http.ResponseWriter, r *http.Request) {
	name, err := pathVar(r, "groupName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	g, err := a.svc.GetGroup(r.Context(), name)
	if err != nil {
		a.failAs(w, r, err, groupFailure(err, name))
		return
	}
	a.write(w, r, http.StatusOK, groupOut(g))
}

func (a *api) createGroup(w http.ResponseWriter, r *http.Request) {
	var in groupIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if strings.TrimSpace(in.Name.Value) == "" {
		a.fail(w, r, fault.New(fault.BadRequest, "Could not create new group: the group has no name").About("groups"))
		return
	}
	g := ops.Group{Name: in.Name.Value, Description: in.Description.Value, Shared: in.shared().Value}
	if p := in.Admins.Ptr(); p != nil {
		g.Admins = *p
	}
	if p := in.Members.Ptr(); p != nil {
		g.Members = *p
	}
	if err := a.svc.CreateGroup(r.Context(), a.actor(r), g); err != nil {
		a.failAs(w, r, err, groupFailure(err, in.Name.Value))
		return
	}
	created(w)
}

func (a *api) updateGroup(w http.ResponseWriter, r *http.Request) {
	name, err := pathVar(r, "groupName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in groupIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.Name.Set && in.Name.Value != name {
		a.fail(w, r, fault.New(fault.BadRequest,
			"Could not update the group. The group name is different to the payload group name.").About(name+" != "+in.Name.Value))
		return
	}
	c := ops.GroupChange{Description: in.Description.Ptr(), Admins: in.Admins.Ptr(), Members: in.Members.Ptr()}
	if sh := in.shared(); sh.Set {
		c.Shared = &sh.Value
	}
	if err := a.svc.UpdateGroup(r.Context(), a.actor(r), name, c); err != nil {
		a.failAs(w, r, err, groupFailure(err, name))
		return
	}
	ok(w)
}

func (a *api) deleteGroup(w http.ResponseWriter, r *http.Request) {
	name, err := pathVar(r, "groupName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.DeleteGroup(r.Context(), a.actor(r), name); err != nil {
		a.failAs(w, r, err, groupFailure(err, name))
		return
	}
	ok(w)
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

func (a *api) userGroups(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	names, err := a.svc.UserGroups(r.Context(), username)
	if err != nil {
		a.failAs(w, r, err, userGroupFailure(err, username))
		return
	}
	a.write(w, r, http.StatusOK, userGroupsEntity{GroupNames: httpapi.NonNil(names)})
}

func (a *api) addUserToGroups(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in userGroupsIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.AddUserToGroups(r.Context(), a.actor(r), username, in.names()); err != nil {
		a.failAs(w, r, err, userGroupFailure(err, username))
		return
	}
	created(w)
}

func (a *api) addUserToGroup(w http.ResponseWriter, r *http.Request) {
	username, group, err := userAndGroup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.AddUserToGroups(r.Context(), a.actor(r), username, []string{group}); err != nil {
		a.failAs(w, r, err, userGroupFailure(err, username))
		return
	}
	created(w)
}

func (a *api) removeUserFromGroups(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in userGroupsIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.RemoveUserFromGroups(r.Context(), a.actor(r), username, in.names()); err != nil {
		a.failAs(w, r, err, userGroupFailure(err, username))
		return
	}
	ok(w)
}

func (a *api) removeUserFromGroup(w http.ResponseWriter, r *http.Request) {
	username, group, err := userAndGroup(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.RemoveUserFromGroups(r.Context(), a.actor(r), username, []string{group}); err != nil {
		a.failAs(w, r, err, userGroupFailure(err, username))
		return
	}
	ok(w)
}

func userAndGroup(r *http.Request) (username, group string, err error) {
	if username, err = pathVar(r, "username"); err != nil {
		return "", "", err
	}
	group, err = pathVar(r, "groupName")
	return username, group, err
}
