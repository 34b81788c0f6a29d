// Package openfire serves the admin API of the Openfire REST API plugin under
// /plugins/restapi/v1 (and its legacy /plugins/restapi/userservice), so that
// tools written for Openfire work unchanged against the attached server.
//
// The package only translates: wire shapes (XML by default, JSON on request),
// status codes and Openfire's error body. Every operation lives in
// httpapi/ops.
//
// # Adding routes
//
// Each area has its own file with a method of api that declares its routes,
// e.g.
//
//	func (a *api) groupRoutes() []httpapi.Route {
//		return []httpapi.Route{
//			{Method: http.MethodGet, Path: "/groups", Handler: a.listGroups, Summary: "list the groups", TrailingSlash: true},
//			{Method: http.MethodGet, Path: "/groups/{groupName}", Handler: a.getGroup, Summary: "one group"},
//		}
//	}
//
// and one line in routes adds them. A handler reads path parameters with
// pathVar (percent-decoded), the body with decode, answers with write (or
// created / ok for an empty 201 / 200) and returns any error: writeFault
// maps its fault.Kind onto Openfire's status code and error body. An error
// wrapped by a failure (userFailure(name).wrap(err)) names Openfire's
// exception for the call; openfireTexts gives Openfire's messages. ops
// calls take a.actor(r), who is asking, for the scope checks and the audit
// log.
package openfire

import (
	"net/http"

	"github.com/gorilla/mux"

	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// Prefix is where the REST API is mounted.
const Prefix = "/plugins/restapi/v1"

// UserServicePath is where the legacy user service is mounted.
const UserServicePath = "/plugins/restapi/userservice"

// api holds the handlers.
type api struct {
	svc  *ops.Service
	auth *httpapi.AdminAuth
	root *mux.Router // for the Allow header of a known path's 405
}

// Register mounts the Openfire REST API on r: the health checks without
// authentication, everything else behind auth (401 with an empty body for
// missing or wrong credentials). The legacy user service authenticates
// itself.
func Register(r *mux.Router, svc *ops.Service, auth *httpapi.AdminAuth) {
	a := &api{svc: svc, auth: auth, root: r}
	guard := a.guard()
	// The user service at its old place, outside the prefix.
	httpapi.Dialect{Name: "openfire-userservice", Prefix: UserServicePath, Errors: a.writeFault,
		Routes: a.userServiceRoutes("")}.Mount(r)
	httpapi.Dialect{
		Name: "openfire", Prefix: Prefix, Routes: httpapi.WithDocs(a.routes(), routeDocs), Errors: a.writeFault, Guard: guard,
		ErrorExample: errorExample,
		// An unknown path under the prefix: 401 for strangers, Openfire's
		// 404 for callers with credentials.
		NotFound:         guard(httpapi.Dialect{Errors: a.writeFault}.Serve(a.notFound)),
		MethodNotAllowed: guard(httpapi.Dialect{Errors: a.writeFault}.Serve(a.methodNotAllowed)),
	}.Mount(r)
}

// routes are the routes under Prefix, by area.
func (a *api) routes() []httpapi.Route {
	var all []httpapi.Route
	for _, area := range [][]httpapi.Route{
		a.healthRoutes(), a.userServiceRoutes("/userservice"),
		a.userRoutes(), a.lockoutRoutes(), a.sessionRoutes(), a.messageRoutes(),
		a.systemRoutes(), a.securityLogRoutes(), a.clusteringRoutes(),
		a.groupRoutes(), a.rosterRoutes(), a.vcardRoutes(), a.roomRoutes(),
	} {
		all = append(all, area...)
	}
	return all
}

// guard is the authentication middleware of the API.
func (a *api) guard() mux.MiddlewareFunc {
	return a.auth.Middleware(
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) },
		a.writeFault,
	)
}

// actor is who makes the request: its scope and its name in the audit log.
func (a *api) actor(r *http.Request) ops.Actor {
	return httpapi.Actor(r)
}

// pathVar returns a percent-decoded path parameter.
func pathVar(r *http.Request, name string) (string, error) {
	return httpapi.PathVar(r, name)
}

func (a *api) notFound(w http.ResponseWriter, r *http.Request) error {
	if allow := httpapi.AllowedMethods(a.root, r); len(allow) > 0 {
		httpapi.SetAllow(w.Header(), allow)
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return a.methodNotAllowed(w, r)
	}
	a.writeError(w, r, http.StatusNotFound, errorBody{
		Resource: r.URL.Path, Message: "No such endpoint: " + r.Method + " " + r.URL.Path, Exception: "NotFoundException"})
	return nil
}

func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	a.writeError(w, r, http.StatusMethodNotAllowed, errorBody{
		Resource: r.URL.Path, Message: "Method " + r.Method + " is not allowed on " + r.URL.Path, Exception: "NotAllowedException"})
	return nil
}
