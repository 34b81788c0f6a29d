package usersession

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"sync"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/carbons"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/c2s"
	"xmpprest/component/fault"
)

// ErrEnded is returned (wrapped in a fault.Unavailable) by the operations
// of a session that has ended.
var ErrEnded = errors.New("the XMPP session of this user has ended")

// Session is the live XMPP session of one signed-in user. Its methods are
// safe for concurrent use.
type Session struct {
	m        *Manager
	user     jid.JID // bare
	resource string
	hub      *Hub

	started  chan struct{} // closed once the first login finished
	startErr error         // set before started is closed
	ended    chan struct{} // closed when the session has ended for good
	stop     chan struct{} // closed to ask the session to end

	mu       sync.Mutex
	password string
	passHash [32]byte
	conn     *connection   // nil while reconnecting
	connUp   chan struct{} // closed when conn is set
	roster   map[string]RosterItem
	contacts map[string]map[string]Presence // bare JID -> resource -> presence
	own      Presence
	lastUsed time.Time
	streams  int
	endErr   error
	archive  map[string]*archiveQuery // MAM queryid -> collector
	// asking are the contacts whose subscription requests wait for the
	// user's answer.
	asking map[string]bool
	// rooms are the chat rooms the user is in or joining, by bare JID.
	rooms    map[string]*joinedRoom
	stopOnce sync.Once
}

// connection is one c2s connection of a session.
type connection struct {
	xs   *xmpp.Session
	conn net.Conn
	done chan struct{} // closed when Serve returns
	ctx  context.Context
	stop context.CancelFunc

	closeOnce sync.Once
}

// User returns the bare JID of the session's user.
func (s *Session) User() jid.JID { return s.user }

// Hub returns the user's event fan-out.
func (s *Session) Hub() *Hub { return s.hub }

// Done returns a channel closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.ended }

// Err says why the session ended: nil for a requested end (sign-out, idle),
// an error otherwise (the password is no longer accepted).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endErr
}

// Touch records that the session is in use (an API call with one of the
// user's tokens).
func (s *Session) Touch() {
	s.mu.Lock()
	s.lastUsed = time.Now()
	s.mu.Unlock()
}

// OpenStream records an open event stream: the session is not idle while
// one is open. The returned function records its end.
func (s *Session) OpenStream() (closeStream func()) {
	s.mu.Lock()
	s.streams++
	s.lastUsed = time.Now()
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.streams--
			s.lastUsed = time.Now()
			s.mu.Unlock()
		})
	}
}

// idleSince returns since when the session has been idle, and false while
// an event stream is open.
func (s *Session) idleSince() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastUsed, s.streams == 0
}

// PasswordMatches reports, in constant time, whether password is the one
// the session was opened with.
func (s *Session) PasswordMatches(password string) bool {
	h := sha256.Sum256([]byte(password))
	s.mu.Lock()
	defer s.mu.Unlock()
	return subtle.ConstantTimeCompare(h[:], s.passHash[:]) == 1
}

// SetPassword replaces the password used to reconnect (after the user
// changed it).
func (s *Session) SetPassword(password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.password = password
	s.passHash = sha256.Sum256([]byte(password))
}

// End ends the session: an unavailable presence, then the stream is closed.
// It returns once the session has ended.
func (s *Session) End() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.close(s.m.cfg.Timeout)
	}
	<-s.ended
}

// close says goodbye on the connection and closes it.
func (c *connection) close(timeout time.Duration) {
	c.closeOnce.Do(func() { c.closeNow(timeout) })
}

func (c *connection) closeNow(timeout time.Duration) {
	select {
	case <-c.done:
	default:
		c.conn.SetDeadline(time.Now().Add(min(timeout, 2*time.Second)))
		// An unavailable presence first: servers broadcast it at once.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), time.Second)
		c.xs.Send(ctx, stanza.Presence{Type: stanza.UnavailablePresence}.Wrap(nil))
		time.AfterFunc(time.Second, cancel)
		c.xs.Close()
		<-c.done
	}
	c.conn.Close()
	c.stop()
}

