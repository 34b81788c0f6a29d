package httpapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
)

// Handler serves one request. It returns the error to report instead of
// writing it: the dialect's ErrorWriter turns it into the dialect's error
// body and status (see fault for the kinds).
type Handler func(w http.ResponseWriter, r *http.Request) error

// ErrorWriter writes err in a dialect's own error shape.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// Route declares one route of a dialect. The router, the route walk of the
// tests and the API documents are all made from these declarations.
type Route struct {
	Method  string
	Path    string // a gorilla/mux template below the dialect's prefix
	Handler Handler
	// Summary says in a line what the route does.
	Summary string
	// Public routes are served without credentials.
	Public bool
	// Streams marks a long-lived response (Server-Sent Events): the
	// request timeout does not apply to it.
	Streams bool
	// TrailingSlash also serves the path with a "/" appended (collections
	// in some dialects).
	TrailingSlash bool
	// Secrets names the path parameters that are secrets (a one-time
	// code): the access log shows them as "*".
	Secrets []string
	// Doc is what the API documents say of the route beyond Summary; the
	// zero value documents the path and its parameters only.
	Doc RouteDoc
}

// Dialect is a REST dialect's routes mounted under one prefix, with its
// error shape and its authentication.
type Dialect struct {
	Name   string
	Prefix string
	Routes []Route
	// Errors writes every error a handler returns.
	Errors ErrorWriter
	// Guard authenticates the routes that are not Public; nil serves them
	// all without credentials.
	Guard mux.MiddlewareFunc
	// TrailingSlash also serves every path with a "/" appended.
	TrailingSlash bool
	// NotFound and MethodNotAllowed, when set, answer the requests under
	// Prefix that no route matches (by path, or by method only); they are
	// not guarded by Guard unless they guard themselves.
	NotFound         http.Handler
	MethodNotAllowed http.Handler
	// ErrorExample is an example of the dialect's error body, for the API
	// documents; nil documents errors without a body shape.
	ErrorExample any
	// Credentials are what Guard takes, for the API documents.
	Credentials Credentials
}

// Mount adds d's routes to r. With NotFound or MethodNotAllowed set, the
// routes are mounted on a subrouter of Prefix, which Mount returns so that
// routes not yet declared can be added to it; otherwise it returns r.
func (d Dialect) Mount(r *mux.Router) *mux.Router {
	if d.Errors != nil && d.Prefix != "" {
		dialectErrors.Store(d.Prefix, d.Errors)
	}
	target, prefix := r, d.Prefix
	if d.NotFound != nil || d.MethodNotAllowed != nil {
		target, prefix = r.PathPrefix(d.Prefix).Subrouter(), ""
		target.NotFoundHandler, target.MethodNotAllowedHandler = d.NotFound, d.MethodNotAllowed
	}
	for _, rt := range d.Routes {
		var h http.Handler = d.Serve(rt.Handler)
		if !rt.Public && d.Guard != nil {
			h = d.Guard(h)
		}
		paths := []string{prefix + rt.Path}
		if d.TrailingSlash || rt.TrailingSlash {
			paths = append(paths, prefix+rt.Path+"/")
		}
		for _, p := range paths {
			mr := target.Handle(p, h).Methods(rt.Method)
			if rt.Streams {
				streamRoutes.Store(mr, true)
			}
			if len(rt.Secrets) > 0 {
				secretParams.Store(mr, rt.Secrets)
			}
		}
		registered.Lock()
		registered.routes = append(registered.routes, DeclaredRoute{Dialect: d.Name, Prefix: d.Prefix, Route: rt, ErrorExample: d.ErrorExample, Credentials: d.Credentials})
		registered.Unlock()
	}
	return target
}

// Serve adapts h to net/http, writing any error it returns with d.Errors.
func (d Dialect) Serve(h Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			setRetryAfterOf(w, err)
			d.Errors(w, r, err)
		}
	}
}

// DeclaredRoute is a route as mounted, for documents and route walks.
type DeclaredRoute struct {
	Dialect string
	Prefix  string
	Route
	// ErrorExample and Credentials are the dialect's.
	ErrorExample any
	Credentials  Credentials
}

var (
	streamRoutes sync.Map // *mux.Route -> true
	secretParams sync.Map // *mux.Route -> []string
	registered   struct {
		sync.Mutex
		routes []DeclaredRoute
	}
)

// DeclaredRoutes returns every route mounted through Dialect.Mount in this
// process, in order.
func DeclaredRoutes() []DeclaredRoute {
	registered.Lock()
	defer registered.Unlock()
	return append([]DeclaredRoute(nil), registered.routes...)
}

// Streams reports whether r was routed to a route declared as streaming.
func Streams(r *http.Request) bool {
	cur := mux.CurrentRoute(r)
	if cur == nil {
		return false
	}
	_, ok := streamRoutes.Load(cur)
	return ok
}

// withTimeout bounds the request's context, except for streaming routes.
func withTimeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if d <= 0 || Streams(r) {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// withStreamDeadlines lifts the server's read and write timeouts for a
// route declared as streaming: an event stream lives as long as its client
// listens. Every other route keeps them.
func withStreamDeadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Streams(r) {
			rc := http.NewResponseController(w)
			rc.SetReadDeadline(time.Time{})
			rc.SetWriteDeadline(time.Time{})
		}
		next.ServeHTTP(w, r)
	})
}

// loggedPath is the request's path as the access log shows it: escaped,
// with the path parameters its route declares secret replaced by "*".
func loggedPath(r *http.Request) string {
	path := r.URL.EscapedPath()
	cur := mux.CurrentRoute(r)
	if cur == nil {
		return path
	}
	names, ok := secretParams.Load(cur)
	if !ok {
		return path
	}
	vars := mux.Vars(r)
	segments := strings.Split(path, "/")
	for _, name := range names.([]string) {
		v := vars[name]
		for i, seg := range segments {
			if v != "" && seg == v {
				segments[i] = "*"
			}
		}
	}
	return strings.Join(segments, "/")
}
