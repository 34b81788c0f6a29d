package component

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmpp"
	xcomponent "mellium.im/xmpp/component"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stream"

	"xmpprest/component/fault"
	"xmpprest/component/metrics"
)

// Config configures a Link.
type Config struct {
	// Address is the server's component listener, host:port.
	Address string
	// Domain is the component's JID (a bare domain).
	Domain jid.JID
	// Secret is the component's shared secret.
	Secret string
	// Hosts are the virtual hosts the component administers; the first is
	// the default.
	Hosts []jid.JID
	// MUCService is the chat-room service; when zero it is discovered on
	// each connect.
	MUCService jid.JID
	// Timeout bounds each IQ round trip that has no earlier deadline.
	Timeout time.Duration
	// ReconnectMin and ReconnectMax bound the backoff between attempts.
	ReconnectMin, ReconnectMax time.Duration
	// KeepAlive is how often an idle link is pinged; 0 means 30s.
	KeepAlive time.Duration
	// Logger receives connection events; nil means slog.Default().
	Logger *slog.Logger
}

// ErrNotConnected is the failure of a call made, or in flight, while the
// link to the XMPP server is down.
var ErrNotConnected = &fault.Error{Kind: fault.Unavailable,
	Message: "not connected to the XMPP server (the component reconnects by itself; check that the server runs)"}

// ErrAuth is returned by Start when the server refuses the component's
// handshake: a wrong secret or a domain the server does not know.
var ErrAuth = errors.New("the XMPP server refused the component")

// Link is the component's connection to the XMPP server. It reconnects by
// itself until Close.
type Link struct {
	cfg Config
	log *slog.Logger

	mu      sync.RWMutex
	cur     *conn
	changed chan struct{} // closed and replaced on every up/down change
	caps    *Capabilities

	listenersMu sync.RWMutex
	listeners   map[*Listener]struct{}

	inFlight atomic.Int64
	// retryAt is when the next connection attempt starts (Unix ns), while
	// the link is down.
	retryAt atomic.Int64

	stop    context.CancelFunc
	done    chan struct{}
	closeMu sync.Mutex
}

// conn is one established stream.
type conn struct {
	s   *xmpp.Session
	ctx context.Context // canceled when the stream ends
}

// New returns a Link that is not yet connected; call Start.
func New(cfg Config) *Link {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.ReconnectMin <= 0 {
		cfg.ReconnectMin = 50 * time.Millisecond
	}
	if cfg.ReconnectMax <= 0 {
		cfg.ReconnectMax = 2 * time.Second
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 30 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Link{
		cfg:       cfg,
		log:       log.With("component", cfg.Domain.String()),
		changed:   make(chan struct{}),
		caps:      newCapabilities(cfg),
		listeners: map[*Listener]struct{}{},
		done:      make(chan struct{}),
	}
}

// Domain is the component's JID.
func (l *Link) Domain() jid.JID { return l.cfg.Domain }

// Hosts are the virtual hosts the component administers.
func (l *Link) Hosts() []jid.JID { return l.cfg.Hosts }

// DefaultHost is the first configured host.
func (l *Link) DefaultHost() jid.JID { return l.cfg.Hosts[0] }

// Timeout is the per-IQ timeout.
func (l *Link) Timeout() time.Duration { return l.cfg.Timeout }

// Start makes the first connection attempt and then keeps the link up in the
// background until ctx ends or Close is called. If the server refuses the
// handshake (a wrong secret or unknown domain) Start returns an error that
// wraps ErrAuth and does not retry. If the server cannot be reached, Start
// logs it and returns nil: the link keeps trying.
func (l *Link) Start(ctx context.Context) error {
	ctx, l.stop = context.WithCancel(ctx)
	c, err := l.connect(ctx)
	if errors.Is(err, ErrAuth) {
		l.stop()
		close(l.done)
		return err
	}
	if err != nil {
		l.log.Warn("XMPP server not reachable yet; retrying", "address", l.cfg.Address, "err", err)
	}
	go l.run(ctx, c)
	return nil
}

// Close closes the stream (if up) and stops reconnecting. It waits for the
// background loop to end.
func (l *Link) Close() error {
	l.closeMu.Lock()
	defer l.closeMu.Unlock()
	if l.stop == nil {
		return nil
	}
	l.stop()
	<-l.done
	return nil
}

// run serves connections and reconnects until ctx ends.
func (l *Link) run(ctx context.Context, c *conn) {
	defer close(l.done)
	backoff := l.cfg.ReconnectMin
	for {
		if c != nil {
			backoff = l.cfg.ReconnectMin
			l.serve(ctx, c)
		}
		if ctx.Err() != nil {
			return
		}
		wait := jitter(backoff)
		backoff = min(backoff*2, l.cfg.ReconnectMax)
		l.retryAt.Store(time.Now().Add(wait).UnixNano())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		var err error
		c, err = l.connect(ctx)
		if ctx.Err() == nil {
			l.noteReconnect(err)
		}
		if err != nil && ctx.Err() == nil {
			l.log.Warn("reconnect failed", "address", l.cfg.Address, "retry_in", backoff, "err", err)
		}
	}
}

// jitter spreads d over [d/2, d).
func jitter(d time.Duration) time.Duration {
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half)
}

