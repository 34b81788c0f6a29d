package c2s

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"sync"

	"mellium.im/sasl"
	"mellium.im/xmpp"
)

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
