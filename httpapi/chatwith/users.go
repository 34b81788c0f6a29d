package chatwith

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// domainJSON is an XMPP domain.
type domainJSON struct {
	FQDN        string `json:"fqdn"`
	ResourceURI string `json:"resourceUri"`
	UsersURI    string `json:"usersUri"`
}

func domainOut(fqdn string) domainJSON {
	return domainJSON{FQDN: fqdn, ResourceURI: domainPath(fqdn) + "?format=json", UsersURI: usersPath(fqdn) + "?format=json"}
}

func (a *api) listDomains(w http.ResponseWriter, r *http.Request) error {
	hosts := a.svc.AdministeredHosts(httpapi.Actor(r))
	out := listJSON[domainJSON]{Objects: []domainJSON{}}
	for _, h := range hosts {
		out.Objects = append(out.Objects, domainOut(h))
	}
	out.Meta = meta{Limit: len(hosts), TotalCount: len(hosts)}
	return write(w, r, http.StatusOK, out)
}

// domain reads and checks the fqdn path parameter.
func (a *api) domain(r *http.Request) (string, error) {
	fqdn, err := pathVar(r, "fqdn")
	if err != nil {
		return "", err
	}
	return fqdn, a.svc.CheckHost(httpapi.Actor(r), fqdn)
}

func (a *api) getDomain(w http.ResponseWriter, r *http.Request) error {
	fqdn, err := a.domain(r)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, domainOut(fqdn))
}

// userJSON is the user object. Password is set only in the answer that
// creates the user.
type userJSON struct {
	Enabled        bool   `json:"enabled"`
	JID            string `json:"jid"`
	Password       string `json:"password,omitempty"`
	ResourceURI    string `json:"resourceUri"`
	Username       string `json:"username"`
	XMPPDomain     string `json:"xmppDomain"`
	XMPPDomainURI  string `json:"xmppDomainUri"`
	XMPPUserACLURI string `json:"xmppUserAclUri"`
}

func userOut(fqdn, username string, enabled bool) userJSON {
	base := usersPath(fqdn) + "/" + url.PathEscape(username)
	return userJSON{
		Enabled: enabled, JID: username + "@" + fqdn, Username: username, XMPPDomain: fqdn,
		ResourceURI: base + "?format=json", XMPPDomainURI: domainPath(fqdn) + "?format=json", XMPPUserACLURI: base + "/acl?format=json",
	}
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) error {
	fqdn, err := a.domain(r)
	if err != nil {
		return err
	}
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	accs, total, err := a.svc.Accounts(r.Context(), httpapi.Actor(r), fqdn, offset, limit)
	if err != nil {
		return err
	}
	out := listJSON[userJSON]{Meta: newMeta(usersPath(fqdn), limit, offset, total), Objects: []userJSON{}}
	for _, acc := range accs {
		out.Objects = append(out.Objects, userOut(fqdn, acc.Username, acc.Enabled))
	}
	return write(w, r, http.StatusOK, out)
}

// userIn is the body of POST and PUT on a user.
type userIn struct {
	Password httpapi.Text `json:"password"`
	Enabled  httpapi.Flag `json:"enabled"`
}

// user reads the fqdn and username path parameters.
func (a *api) user(r *http.Request) (fqdn, username string, err error) {
	if fqdn, err = a.domain(r); err != nil {
		return "", "", err
	}
	username, err = pathVar(r, "username")
	return fqdn, username, err
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) error {
	fqdn, err := a.domain(r)
	if err != nil {
		return err
	}
	username := ""
	if _, ok := mux.Vars(r)["username"]; ok {
		if username, err = pathVar(r, "username"); err != nil {
			return err
		}
		if username == "" {
			return fault.New(fault.BadRequest, "an empty username: leave it out of the path to have one generated")
		}
	}
	var in userIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Password.Set && in.Password.Value == "" {
		return fault.New(fault.BadRequest, "an empty password: leave it out to have one generated")
	}
	if in.Enabled.Set && !in.Enabled.Value {
		return fault.New(fault.BadRequest, "a user is created enabled: disable it with PUT afterwards")
	}
	j, password, err := a.svc.CreateAccount(r.Context(), httpapi.Actor(r), fqdn, ops.NewUser{Username: username, Password: in.Password.Value})
	if err != nil {
		return err
	}
	out := userOut(fqdn, j.Localpart(), true)
	out.Password = password
	return write(w, r, http.StatusOK, out)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	fqdn, username, err := a.user(r)
	if err != nil {
		return err
	}
	acc, err := a.svc.Account(r.Context(), httpapi.Actor(r), fqdn, username)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, userOut(fqdn, acc.Username, acc.Enabled))
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request) error {
	fqdn, username, err := a.user(r)
	if err != nil {
		return err
	}
	var in userIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if !in.Password.Set && !in.Enabled.Set {
		return fault.New(fault.BadRequest, "nothing to change: send password and/or enabled")
	}
	act := httpapi.Actor(r)
	if err := a.svc.ChangeAccount(r.Context(), act, fqdn, username, ops.AccountChange{Password: in.Password.Ptr(), Enabled: in.Enabled.Ptr()}); err != nil {
		return err
	}
	acc, err := a.svc.Account(r.Context(), act, fqdn, username)
	if err != nil {
		return err
	}
	return write(w, r, http.StatusOK, userOut(fqdn, acc.Username, acc.Enabled))
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	fqdn, username, err := a.user(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteAccount(r.Context(), httpapi.Actor(r), fqdn, username); err != nil {
		return err
	}
	return write(w, r, http.StatusOK, map[string]string{"deleted": username + "@" + fqdn})
}
