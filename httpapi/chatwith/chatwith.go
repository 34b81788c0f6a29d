// Package chatwith serves a hosted provider's multi-domain user API under
// /api/1.0: the virtual hosts the component administers
// (/xmppdomains/{fqdn}) and their accounts (/xmppdomains/{fqdn}/users/...).
//
// Callers authenticate with HTTP Basic: an API token's name as the user and
// its secret as the password ("xmpprest token create --scope chatwith --name
// api" gives api:<secret>); a token limited to a host sees that host only.
// Answers are JSON (also with ?format=json or Accept: application/json);
// lists are {"meta":{limit,next,offset,previous,totalCount},"objects":[...]}.
//
// The package only translates: every operation lives in httpapi/ops.
package chatwith

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// Prefix is where the API is mounted.
const Prefix = "/api/1.0"

// Paging limits of the user lists.
const (
	defaultLimit = 20
	maxLimit     = 50
)

type api struct{ svc *ops.Service }

// Register mounts the API on r.
func Register(r *mux.Router, svc *ops.Service) {
	a := &api{svc: svc}
	auth := httpapi.TokenAuth{Scope: ops.ScopeChatwith, Basic: true, Lookup: svc.TokenActor}.Middleware(a.unauthorized, a.fail)
	d := httpapi.Dialect{
		Name:          "chatwith",
		Prefix:        Prefix,
		Errors:        a.fail,
		Guard:         func(next http.Handler) http.Handler { return auth(a.jsonOnly(next)) },
		TrailingSlash: true,
		Routes: []httpapi.Route{
			{Method: http.MethodGet, Path: "/xmppdomains", Handler: a.listDomains, Summary: "the XMPP domains (virtual hosts) administered"},
			{Method: http.MethodGet, Path: "/xmppdomains/{fqdn}", Handler: a.getDomain, Summary: "one XMPP domain"},
			{Method: http.MethodGet, Path: "/xmppdomains/{fqdn}/users", Handler: a.listUsers, Summary: "the users of a domain, by page (limit, offset)"},
			{Method: http.MethodPost, Path: "/xmppdomains/{fqdn}/users", Handler: a.createUser, Summary: "create a user with a generated name"},
			{Method: http.MethodPost, Path: "/xmppdomains/{fqdn}/users/{username}", Handler: a.createUser, Summary: "create a user"},
			{Method: http.MethodGet, Path: "/xmppdomains/{fqdn}/users/{username}", Handler: a.getUser, Summary: "one user"},
			{Method: http.MethodPut, Path: "/xmppdomains/{fqdn}/users/{username}", Handler: a.updateUser, Summary: "change a user's password or enabled state"},
			{Method: http.MethodDelete, Path: "/xmppdomains/{fqdn}/users/{username}", Handler: a.deleteUser, Summary: "delete a user"},
		},
	}
	d.Credentials = httpapi.CredentialsAPITokenBasic
	d.Mount(r)
	r.PathPrefix(Prefix + "/").Handler(d.Guard(d.Serve(func(_ http.ResponseWriter, r *http.Request) error {
		return fault.New(fault.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	})))
}

// errorJSON is the error answer.
type errorJSON struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
}

func (a *api) fail(w http.ResponseWriter, _ *http.Request, err error) {
	var media *httpapi.UnsupportedMediaError
	if errors.As(err, &media) {
		err = fault.New(fault.BadRequest, "%s", media.Error())
	}
	status := httpapi.StatusOf(fault.KindOf(err))
	httpapi.WriteJSON(w, status, errorJSON{Error: fault.Message(err), Code: status})
}

func (a *api) unauthorized(w http.ResponseWriter, _ *http.Request, err error) {
	w.Header().Set("WWW-Authenticate", `Basic realm="xmpprest", charset="UTF-8"`)
	msg := "send HTTP Basic credentials: an API token's name and secret (xmpprest token create --scope chatwith --name NAME)"
	if errors.Is(err, ops.ErrBadToken) {
		msg = "the token is unknown, expired or revoked, or its name does not match"
	}
	httpapi.WriteJSON(w, http.StatusUnauthorized, errorJSON{Error: msg, Code: http.StatusUnauthorized})
}

// jsonOnly refuses a request for another format than JSON before anything
// is done.
func (a *api) jsonOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := r.URL.Query().Get("format"); f != "" && f != "json" {
			a.fail(w, r, fault.New(fault.BadRequest, "format %q: this API answers JSON only (format=json)", f))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// write answers v as JSON, the only format served.
func write(w http.ResponseWriter, _ *http.Request, status int, v any) error {
	httpapi.WriteJSON(w, status, v)
	return nil
}

// meta is the paging block of a list.
type meta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"totalCount"`
}

type listJSON[T any] struct {
	Meta    meta `json:"meta"`
	Objects []T  `json:"objects"`
}

// pageURL is the URL of the list page at offset.
func pageURL(path string, limit, offset int) *string {
	u := path + "?format=json&limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(offset)
	return &u
}

func newMeta(path string, limit, offset, total int) meta {
	m := meta{Limit: limit, Offset: offset, TotalCount: total}
	if offset+limit < total {
		m.Next = pageURL(path, limit, offset+limit)
	}
	if offset > 0 {
		m.Previous = pageURL(path, limit, max(offset-limit, 0))
	}
	return m
}

// paging reads limit and offset.
func paging(r *http.Request) (limit, offset int, err error) {
	q := r.URL.Query()
	limit, offset = defaultLimit, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, fault.New(fault.BadRequest, "limit %q: want a whole number from 1 to %d", v, maxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, fault.New(fault.BadRequest, "offset %q: want a whole number of at least 0", v)
		}
	}
	return limit, offset, nil
}

// decode reads an optional body: JSON, or an HTML form's fields.
func decode(r *http.Request, v *userIn) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return fault.Wrap(fault.BadRequest, err, "read the form")
		}
		if vals, ok := r.PostForm["password"]; ok {
			v.Password = httpapi.Text{Set: true, Value: vals[0]}
		}
		if vals, ok := r.PostForm["enabled"]; ok {
			if err := v.Enabled.UnmarshalText([]byte(vals[0])); err != nil {
				return fault.New(fault.BadRequest, "enabled %q: want true or false", vals[0])
			}
		}
		return nil
	}
	body, err := httpapi.ReadBody(r, false)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if _, err := httpapi.BodyFormat(r, httpapi.MediaJSON); err != nil {
		return err
	}
	return httpapi.DecodeJSON(body, v)
}

func domainPath(fqdn string) string { return Prefix + "/xmppdomains/" + url.PathEscape(fqdn) }

func usersPath(fqdn string) string { return domainPath(fqdn) + "/users" }

// pathVar returns a percent-decoded path parameter; blanks around it are
// refused.
func pathVar(r *http.Request, name string) (string, error) {
	v, err := httpapi.PathVar(r, name)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(v) != v {
		return "", fault.New(fault.BadRequest, "%s %q has blanks around it", name, v)
	}
	return v, nil
}
