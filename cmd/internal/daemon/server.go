package daemon

import (
	"log/slog"
	"net"
	"net/http"

	"xmpprest/cmd/internal/config"
	"xmpprest/httpapi"
)

// newHTTPServer returns the HTTP server with the limits of cfg: header,
// request and answer timeouts (streaming routes lift the last two
// themselves), and the idle time of keep-alive connections.
func newHTTPServer(cfg config.Config, h http.Handler, log *slog.Logger) *http.Server {
	l := cfg.Limits
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout.Duration,
		ReadTimeout:       l.ReadTimeout.Duration,
		WriteTimeout:      l.WriteTimeout.Duration,
		IdleTimeout:       l.IdleTimeout.Duration,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// limitListener caps the connections of ln in total and per client
// address (see httpapi.LimitListener).
func limitListener(cfg config.Config, ln net.Listener) *httpapi.LimitListener {
	return &httpapi.LimitListener{
		Listener:   ln,
		Total:      int(cfg.Limits.MaxConnections),
		PerAddress: int(cfg.Limits.MaxConnectionsPerAddress),
		Reject:     httpapi.RejectWith503,
	}
}
