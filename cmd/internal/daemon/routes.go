package daemon

import (
	"github.com/gorilla/mux"

	"xmpprest/httpapi"
	"xmpprest/httpapi/openfire"
	"xmpprest/httpapi/ops"
)

// registerDialects adds every REST dialect's routes to r.
func registerDialects(r *mux.Router, svc *ops.Service, auth *httpapi.AdminAuth) {
	openfire.Register(r, svc, auth)
}
