package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/component/metrics"
)

// ServiceDialect names the service's own endpoints in the API documents.
const ServiceDialect = "service"

// mountService declares and mounts the service's own endpoints: health,
// readiness, capabilities and (as o.MetricsAccess says) metrics.
func mountService(r *mux.Router, o Options) {
	alive := map[string]string{"status": "alive"}
	healthz := func(w http.ResponseWriter, _ *http.Request) error {
		WriteJSON(w, http.StatusOK, alive)
		return nil
	}
	readyz := func(w http.ResponseWriter, r *http.Request) error {
		if o.Ready != nil {
			if err := o.Ready(r.Context()); err != nil {
				WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": fault.Message(err)})
				return nil
			}
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		return nil
	}
	caps := func(w http.ResponseWriter, _ *http.Request) error {
		var v any = map[string]any{}
		if o.Capabilities != nil {
			v = o.Capabilities()
		}
		WriteJSON(w, http.StatusOK, v)
		return nil
	}
	var guard mux.MiddlewareFunc
	if o.Auth != nil {
		guard = o.Auth.Middleware(
			func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) },
			func(w http.ResponseWriter, _ *http.Request, err error) {
				WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": fault.Message(err)})
			})
	}
	errorExample := map[string]string{"error": "what went wrong"}
	Dialect{
		Name: ServiceDialect, Errors: writeServiceError, Guard: guard, ErrorExample: errorExample,
		Routes: []Route{
			{Method: http.MethodGet, Path: "/healthz", Handler: healthz, Public: true,
				Summary: "200 while the process lives", Doc: RouteDoc{Response: alive}},
			{Method: http.MethodHead, Path: "/healthz", Handler: healthz, Public: true, Summary: "200 while the process lives"},
			{Method: http.MethodGet, Path: "/readyz", Handler: readyz, Public: true,
				Summary: "200 while the XMPP link is up and the database answers; 503 with a reason otherwise",
				Doc:     RouteDoc{Response: map[string]string{"status": "ready"}}},
			{Method: http.MethodHead, Path: "/readyz", Handler: readyz, Public: true, Summary: "the same as GET /readyz, without a body"},
			{Method: http.MethodGet, Path: "/capabilities", Handler: caps, Public: o.Auth == nil,
				Summary: "what the attached server lets the component do, per host: ad-hoc commands, XEP-0356 privileges, chat service, limitations"},
		},
	}.Mount(r)
	if o.MetricsAccess == "" || o.MetricsAccess == AccessOff {
		return
	}
	serveMetrics := metrics.Handler()
	Dialect{
		Name: ServiceDialect, Errors: writeServiceError, Guard: OperatorGuard(o.MetricsAccess, o.Auth),
		Routes: []Route{{Method: http.MethodGet, Path: "/metrics", Public: o.MetricsAccess == AccessPublic,
			Summary: "Prometheus metrics (metrics.access: public, or admin credentials incl. Authorization: Bearer <auth.secret>)",
			Handler: func(w http.ResponseWriter, r *http.Request) error { serveMetrics.ServeHTTP(w, r); return nil }}},
	}.Mount(r)
}

func writeServiceError(w http.ResponseWriter, _ *http.Request, err error) {
	WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": fault.Message(err)})
}