// login opens one connection and prepares it: carbons, roster, presence.
func (s *Session) login(ctx context.Context) (*connection, error) {
	s.mu.Lock()
	password := s.password
	s.mu.Unlock()
	xs, conn, err := c2s.Dial(ctx, s.m.cfg.C2S, s.user, password, s.resource)
	if err != nil {
		return nil, err
	}
	cctx, stop := context.WithCancel(context.Background())
	c := &connection{xs: xs, conn: conn, done: make(chan struct{}), ctx: cctx, stop: stop}
	go func() {
		// The handler must never wait for an IQ reply: replies are
		// delivered by this very loop.
		err := xs.Serve(xmpp.HandlerFunc(s.handle))
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			s.m.log.Debug("user session connection ended", "user", s.user.String(), "err", err)
		}
		close(c.done)
		stop()
	}()
	if err := s.prepare(ctx, c); err != nil {
		conn.Close()
		<-c.done
		return nil, err
	}
	return c, nil
}

// prepare enables carbons, fetches the roster and sends the user's
// presence, after which the server sends the contacts' presence.
func (s *Session) prepare(ctx context.Context, c *connection) error {
	if err := s.request(ctx, c, func(ctx context.Context) error { return carbons.Enable(ctx, c.xs) }); err != nil {
		// Not fatal: a server without carbons still serves the session.
		s.m.log.Debug("carbons not enabled", "user", s.user.String(), "err", err)
	}
	var q rosterQuery
	if err := s.iqOn(ctx, c, stanza.IQ{Type: stanza.GetIQ}, rosterGet(), &q); err != nil {
		return fmt.Errorf("fetch roster: %w", err)
	}
	s.mu.Lock()
	s.roster = map[string]RosterItem{}
	for _, it := range q.Items {
		if ri, ok := it.item(); ok {
			s.roster[ri.JID] = ri
		}
	}
	s.contacts = map[string]map[string]Presence{}
	own := s.own
	s.mu.Unlock()
	if err := s.sendOn(ctx, c, presenceStanza(jid.JID{}, "", own.Show, own.Status)); err != nil {
		return err
	}
	s.rejoinRooms(ctx, c)
	return nil
}

// run keeps the session connected until it is asked to end or its
// credentials are refused.
func (s *Session) run(c *connection) {
	for {
		select {
		case <-c.done:
		case <-s.stop:
			c.close(s.m.cfg.Timeout)
		}
		c.stop()
		c.conn.Close()
		s.mu.Lock()
		s.conn = nil
		s.connUp = make(chan struct{})
		s.contacts = map[string]map[string]Presence{}
		s.mu.Unlock()
		next, err := s.reconnect()
		if next == nil {
			s.finish(err)
			return
		}
		c = next
	}
}

// reconnect logs in again with capped exponential backoff and jitter. It
// returns nil when the session was asked to end or the password is refused.
func (s *Session) reconnect() (*connection, error) {
	delay := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		wait := delay/2 + mrand.N(delay/2+1)
		select {
		case <-s.stop:
			return nil, nil
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.Timeout)
		c, err := s.login(ctx)
		cancel()
		if err == nil {
			s.m.log.Info("user session reconnected", "user", s.user.String(), "attempt", attempt)
			s.setConn(c)
			return c, nil
		}
		if errors.Is(err, c2s.ErrNotAuthorized) {
			s.m.log.Info("user session ended: the server no longer accepts the password", "user", s.user.String())
			return nil, fault.New(fault.Denied, "the XMPP server no longer accepts this user's password; sign in again")
		}
		s.m.log.Debug("user session reconnect failed", "user", s.user.String(), "attempt", attempt, "err", err)
		delay = min(delay*2, s.m.cfg.ReconnectMax)
	}
}

