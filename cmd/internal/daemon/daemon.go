// Package daemon assembles xmpprest from its configuration: the store, the
// component link, the operations and the HTTP server with every dialect, and
// runs them until shutdown.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/gorilla/mux"
	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/status"
	"xmpprest/component"
	"xmpprest/component/c2s"
	"xmpprest/component/fault"
	"xmpprest/component/usersession"
	"xmpprest/httpapi"
	"xmpprest/httpapi/openapi"
	"xmpprest/httpapi/ops"
	"xmpprest/httpapi/userops"
	"xmpprest/store"
)

// Version is the binary's version, for the API documents.
var Version = "dev"

// Daemon is a running xmpprest.
type Daemon struct {
	cfg   config.Config
	log   *slog.Logger
	Store *store.Store
	Link  *component.Link
	Adhoc *adhoc.Client
	Ops   *ops.Service
	// Sessions are the live sessions of users signed in to the SparkWeb
	// API (nil when it is off).
	Sessions *usersession.Manager

	sweepStop    chan struct{}
	sparkWebOnce sync.Once
	// push sends Web Push notifications (SparkWeb), when on.
	push *userops.Pusher

	// Conns is the HTTP listener with its connection caps.
	Conns *httpapi.LimitListener

	stopPurge func()
	cert      *certificate
	stopTLS   func()

	srv      *http.Server
	listener net.Listener
	served   chan error

	shutdownOnce sync.Once
	shutdownErr  error
}

// Start opens the store, attaches to the XMPP server and starts serving
// HTTP. A refused component handshake (wrong secret) is an error here, not a
// retry loop; an unreachable server is retried in the background while
// /readyz answers 503.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger) (*Daemon, error) {
	d := &Daemon{cfg: cfg, log: log, served: make(chan error, 1)}
	var err error
	d.Store, err = store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	// Data kept before it was kept per host belongs to the default host.
	if err := d.Store.AdoptDefaultHost(ctx, cfg.XMPP.Hosts[0]); err != nil {
		d.Store.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	linkCfg, err := linkConfig(cfg, log)
	if err != nil {
		d.Store.Close()
		return nil, err
	}
	d.Link = component.New(linkCfg)
	// The link lives until Shutdown closes it, after the HTTP requests in
	// flight have finished with it: it takes the daemon's context without
	// its cancellation.
	if err := d.Link.Start(context.WithoutCancel(ctx)); err != nil {
		d.Store.Close()
		return nil, err
	}
	node, _ := os.Hostname()
	d.Adhoc = adhoc.New(d.Link)
	d.Ops = &ops.Service{Link: d.Link, Adhoc: d.Adhoc, Store: d.Store, Log: log, Node: node,
		AccountCacheTTL: cfg.XMPP.AccountCacheTTL.Duration}

	logins := &httpapi.LoginLimiter{PerMinute: int(cfg.Limits.LoginAttemptsPerMinute)}
	auth := &httpapi.AdminAuth{
		Secret:   cfg.Auth.Secret,
		Admins:   cfg.Auth.Admins,
		CacheTTL: cfg.Auth.BasicCacheTTL.Duration,
		Check:    passwordChecker(cfg),
		Limiter:  logins,
	}
	router := httpapi.NewRouter(httpapi.Options{
		Logger:         log,
		MaxBodyBytes:   cfg.HTTP.MaxBodyBytes,
		RequestTimeout: cfg.HTTP.RequestTimeout.Duration,
		Ready:          d.ready,
		Capabilities:   func() any { return d.Link.Snapshot() },
		Auth:           auth,
		RetryAfter:     d.Link.RetryAfter,
		Idempotency:    d.idempotency(ctx),
		Logins:         logins,
		MetricsAccess:  httpapi.Access(cfg.Metrics.Access),
	})
	d.mountRoutes(router, auth)
	if err := d.startSparkWeb(router); err != nil {
		d.Link.Close()
		d.Store.Close()
		return nil, err
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		d.stopSparkWeb()
		d.Link.Close()
		d.Store.Close()
		return nil, fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
	}
	d.Conns = limitListener(cfg, ln)
	if cfg.TLS.Cert != "" {
		d.Conns.Reject = nil // a plain-text 503 means nothing to a TLS client
	}
	d.listener, err = d.serveTLS(cfg, d.Conns)
	if err != nil {
		ln.Close()
		d.stopSparkWeb()
		d.Link.Close()
		d.Store.Close()
		return nil, err
	}
	d.srv = newHTTPServer(cfg, httpapi.WithCORS(cfg.CORS.AllowedOrigins, router), log)
	// Event streams never finish by themselves: ending the sessions ends
	// them, so that a graceful shutdown does not wait for them.
	d.srv.RegisterOnShutdown(d.stopSparkWeb)
	go func() { d.served <- d.srv.Serve(d.listener) }()
	log.Info("serving HTTP", "address", d.listener.Addr().String())
	return d, nil
}

