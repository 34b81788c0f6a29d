package openfire

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
)

// healthRoutes are the liveness and readiness checks, which need no
// credentials. They map onto the component's own state: it is live while
// it serves; it is ready while the XMPP link is up and the database
// answers.
func (a *api) healthRoutes() []httpapi.Route {
	live := func(w http.ResponseWriter, r *http.Request) error { return a.healthy(w, r, "liveness") }
	ready := func(check string) httpapi.Handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			return a.ready(w, r, check, a.svc.LinkReady(), a.svc.StoreReady(r.Context()))
		}
	}
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/system/liveness", Handler: live, Public: true, Summary: "the component serves"},
		// No deadlock detector runs here, and no property needs a restart.
		{Method: http.MethodGet, Path: "/system/liveness/{check:deadlock|properties}", Handler: live, Public: true, Summary: "always up"},
		{Method: http.MethodGet, Path: "/system/readiness", Handler: ready("readiness"), Public: true, Summary: "the XMPP link is up and the database answers"},
		{Method: http.MethodGet, Path: "/system/readiness/server", Handler: ready("server"), Public: true, Summary: "the XMPP link is up and the database answers"},
		// Clustering is disabled and there are no plugins to wait for.
		{Method: http.MethodGet, Path: "/system/readiness/{check:cluster|plugins}", Public: true, Summary: "always ready",
			Handler: func(w http.ResponseWriter, r *http.Request) error { return a.healthy(w, r, mux.Vars(r)["check"]) }},
		{Method: http.MethodGet, Path: "/system/readiness/connections", Handler: a.connectionsReady, Public: true, Summary: "the component's connections"},
		{Method: http.MethodGet, Path: "/system/readiness/connections/{type}", Handler: a.connectionsReady, Public: true, Summary: "one type of connection"},
		{Method: http.MethodGet, Path: "/system/readiness/connections/{type}/{encrypted}", Handler: a.connectionsReady, Public: true, Summary: "one type of connection"},
	}
}

// healthEntity is the body of a health answer.
type healthEntity struct {
	XMLName xml.Name `xml:"health" json:"-"`
	Check   string   `xml:"check" json:"check"`
	Status  string   `xml:"status" json:"status"`
	Reason  string   `xml:"reason,omitempty" json:"reason,omitempty"`
}

func (a *api) healthy(w http.ResponseWriter, r *http.Request, check string) error {
	return a.write(w, r, http.StatusOK, healthEntity{Check: check, Status: "UP"})
}

// ready answers 200 when every error is nil, 503 with the first reason
// otherwise.
func (a *api) ready(w http.ResponseWriter, r *http.Request, check string, errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return a.write(w, r, http.StatusServiceUnavailable, healthEntity{Check: check, Status: "DOWN", Reason: fault.Message(err)})
		}
	}
	return a.healthy(w, r, check)
}

// connectionsReady checks the connection types. The component's own
// connection to the XMPP server is its COMPONENT connection, and client
// connections reach the XMPP server only while it is up, which the link
// shows; other types (S2S, BOSH, admin console) are the XMPP server's
// business and are not checked here.
func (a *api) connectionsReady(w http.ResponseWriter, r *http.Request) error {
	typ := strings.ToUpper(mux.Vars(r)["type"])
	switch typ {
	case "", "COMPONENT", "SOCKET_C2S", "BOSH_C2S", "CONNECTION_MANAGER":
		return a.ready(w, r, "connections", a.svc.LinkReady())
	case "SOCKET_S2S", "WEBADMIN":
		return a.healthy(w, r, "connections")
	}
	return fault.New(fault.BadRequest,
		"unknown connection type %q: use SOCKET_S2S, SOCKET_C2S, BOSH_C2S, WEBADMIN, COMPONENT or CONNECTION_MANAGER", mux.Vars(r)["type"])
}
