package usersession

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/component/fault"
	"xmpprest/component/metrics"
)

// Config configures a Manager.
type Config struct {
	// C2S says how to reach the server's client listener.
	C2S c2s.Options
	// Resource prefixes the resource each session binds; a random suffix is
	// added. Default "xmpprest".
	Resource string
	// IdleTimeout ends a session nobody has used for this long while no
	// event stream is open. Default 30 minutes.
	IdleTimeout time.Duration
	// Replay is how many events per user are kept for streams that
	// reconnect. Default 500.
	Replay int
	// ReconnectMax caps the backoff between reconnection attempts. Default
	// 30 seconds.
	ReconnectMax time.Duration
	// Timeout bounds each request on a session, and how long a request
	// waits for a session that is reconnecting. Default C2S.Timeout, or 10
	// seconds.
	Timeout time.Duration
	Log     *slog.Logger
}

// Manager holds the live sessions, one per user.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*Session
	closed   bool
	onStart  []func(*Session)
	onUnseen []func(*Session, ChatEvent)

	stop chan struct{}
	wg   sync.WaitGroup
}

// NewManager returns a manager; Close ends its sessions.
func NewManager(cfg Config) *Manager {
	if cfg.Resource == "" {
		cfg.Resource = "xmpprest"
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.Replay <= 0 {
		cfg.Replay = 500
	}
	if cfg.ReconnectMax <= 0 {
		cfg.ReconnectMax = 30 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = cfg.C2S.Timeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = c2s.DefaultTimeout
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Manager{cfg: cfg, log: log, sessions: map[string]*Session{}, stop: make(chan struct{})}
	m.wg.Add(1)
	go m.reapIdle()
	return m
}

// ErrClosed is returned by Open after Close.
var ErrClosed = errors.New("usersession: manager closed")

// Open returns the user's session, logging in when there is none. When
// there is one, password must be the one it was opened with, or one the
// server accepts now (the user changed it elsewhere). A password the server
// refuses returns an error wrapping c2s.ErrNotAuthorized.
func (m *Manager) Open(ctx context.Context, user jid.JID, password string) (*Session, error) {
	user = user.Bare()
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return nil, ErrClosed
		}
		s := m.sessions[user.String()]
		if s == nil {
			s = m.newSession(user, password)
			m.sessions[user.String()] = s
			m.mu.Unlock()
			if err := s.start(ctx); err != nil {
				return s, err
			}
			closed := metrics.SessionOpened()
			go func() { <-s.ended; closed() }()
			return s, nil
		}
		m.mu.Unlock()
		select {
		case <-s.started:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if s.startErr != nil {
			continue // that attempt failed and was removed: try ourselves
		}
		select {
		case <-s.ended:
			m.remove(s) // ending: wait for a fresh one
			continue
		default:
		}
		if !s.PasswordMatches(password) {
			if err := c2s.CheckPassword(ctx, m.cfg.C2S, user, password); err != nil {
				return nil, err
			}
			s.SetPassword(password)
		}
		s.Touch()
		return s, nil
	}
}

// OnStart registers f to be called (in a goroutine of its own) each time a
// session has started, e.g. to publish what the user should find on their
// account.
func (m *Manager) OnStart(f func(*Session)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onStart = append(m.onStart, f)
}

// OnUnseenChat registers f to be called (in a goroutine of its own) for
// each chat message a user receives while none of their event streams is
// open (to push it to their devices); carbons, seen on another of the
// user's devices, are not handed over.
func (m *Manager) OnUnseenChat(f func(*Session, ChatEvent)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onUnseen = append(m.onUnseen, f)
}

// Live returns the sessions that are up.
func (m *Manager) Live() []*Session {
	m.mu.Lock()
	var all []*Session
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	var out []*Session
	for _, s := range all {
		if m.Get(s.user) == s {
			out = append(out, s)
		}
	}
	return out
}

// Get returns the user's live session, or nil.
func (m *Manager) Get(user jid.JID) *Session {
	m.mu.Lock()
	s := m.sessions[user.Bare().String()]
	m.mu.Unlock()
	if s == nil {
		return nil
	}
	select {
	case <-s.started:
		if s.startErr != nil {
			return nil
		}
	default:
		return nil
	}
	select {
	case <-s.ended:
		return nil
	default:
		return s
	}
}

// End ends the user's session, if any, and returns once it has ended.
func (m *Manager) End(user jid.JID) {
	if s := m.Get(user); s != nil {
		s.End()
	}
}

// Count returns the number of sessions.
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// Close ends every session.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	var all []*Session
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	close(m.stop)
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-s.started
			if s.startErr == nil {
				s.End()
			}
		}()
	}
	wg.Wait()
	m.wg.Wait()
}

func (m *Manager) newSession(user jid.JID, password string) *Session {
	return &Session{
		m:        m,
		user:     user,
		resource: m.cfg.Resource + "-" + newID()[:8],
		hub:      NewHub(m.cfg.Replay),
		started:  make(chan struct{}),
		ended:    make(chan struct{}),
		stop:     make(chan struct{}),
		password: password,
		passHash: sha256.Sum256([]byte(password)),
		connUp:   make(chan struct{}),
		lastUsed: time.Now(),
		own:      Presence{Available: true}, // the initial presence
	}
}

// start makes the first login of a new session.
func (s *Session) start(ctx context.Context) error {
	c, err := s.login(ctx)
	if err != nil {
		s.startErr = err
		s.m.remove(s)
		close(s.started)
		if !errors.Is(err, c2s.ErrNotAuthorized) {
			err = fault.Wrap(fault.Unavailable, err, "could not open an XMPP session for %s", s.user)
		}
		return err
	}
	s.setConn(c)
	close(s.started)
	s.m.log.Info("user session opened", "user", s.user.String())
	go s.run(c)
	s.m.mu.Lock()
	hooks := s.m.onStart
	s.m.mu.Unlock()
	for _, f := range hooks {
		go f(s)
	}
	return nil
}

// remove forgets s (when it is still the user's session).
func (m *Manager) remove(s *Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions[s.user.String()] == s {
		delete(m.sessions, s.user.String())
	}
}

// reapIdle ends sessions idle for longer than the idle timeout.
func (m *Manager) reapIdle() {
	defer m.wg.Done()
	every := min(max(m.cfg.IdleTimeout/4, 10*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
		}
		m.mu.Lock()
		var idle []*Session
		for _, s := range m.sessions {
			if since, ok := s.idleSince(); ok && time.Since(since) > m.cfg.IdleTimeout {
				idle = append(idle, s)
			}
		}
		m.mu.Unlock()
		for _, s := range idle {
			if m.Get(s.user) == s {
				m.log.Info("user session idle: ending it", "user", s.user.String())
				go s.End()
			}
		}
	}
}

// CheckPassword checks user's password by a login, closing that session at
// once. Errors are as for c2s.CheckPassword.
func (m *Manager) CheckPassword(ctx context.Context, user jid.JID, password string) error {
	return c2s.CheckPassword(ctx, m.cfg.C2S, user.Bare(), password)
}
