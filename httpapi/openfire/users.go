package openfire

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) userRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/users", Handler: a.listUsers, TrailingSlash: true, Summary: "list the users (search, propertyKey, propertyValue)"},
		{Method: http.MethodPost, Path: "/users", Handler: a.createUser, TrailingSlash: true, Summary: "create a user, or several"},
		{Method: http.MethodGet, Path: "/users/{username}", Handler: a.getUser, Summary: "one user"},
		{Method: http.MethodPut, Path: "/users/{username}", Handler: a.updateUser, Summary: "change (or rename) a user"},
		{Method: http.MethodDelete, Path: "/users/{username}", Handler: a.deleteUser, Summary: "delete a user"},
	}
}

// userEntity is a user in an answer.
type userEntity struct {
	XMLName    xml.Name      `xml:"user" json:"-"`
	Username   string        `xml:"username" json:"username"`
	Name       string        `xml:"name,omitempty" json:"name,omitempty"`
	Email      string        `xml:"email,omitempty" json:"email,omitempty"`
	Properties propertiesOut `xml:"properties,omitempty" json:"properties,omitempty"`
}

// usersEntity is a list of users in an answer.
type usersEntity struct {
	XMLName xml.Name     `xml:"users" json:"-"`
	Users   []userEntity `xml:"user" json:"users"`
}

func userOut(u ops.User) userEntity {
	return userEntity{Username: u.Username, Name: u.Name, Email: u.Email, Properties: propertiesFrom(u.Properties)}
}

// userIn is a user in a request body.
type userIn struct {
	XMLName    xml.Name     `xml:"user" json:"-"`
	Username   httpapi.Text `xml:"username" json:"username"`
	Password   httpapi.Text `xml:"password" json:"password"`
	Name       httpapi.Text `xml:"name" json:"name"`
	Email      httpapi.Text `xml:"email" json:"email"`
	Properties propertyList `xml:"properties" json:"properties"`
}

func (u userIn) newUser() ops.NewUser {
	return ops.NewUser{Username: u.Username.Value, Password: u.Password.Value, Name: u.Name.Value,
		Email: u.Email.Value, Properties: u.Properties.ops()}
}

// usersIn is the body of POST /users: one user, or (REST API 1.3.0) a
// {"users":[...]} / <users><user/>...</users> list.
type usersIn struct {
	bulk  bool
	users []userIn
}

// UnmarshalJSON reads one user or {"users":[...]}.
func (u *usersIn) UnmarshalJSON(b []byte) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if raw, ok := probe["users"]; ok {
		if _, single := probe["username"]; !single {
			u.bulk = true
			trimmed := strings.TrimSpace(string(raw))
			if strings.HasPrefix(trimmed, "{") { // {"users":{"user":[...]}}
				var wrap struct {
					User []userIn `json:"user"`
				}
				if err := json.Unmarshal(raw, &wrap); err != nil {
					return err
				}
				u.users = wrap.User
				return nil
			}
			return json.Unmarshal(raw, &u.users)
		}
	}
	var one userIn
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	u.users = []userIn{one}
	return nil
}

// UnmarshalXML reads <user/> or <users><user/>...</users>.
func (u *usersIn) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	switch start.Name.Local {
	case "user":
		var one userIn
		if err := d.DecodeElement(&one, &start); err != nil {
			return err
		}
		u.users = []userIn{one}
	case "users":
		var many struct {
			Users []userIn `xml:"user"`
		}
		if err := d.DecodeElement(&many, &start); err != nil {
			return err
		}
		u.bulk, u.users = true, many.Users
	default:
		return fault.New(fault.BadRequest, "expected a <user> or <users> element, got <%s>", start.Name.Local)
	}
	return nil
}

// resultEntity is the outcome of one item of a bulk request.
type resultEntity struct {
	XMLName    xml.Name `xml:"result" json:"-"`
	Username   string   `xml:"username" json:"username"`
	ResultType string   `xml:"resultType" json:"resultType"`
	Message    string   `xml:"message" json:"message"`
}

// resultsEntity is the answer of a bulk request, ordered by successes and
// failures as Openfire's chat room bulk creation answers.
type resultsEntity struct {
	XMLName xml.Name       `xml:"results" json:"-"`
	Success []resultEntity `xml:"success>result" json:"success"`
	Failure []resultEntity `xml:"failure>result" json:"failure"`
	Other   []resultEntity `xml:"other>result" json:"other"`
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	users, err := a.svc.ListUsers(r.Context(), a.actor(r), ops.UserFilter{
		Search: q.Get("search"), PropertyKey: q.Get("propertyKey"), PropertyValue: q.Get("propertyValue")})
	if err != nil {
		return err
	}
	out := usersEntity{Users: make([]userEntity, 0, len(users))}
	for _, u := range users {
		out.Users = append(out.Users, userOut(u))
	}
	return a.write(w, r, http.StatusOK, out)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	u, err := a.svc.GetUser(r.Context(), a.actor(r), username)
	if err != nil {
		return userFailure(username).wrap(err)
	}
	return a.write(w, r, http.StatusOK, userOut(u))
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) error {
	var in usersIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if !in.bulk {
		u := in.users[0]
		if err := requireUsername(u); err != nil {
			return err
		}
		if err := a.svc.CreateUser(r.Context(), a.actor(r), u.newUser()); err != nil {
			return userFailure(u.Username.Value).wrap(err)
		}
		return created(w)
	}
	if len(in.users) == 0 {
		return fault.New(fault.BadRequest, "the users list is empty")
	}
	var news []ops.NewUser
	for _, u := range in.users {
		if err := requireUsername(u); err != nil {
			return err
		}
		news = append(news, u.newUser())
	}
	out := resultsEntity{Success: []resultEntity{}, Failure: []resultEntity{}, Other: []resultEntity{}}
	for _, res := range a.svc.CreateUsers(r.Context(), a.actor(r), news) {
		if res.Err == nil {
			out.Success = append(out.Success, resultEntity{Username: res.Username, ResultType: "Success", Message: "User was successfully created"})
			continue
		}
		out.Failure = append(out.Failure, resultEntity{Username: res.Username, ResultType: "Failure", Message: fault.Message(res.Err)})
	}
	status := http.StatusCreated
	if len(out.Failure) > 0 {
		status = http.StatusOK
	}
	return a.write(w, r, status, out)
}

func requireUsername(u userIn) error {
	if strings.TrimSpace(u.Username.Value) == "" {
		return fault.New(fault.BadRequest, "a user needs a username")
	}
	return nil
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	var in userIn
	if err := decode(r, &in); err != nil {
		return err
	}
	change := ops.UserChange{Username: in.Username.Ptr(), Password: in.Password.Ptr(), Name: in.Name.Ptr(), Email: in.Email.Ptr()}
	if in.Properties.Set {
		change.Properties = in.Properties.ops()
	}
	if err := a.svc.UpdateUser(r.Context(), a.actor(r), username, change); err != nil {
		return userFailure(username).wrap(err)
	}
	return ok(w)
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteUser(r.Context(), a.actor(r), username); err != nil {
		return userFailure(username).wrap(err)
	}
	return ok(w)
}
