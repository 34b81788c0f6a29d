package httpapi

import (
	"net/http"
	"strings"
)

// corsAllowedHeaders are the request headers a browser may send across
// origins.
const corsAllowedHeaders = "Authorization, Content-Type, Accept, Idempotency-Key, X-Request-ID"

// corsExposedHeaders are the answer headers a cross-origin page may read.
const corsExposedHeaders = "Retry-After, X-Request-ID, Idempotent-Replayed, Location, Allow"

// WithCORS lets web pages of the listed origins call next from a browser
// ("*" allows any origin). With no origin listed it returns next as it is:
// no CORS header is ever sent, so browsers refuse cross-origin calls. A
// preflight (OPTIONS with Access-Control-Request-Method) from an allowed
// origin is answered here, before routing and authentication, as browsers
// send it without credentials.
func WithCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	any := false
	allowed := map[string]bool{}
	for _, o := range origins {
		if o == "*" {
			any = true
		}
		allowed[strings.TrimRight(o, "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !(any || allowed[origin]) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		if !any {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		h.Set("Access-Control-Expose-Headers", corsExposedHeaders)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
