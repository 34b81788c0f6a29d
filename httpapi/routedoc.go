package httpapi

// RouteDoc is what the API documents (httpapi/openapi) say of a route
// beyond its Summary. Every field may be left zero.
type RouteDoc struct {
	// Description says more than the Summary: shapes accepted, side
	// effects, what each error status means.
	Description string
	// Query lists the query parameters the route reads.
	Query []Param
	// Status is the success status; 0 means 200.
	Status int
	// Request is an example request body: a value of the wire type the
	// handler decodes, filled with example values. Its JSON form is the
	// documented example and gives the body's schema.
	Request any
	// Response is an example success response body, likewise; nil
	// documents a success without a body.
	Response any
	// Path gives example values of the path parameters ("username":
	// "alice"); the documented example request uses them.
	Path map[string]string
	// Order places the example request among the others of its dialect
	// when they are sent in turn (tests, the API page): lower first, and
	// among equals by method (POST, PUT, GET, DELETE) and declaration.
	Order int
}

// WithDocs gives each route the RouteDoc of docs keyed "METHOD path"
// (e.g. "GET /users/{username}"), unless the route has a Doc of its own: a
// dialect can keep its examples in one file beside its routes.
func WithDocs(routes []Route, docs map[string]RouteDoc) []Route {
	for i, r := range routes {
		if d, ok := docs[r.Method+" "+r.Path]; ok && r.Doc.Request == nil && r.Doc.Response == nil && r.Doc.Description == "" {
			routes[i].Doc = d
		}
	}
	return routes
}

// Param is a query parameter.
type Param struct {
	Name        string
	Description string
	// Example is the value the documented example request sends; "" leaves
	// the parameter out of it.
	Example  string
	Required bool
}

// Credentials are what a dialect's guarded routes take, for the API
// documents.
type Credentials string

// The kinds of credentials.
const (
	// CredentialsAdmin (the zero value): the shared secret as the whole
	// Authorization header, or HTTP Basic with an admin's JID and XMPP
	// password.
	CredentialsAdmin Credentials = ""
	// CredentialsAPIToken: "Authorization: Bearer <API token>" (xmpprest
	// token create).
	CredentialsAPIToken Credentials = "api-token"
	// CredentialsAPITokenBasic: HTTP Basic with an API token's name and
	// secret.
	CredentialsAPITokenBasic Credentials = "api-token-basic"
	// CredentialsUserToken: "Authorization: Bearer <token>" of a signed-in
	// user.
	CredentialsUserToken Credentials = "user-token"
)
