package openapi

import (
	"fmt"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/httpapi"
)

// MarkdownTable is the endpoint table of the README: every operation, by
// dialect, with what it does and whether it needs credentials.
func MarkdownTable(ops []Operation) string {
	var b strings.Builder
	b.WriteString("| dialect | endpoint | what it does | credentials |\n| --- | --- | --- | --- |\n")
	for _, o := range ops {
		cred := credentialNames[o.Credentials]
		if !o.Secured {
			cred = "none"
		}
		fmt.Fprintf(&b, "| %s | `%s %s` | %s | %s |\n", o.Dialect, o.Method, o.Path,
			strings.ReplaceAll(o.Summary, "|", `\|`), cred)
	}
	return b.String()
}

// Undeclared lists the routes router serves that were not declared (and so
// are not in the documents), as operations named after the dialect whose
// prefix they are under, so that the README's table still shows them.
func Undeclared(router *mux.Router, routes []httpapi.DeclaredRoute) []Operation {
	known := map[string]bool{}
	for _, o := range Operations(routes) {
		known[o.Method+" "+o.Path] = true
	}
	var out []Operation
	router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil // a prefix or a catch-all, not an endpoint
		}
		path := pathParam.ReplaceAllString(tpl, "{$1}")
		if len(path) > 1 {
			path = strings.TrimSuffix(path, "/")
		}
		for _, m := range methods {
			key := m + " " + path
			if known[key] {
				continue
			}
			known[key] = true
			dialect := ""
			for _, r := range routes {
				if r.Prefix != "" && strings.HasPrefix(path, r.Prefix) && len(r.Prefix) > len(dialect) {
					dialect = r.Dialect
				}
			}
			out = append(out, Operation{Dialect: dialect, Method: m, Path: path, Secured: true,
				Summary: "served, not yet declared as a route (so not in the API documents)"})
		}
		return nil
	})
	return out
}

// credentialNames name the kinds of credentials in the README's table.
var credentialNames = map[httpapi.Credentials]string{
	httpapi.CredentialsAdmin:         "admin",
	httpapi.CredentialsAPIToken:      "API token",
	httpapi.CredentialsAPITokenBasic: "API token (Basic)",
	httpapi.CredentialsUserToken:     "user token",
}
