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
	"net"
	"time"

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

// Dial dials opts.Addr and negotiates a bound session for user, for a
// client of its own (such as the tests' c2stest.Client). Errors are as for
// CheckPassword.
func Dial(ctx context.Context, opts Options, user jid.JID, password, resource string) (*xmpp.Session, net.Conn, error) {
	return login(ctx, opts, user, password, resource)
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
