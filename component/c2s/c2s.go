// Package c2s opens client-to-server sessions for users: checking a password
// by a real SASL login, and the test clients that observe effects (a message
// arrived, a roster item is there).
//
// Sessions are negotiated with mellium.im/xmpp: optional STARTTLS, SASL
// (SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN, in that order of preference,
// among what the server offers) and resource binding. The -PLUS (channel
// binding) variants are not used: they depend on TLS versions and server
// support (tls-unique vs tls-exporter) in ways not worth the trouble here.
package c2s

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// TLSMode says how the connection is secured.
type TLSMode string

// The TLS modes.
const (
	// TLSRequired negotiates STARTTLS and fails when it cannot (mellium even
	// attempts it when the server does not advertise it, per RFC 7590). This
	// is the default (the zero value).
	TLSRequired TLSMode = "required"
	// TLSStartTLS negotiates STARTTLS when the server advertises it and goes
	// on in plain text otherwise. Finding out costs an extra connection.
	TLSStartTLS TLSMode = "starttls"
	// TLSNone never uses TLS: passwords cross the connection in the clear
	// (with PLAIN). For loopback tests only.
	TLSNone TLSMode = "none"
)

// DefaultTimeout bounds connecting and logging in when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// Options says how to reach the server.
type Options struct {
	// Addr is the "host:port" of the server's c2s listener.
	Addr string
	// TLS is the TLS mode; "" means TLSRequired.
	TLS TLSMode
	// InsecureSkipVerify accepts any server certificate (self-signed test
	// servers). The certificate is otherwise checked against the user's
	// domain.
	InsecureSkipVerify bool
	// Timeout bounds connecting and logging in (not the life of a Client);
	// 0 means DefaultTimeout.
	Timeout time.Duration
}

// ErrNotAuthorized is returned (wrapped) when the server rejects the
// credentials: wrong password or no such account (SASL not-authorized).
var ErrNotAuthorized = errors.New("c2s: not authorized (wrong password or no such account)")

// CheckPassword logs user in with password (TLS, SASL and resource binding,
// as a client would) and closes the session. It returns nil when the
// credentials are good, an error wrapping ErrNotAuthorized when the server
// rejects them, and another error, saying what failed (dial, TLS, stream
// negotiation...), when the check could not be made.
func CheckPassword(ctx context.Context, opts Options, user jid.JID, password string) error {
	sess, conn, err := login(ctx, opts, user, password, "")
	if err != nil {
		return err
	}
	// Send </stream:stream> and hang up without waiting for the server's
	// closing tag: nothing more is expected from this session.
	sess.Close()
	conn.Close()
	return nil
}

// login dials opts.Addr and negotiates a bound session for user.
func login(ctx context.Context, opts Options, user jid.JID, password, resource string) (*xmpp.Session, net.Conn, error) {
	if opts.Addr == "" {
		return nil, nil, errors.New("c2s: Options.Addr is empty")
	}
	if user.Localpart() == "" {
		return nil, nil, fmt.Errorf("c2s: %q is not a user address", user)
	}
	origin, err := user.Bare().WithResource(resource)
	if err != nil {
		return nil, nil, fmt.Errorf("c2s: resource %q: %w", resource, err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	tlsConfig := &tls.Config{
		ServerName:         user.Domainpart(),
		InsecureSkipVerify: opts.InsecureSkipVerify,
		MinVersion:         tls.VersionTLS12,
	}
	var (
		n        negotiation
		state    xmpp.SessionState
		features []xmpp.StreamFeature
		wantTLS  = true
	)
	switch opts.TLS {
	case TLSRequired, "":
	case TLSStartTLS:
		if wantTLS, err = probeStartTLS(ctx, opts.Addr, user.Domain()); err != nil {
			return nil, nil, err
		}
	case TLSNone:
		wantTLS = false
	default:
		return nil, nil, fmt.Errorf("c2s: unknown TLS mode %q", opts.TLS)
	}
	if wantTLS {
		features = append(features, n.startTLS(tlsConfig))
	} else {
		// mellium only offers SASL on a secure session: claim it is.
		state |= xmpp.Secure
	}
	features = append(features, n.sasl(password), n.bind(resource))

	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", opts.Addr)
	if err != nil {
		return nil, nil, &stepError{step: "dial " + opts.Addr, err: err}
	}
	sess, err := xmpp.NewSession(ctx, user.Domain(), origin, conn, state,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: features}
		}))
	if err == nil {
		err = n.check(sess, wantTLS)
	}
	if err != nil {
		conn.Close()
		return nil, nil, negotiationError(ctx, err)
	}
	return sess, conn, nil
}

// negotiation wraps mellium's stream features to classify their errors and
// to remember the first one.
//
// This matters: mellium (v0.23.0) drops the error of a feature the server
// advertised as optional, and then, if nothing else can be negotiated,
// returns a "Ready" session that is not authenticated. With STARTTLS
// optional (as on our test servers) a failed TLS handshake thus yielded a
// nil error, which would make CheckPassword accept any password. So the
// first feature error is kept, and check verifies the final state.
type negotiation struct {
	mu  sync.Mutex
	err error
}

func (n *negotiation) fail(err error) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err == nil {
		n.err = err
	}
	return err
}

// check returns the first feature error, or an error when the session is
// not authenticated, bound, and (when wanted) encrypted.
func (n *negotiation) check(sess *xmpp.Session, wantTLS bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := sess.State()
	switch {
	case n.err != nil:
		return n.err
	case wantTLS && !sess.ConnectionState().HandshakeComplete:
		return &stepError{step: "STARTTLS", err: errors.New("the session is not encrypted")}
	case st&xmpp.Authn == 0:
		return &stepError{step: "authentication", err: errors.New("the session is not authenticated (no usable SASL mechanism?)")}
	case st&xmpp.Ready == 0 || sess.LocalAddr().Resourcepart() == "":
		return &stepError{step: "resource binding", err: errors.New("no resource bound")}
	}
	return nil
}

// startTLS is xmpp.StartTLS, with the TLS handshake done during the feature
// (mellium leaves it to the first write of the next stream header) so that
// its errors are reported as TLS errors.
func (n *negotiation) startTLS(cfg *tls.Config) xmpp.StreamFeature {
	f := xmpp.StartTLS(cfg)
	negotiate := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := negotiate(ctx, s, data)
		if err != nil {
			return mask, rw, n.fail(&stepError{step: "STARTTLS", err: err})
		}
		if tc, ok := rw.(*tls.Conn); ok {
			if err := tc.HandshakeContext(ctx); err != nil {
				return 0, nil, n.fail(&stepError{step: "TLS handshake", err: err})
			}
		}
		return mask, rw, nil
	}
	return f
}

// sasl is xmpp.SASL with its failures classified.
func (n *negotiation) sasl(password string) xmpp.StreamFeature {
	f := xmpp.SASL("", password, sasl.ScramSha256, sasl.ScramSha1, sasl.Plain)
	negotiate := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := negotiate(ctx, s, data)
		if err != nil {
			return mask, rw, n.fail(authError(err))
		}
		return mask, rw, nil
	}
	return f
}

// bind is bindResource with its failures classified.
func (n *negotiation) bind(resource string) xmpp.StreamFeature {
	f := bindResource(resource)
	negotiate := f.Negotiate
	f.Negotiate = func(ctx context.Context, s *xmpp.Session, data interface{}) (xmpp.SessionState, io.ReadWriter, error) {
		mask, rw, err := negotiate(ctx, s, data)
		if err != nil {
			return mask, rw, n.fail(&stepError{step: "resource binding", err: err})
		}
		return mask, rw, nil
	}
	return f
}
