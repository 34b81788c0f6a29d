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
// Each area has its own file with a method of api that adds its routes to the
// authenticated subrouter, e.g.
//
//	func (a *api) routesGroups(r *mux.Router) {
//		a.handle(r, "/groups", a.listGroups, http.MethodGet)   // also "/groups/"
//		a.handle(r, "/groups", a.createGroup, http.MethodPost)
//		r.HandleFunc("/groups/{groupName}", a.getGroup).Methods(http.MethodGet)
//	}
//
// and one line in Register calls it. A handler reads path parameters with
// pathVar (percent-decoded), the body with decode, answers with write (or
// created / ok for an empty 201 / 200) and reports any error with fail, which
// maps a fault.Kind onto Openfire's status code and error body. ops calls take
// a.actor(r) for the audit log.
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
// missing or wrong credentials).
func Register(r *mux.Router, svc *ops.Service, auth *httpapi.AdminAuth) {
	a := &api{svc: svc, auth: auth, root: r}

	// Liveness and readiness answer without credentials, as in Openfire.
	a.routesHealth(r.PathPrefix(Prefix + "/system").Subrouter())

	a.routesUserService(r)

	sub := r.PathPrefix(Prefix).Subrouter()
	guard := a.guard()
	sub.Use(guard)
	// An unknown path under the prefix: 401 for strangers, Openfire's 404
	// for callers with credentials.
	sub.NotFoundHandler = guard(http.HandlerFunc(a.notFound))
	sub.MethodNotAllowedHandler = guard(http.HandlerFunc(a.methodNotAllowed))

	a.routesUsers(sub)
	a.routesLockouts(sub)
	a.routesSessions(sub)
	a.routesMessages(sub)
	a.routesSystem(sub)
	a.routesSecurityLog(sub)
	a.routesClustering(sub)
	a.routesGroups(sub)
	a.routesRoster(sub)
	a.routesVCard(sub)
	a.routesChatRooms(sub)
}

// guard is the authentication middleware of the API.
func (a *api) guard() mux.MiddlewareFunc {
	return a.auth.Middleware(
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) },
		func(w http.ResponseWriter, r *http.Request, err error) { a.fail(w, r, err) },
	)
}

// handle registers h for path and for path with a trailing slash (Openfire
// accepts both on collections).
func (a *api) handle(r *mux.Router, path string, h http.HandlerFunc, methods ...string) {
	r.HandleFunc(path, h).Methods(methods...)
	r.HandleFunc(path+"/", h).Methods(methods...)
}

// actor is who makes the request, for the audit log.
func (a *api) actor(r *http.Request) ops.Actor {
	return httpapi.Actor(r)
}

// pathVar returns a percent-decoded path parameter.
func pathVar(r *http.Request, name string) (string, error) {
	return httpapi.PathVar(r, name)
}

func (a *api) notFound(w http.ResponseWriter, r *http.Request) {
	if allow := httpapi.AllowedMethods(a.root, r); len(allow) > 0 {
		httpapi.SetAllow(w.Header(), allow)
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		a.methodNotAllowed(w, r)
		return
	}
	a.writeError(w, r, http.StatusNotFound, errorBody{
		Resource: r.URL.Path, Message: "No such endpoint: " + r.Method + " " + r.URL.Path, Exception: "NotFoundException"})
}

func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	a.writeError(w, r, http.StatusMethodNotAllowed, errorBody{
		Resource: r.URL.Path, Message: "Method " + r.Method + " is not allowed on " + r.URL.Path, Exception: "NotAllowedException"})
}
