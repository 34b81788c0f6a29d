package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/httpapi/ops"
)

// TokenLookup returns who a token acts as on the API of scope (see
// ops.Service.TokenActor): ops.ErrBadToken for an unknown, expired or
// revoked token, a fault.Denied for one of another scope.
type TokenLookup func(ctx context.Context, secret, name, scope string) (ops.Actor, error)

// TokenAuth authenticates the requests of a dialect with API tokens of one
// scope (made by "xmpprest token create"): as "Authorization: Bearer
// <secret>", or with Basic set, as HTTP Basic with the token's name as user
// and its secret as password. Other credentials (the Openfire shared
// secret, an admin's password) are refused.
type TokenAuth struct {
	Scope  string
	Basic  bool
	Lookup TokenLookup
}

// Middleware lets requests with a good token through, carrying the
// token's principal, and answers the others with unauthorized (no or bad
// credentials, ErrUnauthorized) or fail (a token of another scope, or a
// store that cannot be read).
func (t TokenAuth) Middleware(unauthorized, fail ErrorWriter) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			secret, name, ok := t.credentials(r)
			if !ok {
				unauthorized(w, r, ErrUnauthorized)
				return
			}
			logins, addr := loginLimiterOf(r), ClientAddress(r)
			if err := logins.Check(addr, name); err != nil {
				setRetryAfterOf(w, err)
				fail(w, r, err)
				return
			}
			a, err := t.Lookup(r.Context(), secret, name, t.Scope)
			switch {
			case errors.Is(err, ops.ErrBadToken):
				logins.Failed(addr, name)
				unauthorized(w, r, err)
				return
			case err != nil:
				fail(w, r, err)
				return
			}
			p := Principal{Name: a.Name, Method: "token", Role: a.Role, Host: a.Host}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

func (t TokenAuth) credentials(r *http.Request) (secret, name string, ok bool) {
	if t.Basic {
		name, secret, ok = r.BasicAuth()
		return secret, name, ok && name != "" && secret != ""
	}
	scheme, rest, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", "", false
	}
	secret = strings.TrimSpace(rest)
	return secret, "", secret != ""
}
