package openfire

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
)

// routesHealth adds the liveness and readiness checks, which need no
// credentials. They map onto the component's own state: it is live while
// it serves; it is ready while the XMPP link is up and the database
// answers.
func (a *api) routesHealth(r *mux.Router) {
	live := func(w http.ResponseWriter, r *http.Request) { a.healthy(w, r, "liveness") }
	r.HandleFunc("/liveness", live).Methods(http.MethodGet)
	// No deadlock detector runs here, and no property needs a restart.
	r.HandleFunc("/liveness/{check:deadlock|properties}", live).Methods(http.MethodGet)

	r.HandleFunc("/readiness", func(w http.ResponseWriter, r *http.Request) {
		a.ready(w, r, "readiness", a.svc.LinkReady(), a.svc.StoreReady(r.Context()))
	}).Methods(http.MethodGet)
	r.HandleFunc("/readiness/server", func(w http.ResponseWriter, r *http.Request) {
		a.ready(w, r, "server", a.svc.LinkReady(), a.svc.StoreReady(r.Context()))
	}).Methods(http.MethodGet)
	// Clustering is disabled and there are no plugins to wait for.
	r.HandleFunc("/readiness/{check:cluster|plugins}", func(w http.ResponseWriter, r *http.Request) {
		a.healthy(w, r, mux.Vars(r)["check"])
	}).Methods(http.MethodGet)
	r.HandleFunc("/readiness/connections", a.connectionsReady).Methods(http.MethodGet)
	r.HandleFunc("/readiness/connections/{type}", a.connectionsReady).Methods(http.MethodGet)
	r.HandleFunc("/readiness/connections/{type}/{encrypted}", a.connectionsReady).Methods(http.MethodGet)
}

// healthEntity is the body of a health answer.
type healthEntity struct {
	XMLName xml.Name `xml:"health" json:"-"`
	Check   string   `xml:"check" json:"check"`
	Status  string   `xml:"status" json:"status"`
	Reason  string   `xml:"reason,omitempty" json:"reason,omitempty"`
}

func (a *api) healthy(w http.ResponseWriter, r *http.Request, check string) {
	a.write(w, r, http.StatusOK, healthEntity{Check: check, Status: "UP"})
}

// ready answers 200 when every error is nil, 503 with the first reason
// otherwise.
func (a *api) ready(w http.ResponseWriter, r *http.Request, check string, errs ...error) {
	for _, err := range errs {
		if err != nil {
			a.write(w, r, http.StatusServiceUnavailable, healthEntity{Check: check, Status: "DOWN", Reason: fault.Message(err)})
			return
		}
	}
	a.healthy(w, r, check)
}

// connectionsReady checks the connection types. The component's own
// connection to the XMPP server is its COMPONENT connection, and client
// connections reach the XMPP server only while it is up, which the link
// shows; other types (S2S, BOSH, admin console) are the XMPP server's
// business and are not checked here.
func (a *api) connectionsReady(w http.ResponseWriter, r *http.Request) {
	typ := strings.ToUpper(mux.Vars(r)["type"])
	switch typ {
	case "", "COMPONENT", "SOCKET_C2S", "BOSH_C2S", "CONNECTION_MANAGER":
		a.ready(w, r, "connections", a.svc.LinkReady())
	case "SOCKET_S2S", "WEBADMIN":
		a.healthy(w, r, "connections")
	default:
		a.fail(w, r, fault.New(fault.BadRequest,
			"unknown connection type %q: use SOCKET_S2S, SOCKET_C2S, BOSH_C2S, WEBADMIN, COMPONENT or CONNECTION_MANAGER", mux.Vars(r)["type"]))
	}
}
