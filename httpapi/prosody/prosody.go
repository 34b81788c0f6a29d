// Package prosody serves Prosody's mod_http_admin_api under /admin_api:
// users, groups (with their chat rooms), invitations and server
// information, so that tools written for Prosody's admin API work against
// any attached server.
//
// Callers authenticate with an API token of scope "admin" ("xmpprest token
// create --scope admin"), sent as "Authorization: Bearer <token>"; a token
// limited to a host acts on that host only. Bodies are JSON and must say so
// in their Content-Type; lists are bare JSON arrays; errors have Prosody's
// shape, {"type":"error","error":{"type","condition","text"},"code"}.
//
// The package only translates: every operation lives in httpapi/ops.
package prosody

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// Prefix is where the API is mounted.
const Prefix = "/admin_api"

// Options configures the dialect.
type Options struct {
	// LandingURL returns the absolute URL of the landing page of an
	// invitation's secret; nil leaves landing_page out.
	LandingURL func(secret string) string
}

type api struct {
	svc  *ops.Service
	opts Options
}

// Register mounts the API on r.
func Register(r *mux.Router, svc *ops.Service, opts Options) {
	a := &api{svc: svc, opts: opts}
	auth := httpapi.TokenAuth{Scope: ops.ScopeAdmin, Lookup: svc.TokenActor}
	d := httpapi.Dialect{
		Name:   "prosody",
		Prefix: Prefix,
		Errors: a.fail,
		Guard:  auth.Middleware(a.unauthorized, a.fail),
	}
	d.Credentials = httpapi.CredentialsAPIToken
	d.Routes = append(d.Routes, a.userRoutes()...)
	d.Routes = append(d.Routes, a.groupRoutes()...)
	d.Routes = append(d.Routes, a.inviteRoutes()...)
	d.Routes = append(d.Routes, a.serverRoutes()...)
	d.Routes = httpapi.WithDocs(d.Routes, routeDocs)
	d.Mount(r)
	// Anything else under the prefix: 401 for strangers, 404 otherwise.
	r.PathPrefix(Prefix + "/").Handler(d.Guard(d.Serve(a.notFound)))
}

func (a *api) notFound(_ http.ResponseWriter, r *http.Request) error {
	return fault.New(fault.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}

// errorBody is Prosody's error answer.
type errorBody struct {
	Type  string      `json:"type"` // always "error"
	Error errorDetail `json:"error"`
	Code  int         `json:"code"`
}

type errorDetail struct {
	Type      string `json:"type"` // cancel, modify, auth, wait
	Condition string `json:"condition"`
	Text      string `json:"text,omitempty"`
}

// condition maps a fault kind onto the XMPP error type and condition
// Prosody reports it with.
func condition(k fault.Kind) (typ, cond string) {
	switch k {
	case fault.BadRequest:
		return "modify", "bad-request"
	case fault.NotFound:
		return "cancel", "item-not-found"
	case fault.Conflict:
		return "cancel", "conflict"
	case fault.Denied:
		return "auth", "forbidden"
	case fault.Forbidden:
		return "cancel", "forbidden"
	case fault.Refused:
		return "cancel", "not-allowed"
	case fault.NotSupported:
		return "cancel", "feature-not-implemented"
	case fault.TooLarge:
		return "modify", "policy-violation"
	case fault.Unavailable:
		return "wait", "service-unavailable"
	case fault.Timeout:
		return "wait", "remote-server-timeout"
	case fault.BadGateway:
		return "cancel", "undefined-condition"
	}
	return "cancel", "internal-server-error"
}

// fail writes err in Prosody's error shape.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	var media *httpapi.UnsupportedMediaError
	if errors.As(err, &media) {
		err = fault.New(fault.BadRequest, "%s", media.Error())
	}
	typ, cond := condition(fault.KindOf(err))
	writeError(w, httpapi.StatusOf(fault.KindOf(err)), typ, cond, fault.Message(err))
}

func writeError(w http.ResponseWriter, status int, typ, cond, text string) {
	httpapi.WriteJSON(w, status, errorBody{Type: "error", Error: errorDetail{Type: typ, Condition: cond, Text: text}, Code: status})
}

// unauthorized answers 401 with the Bearer challenge.
func (a *api) unauthorized(w http.ResponseWriter, _ *http.Request, err error) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+a.svc.Link.DefaultHost().String()+`/http_admin_api"`)
	text := "send an API token of scope admin as Authorization: Bearer <token> (xmpprest token create --scope admin)"
	if errors.Is(err, ops.ErrBadToken) {
		text = "the token is unknown, expired or revoked"
	}
	writeError(w, http.StatusUnauthorized, "auth", "not-authorized", text)
}

// decode reads a JSON body into v. A body must be sent as
// application/json; an empty body is allowed unless required.
func decode(r *http.Request, v any, required bool) error {
	body, err := httpapi.ReadBody(r, false)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if required {
			return fault.New(fault.BadRequest, "this request needs a JSON body (Content-Type: application/json)")
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != httpapi.MediaJSON && !strings.HasSuffix(mt, "+json")) {
		return fault.New(fault.BadRequest, "the body must be JSON sent with Content-Type: application/json, not %q", r.Header.Get("Content-Type"))
	}
	return httpapi.DecodeJSON(body, v)
}

// pathVar returns a percent-decoded path parameter.
func pathVar(r *http.Request, name string) (string, error) { return httpapi.PathVar(r, name) }

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	httpapi.WriteJSON(w, status, v)
	return nil
}
