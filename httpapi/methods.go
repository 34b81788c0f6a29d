package httpapi

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// probedMethods are the methods AllowedMethods tries.
var probedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}

// AllowedMethods returns the methods router serves at r's path, other than
// r's own: empty when the path is unknown. A dialect answers a known path
// with a method it does not serve 405 with these in the Allow header (see
// SetAllow), not 404.
func AllowedMethods(router *mux.Router, r *http.Request) []string {
	var out []string
	for _, m := range probedMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		var rm mux.RouteMatch
		if router.Match(probe, &rm) && rm.MatchErr == nil {
			out = append(out, m)
		}
	}
	return out
}

// SetAllow sets the Allow header from methods (HEAD and OPTIONS are never
// served by the dialects).
func SetAllow(h http.Header, methods []string) {
	h.Set("Allow", strings.Join(methods, ", "))
}
