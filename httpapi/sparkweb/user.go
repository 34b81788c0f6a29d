package sparkweb

import (
	"net/http"
	"sort"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
	"xmpprest/httpapi/userops"
)

// userProperty is SparkWeb's UserProperty.
type userProperty struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// userEntity is SparkWeb's UserEntity (the password is never answered).
type userEntity struct {
	Username   string         `json:"username"`
	Name       string         `json:"name"`
	Email      string         `json:"email,omitempty"`
	Properties []userProperty `json:"properties,omitempty"`
}

func toUserEntity(u ops.User) userEntity {
	e := userEntity{Username: u.Username, Name: u.Name, Email: u.Email}
	for _, p := range u.Properties {
		e.Properties = append(e.Properties, userProperty{Key: p.Key, Value: p.Value})
	}
	return e
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.svc.Profile(r.Context(), caller(r))
	if err != nil {
		return err
	}
	e := toUserEntity(u)
	if e.Properties == nil {
		e.Properties = []userProperty{}
	}
	return write(w, e)
}

// userBody is a UserEntity as clients send it: absent fields stay.
type userBody struct {
	Username   *string        `json:"username"`
	Name       *string        `json:"name"`
	Email      *string        `json:"email"`
	Password   *string        `json:"password"`
	Properties []userProperty `json:"properties"`
}

func toProperties(ps []userProperty) ([]ops.Property, error) {
	var out []ops.Property
	for _, p := range ps {
		if p.Key == "" {
			return nil, fault.New(fault.BadRequest, "a property has no key")
		}
		out = append(out, ops.Property{Key: p.Key, Value: p.Value})
	}
	return out, nil
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request) error {
	var b userBody
	if err := httpapi.DecodeBody(r, &b); err != nil {
		return err
	}
	c := caller(r)
	if b.Username != nil && *b.Username != "" && *b.Username != c.Actor.User.Localpart() && *b.Username != c.Actor.User.String() {
		return fault.New(fault.BadRequest, "a user cannot rename their account (username %q is not yours)", *b.Username)
	}
	props, err := toProperties(b.Properties)
	if err != nil {
		return err
	}
	if err := a.svc.UpdateProfile(r.Context(), c, userops.ProfileChange{Name: b.Name, Email: b.Email, Password: b.Password, Properties: props}); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	if err := a.svc.DeleteAccount(r.Context(), c); err != nil {
		return err
	}
	a.endStreams(c.TokenID)
	return ok(w)
}

type userEntities struct {
	Users []userEntity `json:"users"`
}

func (a *api) getUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := a.svc.Directory(r.Context(), caller(r), r.URL.Query().Get("search"))
	if err != nil {
		return err
	}
	out := userEntities{Users: []userEntity{}}
	for _, u := range users {
		out.Users = append(out.Users, toUserEntity(u))
	}
	return write(w, out)
}

// userGroups is SparkWeb's UserGroupsEntity.
type userGroups struct {
	GroupNames []string `json:"groupnames"`
}

func (a *api) getGroups(w http.ResponseWriter, r *http.Request) error {
	names, err := a.svc.Groups(r.Context(), caller(r))
	if err != nil {
		return err
	}
	return write(w, userGroups{GroupNames: names})
}

func (a *api) groupsBody(r *http.Request) ([]string, error) {
	var b userGroups
	if err := httpapi.DecodeBody(r, &b); err != nil {
		return nil, err
	}
	return b.GroupNames, nil
}

func (a *api) joinGroups(w http.ResponseWriter, r *http.Request) error {
	names, err := a.groupsBody(r)
	if err != nil {
		return err
	}
	if err := a.svc.JoinGroups(r.Context(), caller(r), names); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) leaveGroups(w http.ResponseWriter, r *http.Request) error {
	names, err := a.groupsBody(r)
	if err != nil {
		return err
	}
	if err := a.svc.LeaveGroups(r.Context(), caller(r), names); err != nil {
		return err
	}
	return ok(w)
}

// singleGroup answers a missing group of the one-group paths with 400, as
// SparkWeb documents.
func singleGroup(err error) error {
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.BadRequest, "%s", fault.Message(err))
	}
	return err
}

func (a *api) joinGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "groupName")
	if err != nil {
		return err
	}
	if err := a.svc.JoinGroups(r.Context(), caller(r), []string{name}); err != nil {
		return singleGroup(err)
	}
	return ok(w)
}

func (a *api) leaveGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "groupName")
	if err != nil {
		return err
	}
	if err := a.svc.LeaveGroups(r.Context(), caller(r), []string{name}); err != nil {
		return singleGroup(err)
	}
	return ok(w)
}

// getProperties answers the user's properties as one JSON object.
func (a *api) getProperties(w http.ResponseWriter, r *http.Request) error {
	u, err := a.svc.Profile(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, p := range u.Properties {
		out[p.Key] = p.Value
	}
	return write(w, out)
}

// setProperties sets the properties of a JSON object (others are kept).
func (a *api) setProperties(w http.ResponseWriter, r *http.Request) error {
	var b map[string]string
	if err := httpapi.DecodeBody(r, &b); err != nil {
		return err
	}
	if len(b) == 0 {
		return fault.New(fault.BadRequest, "send the properties as a JSON object of strings, e.g. {\"theme\": \"dark\"}")
	}
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ps []ops.Property
	for _, k := range keys {
		if k == "" {
			return fault.New(fault.BadRequest, "a property has no key")
		}
		ps = append(ps, ops.Property{Key: k, Value: b[k]})
	}
	if err := a.svc.UpdateProfile(r.Context(), caller(r), userops.ProfileChange{Properties: ps}); err != nil {
		return err
	}
	return ok(w)
}

type globalConfig struct {
	AllowRegistration bool `json:"allowRegistration"`
	MaxMessageBytes   int  `json:"maxMessageBytes"`
	TOTP              bool `json:"totp"`
	WebAuthn          bool `json:"webauthn"`
	TokenIdleSeconds  int  `json:"tokenIdleSeconds"`
	TokenMaxSeconds   int  `json:"tokenMaxSeconds"`
}

func (a *api) globalConfig(w http.ResponseWriter, r *http.Request) error {
	s, err := a.svc.Settings(caller(r))
	if err != nil {
		return err
	}
	return write(w, globalConfig(s))
}
