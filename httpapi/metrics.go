package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/component/metrics"
	"xmpprest/httpapi/ops"
)

// Access says who may read an operator endpoint (/metrics, the status
// page).
type Access string

// The access levels.
const (
	AccessOff    Access = "off"    // not served
	AccessPublic Access = "public" // served to anyone who reaches the port
	AccessAdmin  Access = "admin"  // served to admin API credentials only
)

// withMetrics counts each request by its route template (never the raw
// path, which holds user names), method and status, and times it unless it
// streams.
func withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := "unmatched"
		if cur := mux.CurrentRoute(r); cur != nil {
			if t, err := cur.GetPathTemplate(); err == nil {
				route = t
			}
		}
		metrics.HTTPRequests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		if !Streams(r) {
			metrics.HTTPDuration.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
		}
	})
}

// OperatorGuard returns middleware that serves next as access says: not at
// all (404), to anyone, or to callers auth accepts. Admin callers may also
// send the shared secret as a bearer token ("Authorization: Bearer
// SECRET"), which is what scrapers such as Prometheus send, or as the
// password of HTTP Basic with any user name, which is what a browser can
// send. Refused callers get a 401 with a Basic challenge, so a browser asks
// for it (or for an admin's JID and XMPP password).
func OperatorGuard(access Access, auth *AdminAuth) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		switch access {
		case AccessPublic:
			return next
		case AccessAdmin:
		default:
			return http.NotFoundHandler()
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if auth == nil {
				http.NotFound(w, r)
				return
			}
			if auth.Secret != "" && (subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+auth.Secret)) == 1 ||
				basicSecret(r, auth.Secret)) {
				next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), Principal{Name: "secret", Method: "secret", Role: ops.RoleServiceAdmin})))
				return
			}
			auth.Middleware(
				func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("WWW-Authenticate", `Basic realm="xmpprest", charset="UTF-8"`)
					WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin credentials required"})
				},
				func(w http.ResponseWriter, _ *http.Request, err error) {
					WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": fault.Message(err)})
				})(next).ServeHTTP(w, r)
		})
	}
}

// basicSecret reports whether r carries HTTP Basic credentials whose
// password is secret (compared in constant time).
func basicSecret(r *http.Request, secret string) bool {
	_, password, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(password), []byte(secret)) == 1
}
