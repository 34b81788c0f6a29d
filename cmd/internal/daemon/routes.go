package daemon

import (
	"github.com/gorilla/mux"

	"xmpprest/httpapi"
	"xmpprest/httpapi/chatwith"
	"xmpprest/httpapi/landing"
	"xmpprest/httpapi/openfire"
	"xmpprest/httpapi/ops"
	"xmpprest/httpapi/prosody"
)

// registerDialects adds every REST dialect's routes to r. publicURL is the
// base URL people reach the service at.
func registerDialects(r *mux.Router, svc *ops.Service, auth *httpapi.AdminAuth, publicURL func() string) {
	openfire.Register(r, svc, auth)
	prosody.Register(r, svc, prosody.Options{
		LandingURL: func(secret string) string { return landing.URL(publicURL(), secret) },
	})
	chatwith.Register(r, svc)
	landing.Register(r, svc, landing.Options{PublicURL: publicURL})
}
