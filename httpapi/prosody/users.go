package prosody

import (
	"net/http"

	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) userRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/users", Handler: a.listUsers, Summary: "list the accounts of the token's host"},
		{Method: http.MethodGet, Path: "/users/{username}", Handler: a.getUser, Summary: "one account"},
		{Method: http.MethodPut, Path: "/users/{username}", Handler: a.updateUser, Summary: "change an account (display_name, enabled, password)"},
		{Method: http.MethodPatch, Path: "/users/{username}", Handler: a.updateUser, Summary: "change an account's display_name or enabled"},
		{Method: http.MethodDelete, Path: "/users/{username}", Handler: a.deleteUser, Summary: "delete an account"},
		{Method: http.MethodGet, Path: "/users/{username}/groups", Handler: a.userGroups, Summary: "the groups of an account"},
		{Method: http.MethodGet, Path: "/users/{username}/debug", Handler: a.userDebug, Summary: "an account's sessions"},
	}
}

// userJSON is Prosody's user object. Fields the server cannot tell are left
// out.
type userJSON struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name,omitempty"`
	Enabled     bool     `json:"enabled"`
	LastActive  *int64   `json:"last_active,omitempty"`
	Groups      []string `json:"groups"`
}

func userOut(acc ops.Account) userJSON {
	u := userJSON{Username: acc.Username, DisplayName: acc.Name, Enabled: acc.Enabled, Groups: httpapi.NonNil(acc.Groups)}
	if !acc.LastActive.IsZero() {
		t := acc.LastActive.Unix()
		u.LastActive = &t
	}
	return u
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) error {
	accs, _, err := a.svc.Accounts(r.Context(), httpapi.Actor(r), "", 0, 0)
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(accs))
	for _, acc := range accs {
		out = append(out, userOut(acc))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	acc, err := a.svc.Account(r.Context(), httpapi.Actor(r), "", username)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOut(acc))
}

// userChange is the body of PUT and PATCH /users/{username}.
type userChange struct {
	DisplayName httpapi.Text `json:"display_name"`
	Enabled     httpapi.Flag `json:"enabled"`
	Password    httpapi.Text `json:"password"`
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	var in userChange
	if err := decode(r, &in, true); err != nil {
		return err
	}
	c := ops.AccountChange{Name: in.DisplayName.Ptr(), Enabled: in.Enabled.Ptr(), Password: in.Password.Ptr()}
	act := httpapi.Actor(r)
	if err := a.svc.ChangeAccount(r.Context(), act, "", username, c); err != nil {
		return err
	}
	acc, err := a.svc.Account(r.Context(), act, "", username)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOut(acc))
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteAccount(r.Context(), httpapi.Actor(r), "", username); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (a *api) userGroups(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	groups, err := a.svc.AccountGroups(r.Context(), httpapi.Actor(r), "", username)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, httpapi.NonNil(groups))
}

// debugJSON is the answer of /users/{username}/debug.
type debugJSON struct {
	Sessions []sessionJSON `json:"sessions"`
}

type sessionJSON struct {
	FullJID string `json:"full_jid"`
	IP      string `json:"ip,omitempty"`
}

func (a *api) userDebug(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	ss, err := a.svc.AccountSessions(r.Context(), httpapi.Actor(r), "", username)
	if err != nil {
		return err
	}
	out := debugJSON{Sessions: []sessionJSON{}}
	for _, s := range ss {
		out.Sessions = append(out.Sessions, sessionJSON{FullJID: s.JID.String(), IP: s.IPAddress})
	}
	return writeJSON(w, http.StatusOK, out)
}
