package openfire

import (
	"crypto/subtle"
	"encoding/xml"
	"net/http"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// userServiceRoutes declare the deprecated user service at path (Openfire
// answers it at two places). Like Openfire, it answers 200 with an XML
// <result>/<error> body in every case, and authenticates by the "secret"
// parameter (the shared secret), or the Authorization header.
func (a *api) userServiceRoutes(path string) []httpapi.Route {
	var routes []httpapi.Route
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		routes = append(routes, httpapi.Route{Method: m, Path: path, Handler: a.userService, Public: true,
			Summary: "the legacy user service (type=add|delete|update|enable|disable|add_roster|update_roster|delete_roster|grouplist|usergrouplist)"})
	}
	return routes
}

// The error strings of the user service.
const (
	usNotAuthorised = "RequestNotAuthorised"
)

// userServiceAuthorised authenticates by the query string's secret or the
// Authorization header only: no body is read before the caller is known
// (a secret sent in a form body is not looked at).
func (a *api) userServiceAuthorised(r *http.Request) (*http.Request, bool) {
	if secret := r.URL.Query().Get("secret"); secret != "" && a.auth.Secret != "" &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(a.auth.Secret)) == 1 {
		return r.WithContext(httpapi.WithPrincipal(r.Context(), httpapi.Principal{Name: "secret", Method: "secret", Role: ops.RoleServiceAdmin})), true
	} else if secret != "" {
		a.auth.Limiter.Failed(httpapi.ClientAddress(r), "")
	}
	if r.Header.Get("Authorization") != "" {
		if p, err := a.auth.Authenticate(r); err == nil {
			return r.WithContext(httpapi.WithPrincipal(r.Context(), p)), true
		}
	}
	return r, false
}

func (a *api) userService(w http.ResponseWriter, r *http.Request) error {
	if err := a.auth.Limiter.Check(httpapi.ClientAddress(r), ""); err != nil {
		return err
	}
	r, authorised := a.userServiceAuthorised(r)
	if !authorised {
		return writeUserService(w, "error", usNotAuthorised)
	}
	if err := r.ParseForm(); err != nil {
		return writeUserService(w, "error", "IllegalArgumentException")
	}
	f := r.Form
	typ := f.Get("type")
	username := strings.ToLower(strings.TrimSpace(f.Get("username")))
	if username == "" && typ != "grouplist" {
		return writeUserService(w, "error", "IllegalArgumentException")
	}
	ctx, act := r.Context(), a.actor(r)
	opt := func(name string) *string {
		if _, ok := f[name]; !ok {
			return nil
		}
		v := f.Get(name)
		return &v
	}
	groups := splitGroups(f.Get("groups"))
	var err error
	switch typ {
	case "add":
		err = a.svc.CreateUser(ctx, act, ops.NewUser{Username: username, Password: f.Get("password"), Name: f.Get("name"),
			Email: f.Get("email"), Groups: groups})
	case "delete":
		err = a.svc.DeleteUser(ctx, act, username)
	case "update":
		password := opt("password")
		if password != nil && *password == "" {
			password = nil
		}
		err = a.svc.UpdateUser(ctx, act, username, ops.UserChange{Password: password, Name: opt("name"), Email: opt("email")})
		if err == nil && f.Has("groups") {
			err = a.svc.SetUserGroups(ctx, act, username, groups)
		}
	case "disable":
		err = a.svc.LockOut(ctx, act, username)
	case "enable":
		err = a.svc.Unlock(ctx, act, username)
	case "add_roster", "update_roster", "delete_roster":
		err = a.legacyRoster(r, typ, username)
	case "grouplist", "usergrouplist":
		var names []string
		if typ == "grouplist" {
			var gs []ops.Group
			gs, err = a.svc.ListGroups(ctx, act, "")
			for _, g := range gs {
				names = append(names, g.Name)
			}
		} else {
			names, err = a.svc.UserGroups(ctx, act, username)
		}
		if err == nil {
			var b strings.Builder
			for _, n := range names {
				b.WriteString("<groupname>")
				xml.EscapeText(&b, []byte(n))
				b.WriteString("</groupname>")
			}
			return writeUserServiceRaw(w, b.String())
		}
	default:
		err = fault.New(fault.BadRequest, "unknown type %q", typ)
	}
	if err != nil {
		return writeUserService(w, "error", userServiceError(err))
	}
	return writeUserService(w, "result", "ok")
}

// splitGroups reads the comma-separated groups parameter.
func splitGroups(v string) []string {
	var out []string
	for _, g := range strings.Split(v, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// legacySubscriptions maps the user service's numeric subscriptions.
var legacySubscriptions = map[string]string{"-1": "remove", "0": "none", "1": "to", "2": "from", "3": "both"}

// legacyRoster carries out add_roster, update_roster and delete_roster.
func (a *api) legacyRoster(r *http.Request, typ, username string) error {
	f := r.Form
	item := strings.TrimSpace(f.Get("item_jid"))
	if item == "" {
		return fault.New(fault.BadRequest, "item_jid is required")
	}
	sub := ""
	if v := f.Get("subscription"); v != "" {
		var ok bool
		if sub, ok = legacySubscriptions[v]; !ok {
			return fault.New(fault.BadRequest, "subscription must be -1, 0, 1, 2 or 3, not %q", v)
		}
	}
	ctx, act := r.Context(), a.actor(r)
	groups := splitGroups(f.Get("groups"))
	switch typ {
	case "add_roster":
		if sub == "remove" {
			return fault.New(fault.BadRequest, "subscription -1 (remove) cannot add a contact")
		}
		return a.svc.AddRosterItem(ctx, act, username, ops.RosterItem{JID: item, Name: f.Get("name"), Subscription: sub, Groups: groups})
	case "update_roster":
		c := ops.RosterChange{}
		if _, ok := f["name"]; ok {
			name := f.Get("name")
			c.Name = &name
		}
		if sub != "" {
			c.Subscription = &sub
		}
		if f.Has("groups") {
			c.Groups = &groups
		}
		return a.svc.UpdateRosterItem(ctx, act, username, item, c)
	}
	return a.svc.DeleteRosterItem(ctx, act, username, item)
}

// userServiceError is the error string of the user service for err: one of
// the documented exception names, or the name and the message for others.
func userServiceError(err error) string {
	switch fault.KindOf(err) {
	case fault.BadRequest:
		return "IllegalArgumentException"
	case fault.NotFound:
		return exUserNotFound
	case fault.Conflict:
		return exUserAlreadyExists
	}
	return defaultException(fault.KindOf(err)) + ": " + fault.Message(err)
}

// writeUserService writes <result>text</result> or <error>text</error>.
func writeUserService(w http.ResponseWriter, element, text string) error {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	var b strings.Builder
	b.WriteString("<" + element + ">")
	xml.EscapeText(&b, []byte(text))
	b.WriteString("</" + element + ">\n")
	w.Write([]byte(b.String()))
	return nil
}

// writeUserServiceRaw writes <result> with already-escaped XML children.
func writeUserServiceRaw(w http.ResponseWriter, inner string) error {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("<result>" + inner + "</result>\n"))
	return nil
}