// mountRoutes adds every dialect, the API documents and the status page
// to router.
func (d *Daemon) mountRoutes(router *mux.Router, auth *httpapi.AdminAuth) {
	registerDialects(router, d.Ops, auth, d.PublicURL)
	(&openapi.Docs{Version: Version}).Register(router)
	status.Register(router, status.Options{Link: d.Link, Ops: d.Ops, Address: d.cfg.XMPP.Address,
		Access: httpapi.Access(d.cfg.Status.Access), Auth: auth})
}

// Addr is the address the HTTP server listens on.
func (d *Daemon) Addr() string { return d.listener.Addr().String() }

// PublicURL is the base URL people reach the service at: http.public_url,
// or http:// and the listen address.
func (d *Daemon) PublicURL() string {
	if d.cfg.HTTP.PublicURL != "" {
		return strings.TrimSuffix(d.cfg.HTTP.PublicURL, "/")
	}
	return "http://" + d.Addr()
}

// ready is nil while the XMPP link is up and the database answers.
func (d *Daemon) ready(ctx context.Context) error {
	if err := d.Ops.LinkReady(); err != nil {
		return err
	}
	return d.Ops.StoreReady(ctx)
}

// Shutdown stops taking HTTP requests, lets those in flight finish (within
// ctx), closes the XMPP stream and the database. Later calls return the
// first one's result.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.shutdownOnce.Do(func() { d.shutdownErr = d.shutdown(ctx) })
	return d.shutdownErr
}

func (d *Daemon) shutdown(ctx context.Context) error {
	err := d.srv.Shutdown(ctx)
	if err != nil {
		d.srv.Close()
	}
	if e := <-d.served; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	if d.stopPurge != nil {
		d.stopPurge()
	}
	if d.stopTLS != nil {
		d.stopTLS()
	}
	d.stopSparkWeb()
	d.Link.Close()
	if e := d.Store.Close(); e != nil && err == nil {
		err = e
	}
	return err
}

// Run starts xmpprest and serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	d, err := Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout.Duration)
	defer cancel()
	return d.Shutdown(sctx)
}

func linkConfig(cfg config.Config, log *slog.Logger) (component.Config, error) {
	domain, err := jid.Parse(cfg.XMPP.JID)
	if err != nil {
		return component.Config{}, fmt.Errorf("xmpp.jid: %w", err)
	}
	var hosts []jid.JID
	for _, h := range cfg.XMPP.Hosts {
		j, err := jid.Parse(h)
		if err != nil {
			return component.Config{}, fmt.Errorf("xmpp.hosts: %w", err)
		}
		hosts = append(hosts, j)
	}
	var muc jid.JID
	if cfg.XMPP.MUCService != "" {
		if muc, err = jid.Parse(cfg.XMPP.MUCService); err != nil {
			return component.Config{}, fmt.Errorf("xmpp.muc_service: %w", err)
		}
	}
	return component.Config{
		Address:      cfg.XMPP.Address,
		Domain:       domain,
		Secret:       cfg.XMPP.Secret,
		Hosts:        hosts,
		MUCService:   muc,
		Timeout:      cfg.XMPP.Timeout.Duration,
		ReconnectMax: cfg.XMPP.ReconnectMax.Duration,
		KeepAlive:    cfg.XMPP.KeepAlive.Duration,
		Logger:       log,
	}, nil
}

// C2SOptions returns how user sessions reach the server.
func C2SOptions(cfg config.Config) c2s.Options {
	return c2s.Options{
		Addr:               cfg.XMPP.C2SAddress,
		TLS:                c2s.TLSMode(cfg.XMPP.C2STLS),
		InsecureSkipVerify: cfg.XMPP.C2SInsecureSkipVerify,
		Timeout:            cfg.XMPP.Timeout.Duration,
	}
}

func passwordChecker(cfg config.Config) httpapi.PasswordChecker {
	if cfg.XMPP.C2SAddress == "" {
		return nil
	}
	opts := C2SOptions(cfg)
	return func(ctx context.Context, user jid.JID, password string) error {
		err := c2s.CheckPassword(ctx, opts, user, password)
		if errors.Is(err, c2s.ErrNotAuthorized) {
			return httpapi.ErrUnauthorized
		}
		if err != nil {
			return fault.Wrap(fault.Unavailable, err, "cannot check the password with the XMPP server")
		}
		return nil
	}
}
