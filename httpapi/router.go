package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
)

// Options configures the router.
type Options struct {
	Logger         *slog.Logger
	MaxBodyBytes   int64
	RequestTimeout time.Duration
	// Ready reports why the service cannot serve (nil when it can).
	Ready func(context.Context) error
	// Capabilities returns what the attached server lets the component do.
	Capabilities func() any
	// Auth guards /capabilities.
	Auth *AdminAuth
	// RetryAfter tells a client answered 503 when to come back (the XMPP
	// link's reconnect backoff); nil means one second.
	RetryAfter func() time.Duration
	// Idempotency keeps the answers of writes sent with an
	// Idempotency-Key; nil serves such writes like any other.
	Idempotency *Idempotency
	// Logins limits failed logins of the token guards of every dialect
	// (the admin guard has its own field, AdminAuth.Limiter).
	Logins *LoginLimiter
	// MetricsAccess says who may read /metrics; "" is AccessOff.
	MetricsAccess Access
}

// NewRouter returns the router with the middleware and the service's own
// endpoints; dialects add their routes to it.
func NewRouter(o Options) *mux.Router {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	r := mux.NewRouter()
	r.UseEncodedPath()
	r.Use(withRequestID, withAccessLog(log), withMetrics, withRecovery(log), withRetryAfter(o.RetryAfter),
		withStreamDeadlines, withBodyLimit(o.MaxBodyBytes), withTimeout(o.RequestTimeout), o.Idempotency.middleware, withLoginLimiter(o.Logins))
	root := r
	r.NotFoundHandler = withRequestID(withMetrics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := AllowedMethods(root, r); len(allow) > 0 {
			SetAllow(w.Header(), allow)
			WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": r.Method + " is not served at " + r.URL.Path})
			return
		}
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint: " + r.URL.Path})
	})))

	mountService(r, o)
	return r
}

// PathVar returns the path parameter name of r, percent-decoded (the router
// matches encoded paths so that an escaped "/" stays inside a parameter).
func PathVar(r *http.Request, name string) (string, error) {
	raw, ok := mux.Vars(r)[name]
	if !ok {
		return "", fault.New(fault.BadRequest, "missing path parameter %s", name)
	}
	v, err := url.PathUnescape(raw)
	if err != nil {
		return "", fault.New(fault.BadRequest, "path parameter %s: bad percent-encoding %q", name, raw)
	}
	if !utf8.ValidString(v) {
		return "", fault.New(fault.BadRequest, "path parameter %s: %q is not valid UTF-8 once decoded", name, raw)
	}
	return v, nil
}

// WriteJSON writes v as JSON with the status code.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
