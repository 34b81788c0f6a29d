// Package openapi derives the API documents from the route declarations
// the router mounts (httpapi.DeclaredRoutes): one OpenAPI 3 document per
// dialect and one for them all, a human-readable API page, and the
// README's endpoint table. There is no second list of endpoints to keep in
// step: a route declared is a route documented.
package openapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"xmpprest/httpapi"
)

// Operation is one documented route.
type Operation struct {
	Dialect     string
	Method      string
	Path        string // the full path template, parameters without patterns
	Summary     string
	Description string
	Secured     bool
	Credentials httpapi.Credentials
	Streams     bool
	PathParams  []httpapi.Param
	Query       []httpapi.Param
	Status      int
	Request     any // the example request body as generic JSON; nil for none
	Response    any // the example response body as generic JSON; nil for none
	Error       any // the dialect's example error body as generic JSON
	Order       int
	declared    int
}

// HasExample reports whether the operation documents an example request
// (a body, or path values) beyond its bare path.
func (o Operation) HasExample() bool { return o.Request != nil || o.Response != nil }

// ExamplePath is the path of the example request, with its query.
func (o Operation) ExamplePath() string {
	p := o.Path
	for _, pp := range o.PathParams {
		p = strings.ReplaceAll(p, "{"+pp.Name+"}", pp.Example)
	}
	var q []string
	for _, qp := range o.Query {
		if qp.Example != "" {
			q = append(q, qp.Name+"="+qp.Example)
		}
	}
	if len(q) > 0 {
		p += "?" + strings.Join(q, "&")
	}
	return p
}

// RequestJSON is the example request body as indented JSON, or "".
func (o Operation) RequestJSON() string { return indentJSON(o.Request) }

// ResponseJSON is the example response body as indented JSON, or "".
func (o Operation) ResponseJSON() string { return indentJSON(o.Response) }

func indentJSON(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)(:[^}]*)?\}`)

// Operations turns declared routes into operations, one per dialect,
// method and path (a route mounted by several routers counts once), in
// declaration order.
func Operations(routes []httpapi.DeclaredRoute) []Operation {
	seen := map[string]bool{}
	var ops []Operation
	for i, r := range routes {
		full := pathParam.ReplaceAllString(r.Prefix+r.Path, "{$1}")
		key := r.Dialect + " " + r.Method + " " + full
		if seen[key] {
			continue
		}
		seen[key] = true
		op := Operation{
			Dialect: r.Dialect, Method: r.Method, Path: full, Summary: r.Summary,
			Description: r.Doc.Description, Secured: !r.Public, Credentials: r.Credentials, Streams: r.Streams,
			Query: r.Doc.Query, Status: r.Doc.Status, Order: r.Doc.Order, declared: i,
			Request: generic(r.Doc.Request), Response: generic(r.Doc.Response), Error: generic(r.ErrorExample),
		}
		if op.Status == 0 {
			op.Status = http.StatusOK
		}
		for _, m := range pathParam.FindAllStringSubmatch(full, -1) {
			ex := r.Doc.Path[m[1]]
			if ex == "" {
				ex = "example"
			}
			op.PathParams = append(op.PathParams, httpapi.Param{Name: m[1], Example: ex, Required: true})
		}
		ops = append(ops, op)
	}
	return ops
}

// generic is v's JSON form decoded as plain maps, slices and scalars.
func generic(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var g any
	json.Unmarshal(b, &g)
	return g
}

// Dialects lists the dialect names of ops, in order of first appearance.
func Dialects(ops []Operation) []string {
	var names []string
	seen := map[string]bool{}
	for _, o := range ops {
		if !seen[o.Dialect] {
			seen[o.Dialect] = true
			names = append(names, o.Dialect)
		}
	}
	return names
}

var methodRank = map[string]int{http.MethodPost: 0, http.MethodPut: 1, http.MethodPatch: 2, http.MethodGet: 3, http.MethodHead: 4, http.MethodDelete: 5}

// ExampleOrder returns ops sorted for sending their examples in turn:
// by Order, then creations before changes, reads and deletions, then by
// declaration.
func ExampleOrder(ops []Operation) []Operation {
	out := append([]Operation(nil), ops...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		if methodRank[a.Method] != methodRank[b.Method] {
			return methodRank[a.Method] < methodRank[b.Method]
		}
		return a.declared < b.declared
	})
	return out
}