func (s *Session) setConn(c *connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
	close(s.connUp)
}

// finish ends the session for good.
func (s *Session) finish(err error) {
	s.mu.Lock()
	s.endErr = err
	for _, q := range s.archive {
		q.fail(ErrEnded)
	}
	s.mu.Unlock()
	s.hub.Close()
	s.m.remove(s)
	close(s.ended)
}

// current returns the live connection, waiting up to the timeout while the
// session reconnects.
func (s *Session) current(ctx context.Context) (*connection, error) {
	timer := time.NewTimer(s.m.cfg.Timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		c, up := s.conn, s.connUp
		s.mu.Unlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-up:
		case <-s.ended:
			return nil, fault.Wrap(fault.Unavailable, ErrEnded, "sign in again")
		case <-timer.C:
			return nil, fault.New(fault.Unavailable, "the XMPP server of %s cannot be reached; the session is reconnecting, try again shortly", s.user.Domainpart())
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// sendContext returns the context to hand mellium for one send on c (see
// component.SendContext).
func (s *Session) sendContext(ctx context.Context, c *connection) (context.Context, func()) {
	return component.SendContext(ctx, c.ctx, s.m.cfg.Timeout)
}

// request runs f with a send context on c, classifying a failure.
func (s *Session) request(ctx context.Context, c *connection, f func(context.Context) error) error {
	sctx, release := s.sendContext(ctx, c)
	defer release()
	err := f(sctx)
	if err == nil {
		return nil
	}
	if _, ok := err.(*fault.Error); ok {
		return userFault(err)
	}
	if c.ctx.Err() != nil {
		return fault.Wrap(fault.Unavailable, err, "the connection to the XMPP server dropped; try again")
	}
	if ctx.Err() != nil || sctx.Err() != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ctx.Err()
		}
		return fault.Wrap(fault.Timeout, err, "the XMPP server did not answer in time")
	}
	var se stanza.Error
	if errors.As(err, &se) {
		return userFault(component.ClassifyStanzaError(se))
	}
	// A failed write leaves the stream's writer unusable: reconnect.
	c.conn.Close()
	return fault.Wrap(fault.Unavailable, err, "write to the XMPP server failed; reconnecting")
}

// userFault reclassifies the server's refusals: on a user's own session a
// forbidden or not-allowed is a refusal of the change, not a right the
// component lacks.
func userFault(err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Kind == fault.Forbidden {
		c := *fe
		c.Kind = fault.Refused
		return &c
	}
	return err
}

// sendOn sends one stanza on c.
func (s *Session) sendOn(ctx context.Context, c *connection, r xml.TokenReader) error {
	return s.request(ctx, c, func(sctx context.Context) error { return c.xs.Send(sctx, r) })
}

// iqOn sends an IQ on c and decodes the first child of the result into
// result (when not nil).
func (s *Session) iqOn(ctx context.Context, c *connection, iq stanza.IQ, payload xml.TokenReader, result any) error {
	return s.request(ctx, c, func(sctx context.Context) error {
		resp, err := c.xs.SendIQElement(sctx, payload, iq)
		if err != nil {
			return err
		}
		defer resp.Close()
		return component.DecodeReply(resp, result)
	})
}

// send sends one stanza on the live connection.
func (s *Session) send(ctx context.Context, r xml.TokenReader) error {
	c, err := s.current(ctx)
	if err != nil {
		return err
	}
	return s.sendOn(ctx, c, r)
}

// iq sends an IQ on the live connection; see iqOn.
func (s *Session) iq(ctx context.Context, iq stanza.IQ, payload xml.TokenReader, result any) error {
	c, err := s.current(ctx)
	if err != nil {
		return err
	}
	return s.iqOn(ctx, c, iq, payload, result)
}

// newID returns a random stanza id.
func newID() string {
	var b [9]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
