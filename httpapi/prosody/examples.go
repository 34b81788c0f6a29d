package prosody

import (
	"xmpprest/httpapi"
)

// exampleUser is the account the documented example requests read (the
// Openfire dialect's examples create and remove it).
const exampleUser = "alice"

// routeDocs document the routes with example answers, by "METHOD path";
// a test sends each example to a real server and checks the answer
// against the API document.
var routeDocs = map[string]httpapi.RouteDoc{
	"GET /server/info": {Response: infoJSON{SiteName: "example.org", Version: "Prosody 0.12.3"}},
	"GET /server/metrics": {Description: "accounts is left out where the server cannot count them.",
		Response: metricsJSON{UsersOnline: 0, Accounts: ptr(1), Uptime: 42, Connected: true}},
	"GET /users": {Response: []userJSON{{Username: exampleUser, DisplayName: "Alice Liddell", Enabled: true, Groups: []string{}}}},
	"GET /users/{username}": {Path: map[string]string{"username": exampleUser},
		Response: userJSON{Username: exampleUser, DisplayName: "Alice Liddell", Enabled: true, Groups: []string{}}},
	"GET /users/{username}/debug": {Path: map[string]string{"username": exampleUser},
		Response: debugJSON{Sessions: []sessionJSON{}}},
	"GET /invites": {Response: []any{}},
	"GET /groups":  {Response: []any{}},
}

func ptr[T any](v T) *T { return &v }
