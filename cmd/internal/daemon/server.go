package daemon

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

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

// idempotency keeps the answers of retried writes for limits.idempotency_ttl
// and forgets the older ones every hour until shutdown.
func (d *Daemon) idempotency(ctx context.Context) *httpapi.Idempotency {
	id := &httpapi.Idempotency{Store: d.Store, TTL: d.cfg.Limits.IdempotencyTTL.Duration}
	stop := make(chan struct{})
	d.stopPurge = sync.OnceFunc(func() { close(stop) })
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := id.Purge(context.WithoutCancel(ctx)); err != nil {
				d.log.Warn("could not forget expired idempotency keys", "err", err)
			} else if n > 0 {
				d.log.Debug("forgot expired idempotency keys", "count", n)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return id
}
