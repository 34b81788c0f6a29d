// Package httpapi is xmpprest's HTTP side: the gorilla/mux router (with
// encoded paths, so a JID such as alice%40example.org%2Fphone in a path
// parameter arrives whole as alice@example.org/phone), the middleware every
// request passes through (request IDs, structured access logs, panic
// recovery, a body limit, timeouts, authentication), and the endpoints of the
// service itself: /healthz, /readyz and /capabilities.
//
// Each REST dialect lives in a sub-package and only translates its wire
// shapes, status codes and errors; the operations themselves are written once
// in httpapi/ops.
package httpapi