// connect dials and completes the XEP-0114 handshake.
func (l *Link) connect(ctx context.Context) (*conn, error) {
	dialCtx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dialCtx, "tcp", l.cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", l.cfg.Address, err)
	}
	s, err := xcomponent.NewSession(dialCtx, l.cfg.Domain, []byte(l.cfg.Secret), nc)
	if err != nil {
		nc.Close()
		var se stream.Error
		if errors.As(err, &se) {
			switch se.Err {
			case "not-authorized", "host-unknown", "host-gone", "invalid-namespace", "improper-addressing":
				return nil, fmt.Errorf("%w: %s answered the handshake of %s with stream error %q: check xmpp.secret and xmpp.jid against the server's component configuration: %w",
					ErrAuth, l.cfg.Address, l.cfg.Domain, se.Err, err)
			}
		}
		return nil, fmt.Errorf("handshake with %s: %w", l.cfg.Address, err)
	}
	metrics.LinkConnects.WithLabelValues(l.cfg.Domain.String()).Inc()
	cctx, ccancel := context.WithCancel(context.Background())
	c := &conn{s: s, ctx: cctx}
	go func() {
		err := s.Serve(l.handler(c))
		ccancel()
		s.Close()
		nc.Close()
		if ctx.Err() == nil {
			l.log.Warn("XMPP link closed", "err", err)
		}
	}()
	return c, nil
}

// serve makes c the current connection, discovers capabilities, keeps it
// alive and returns when it ends or ctx does.
func (l *Link) serve(ctx context.Context, c *conn) {
	l.discover(ctx, c)
	if c.ctx.Err() != nil {
		return
	}
	l.setCurrent(c)
	l.log.Info("attached to the XMPP server", "address", l.cfg.Address)
	ticker := time.NewTicker(l.cfg.KeepAlive)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			l.setCurrent(nil)
			l.closeStream(c)
			return
		case <-c.ctx.Done():
			l.setCurrent(nil)
			return
		case <-ticker.C:
			if err := l.ping(ctx, c, l.DefaultHost()); err != nil && c.ctx.Err() == nil && !fault.Is(err, fault.BadGateway) {
				l.log.Warn("keepalive ping failed; reconnecting", "err", err)
				l.setCurrent(nil)
				c.s.Conn().Close()
				<-c.ctx.Done()
				return
			}
		}
	}
}

// closeStream ends the stream politely and waits briefly for the server to
// close its side.
func (l *Link) closeStream(c *conn) {
	// The connection's deadline, not Session.SetCloseDeadline, which races
	// with Serve.
	c.s.Conn().SetDeadline(time.Now().Add(2 * time.Second))
	c.s.Close()
	select {
	case <-c.ctx.Done():
	case <-time.After(2 * time.Second):
		c.s.Conn().Close()
	}
}

func (l *Link) setCurrent(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == c {
		return
	}
	l.cur = c
	l.noteLinkState(c != nil)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *Link) current() *conn {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cur
}

// RetryAfter is how long a caller refused with ErrNotConnected should wait
// before trying again: until the next connection attempt plus the time one
// attempt may take, in whole seconds, at least one.
func (l *Link) RetryAfter() time.Duration {
	d := time.Second
	if !l.Up() {
		if until := time.Until(time.Unix(0, l.retryAt.Load())); until > 0 {
			d = until
		}
		d += min(l.cfg.Timeout, 2*time.Second)
	}
	return max(time.Second, d.Round(time.Second))
}

// notConnected is ErrNotConnected carrying when to try again.
func (l *Link) notConnected() error {
	e := *ErrNotConnected
	e.RetryAfter = l.RetryAfter()
	return &e
}

// Up reports whether the link is attached and its capabilities discovered.
func (l *Link) Up() bool { return l.current() != nil }

// WaitUp blocks until the link is up or ctx ends.
func (l *Link) WaitUp(ctx context.Context) error {
	return l.waitState(ctx, true)
}

// WaitDown blocks until the link is down or ctx ends.
func (l *Link) WaitDown(ctx context.Context) error {
	return l.waitState(ctx, false)
}

func (l *Link) waitState(ctx context.Context, up bool) error {
	for {
		l.mu.RLock()
		isUp, ch := l.cur != nil, l.changed
		l.mu.RUnlock()
		if isUp == up {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// xmlEncode marshals v (a struct with an XMLName, or raw bytes) for sending.
func xmlEncode(v any) ([]byte, error) {
	switch p := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return p, nil
	case string:
		return []byte(p), nil
	}
	return xml.Marshal(v)
}
