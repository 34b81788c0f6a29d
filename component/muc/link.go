package muc

import (
	"context"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
)

// Link is what a Client uses of the component's link to the XMPP server: a
// *component.Link (see New), or an in-memory chat service in tests (see
// package muctest).
type Link interface {
	// Domain is the component's JID.
	Domain() jid.JID
	// Timeout bounds each round trip.
	Timeout() time.Duration
	// Do sends an IQ and decodes the reply's payload into result (see
	// component.Link.Do).
	Do(ctx context.Context, iq component.IQ, result any) error
	// Send sends a message or presence.
	Send(ctx context.Context, s component.Stanza) error
	// Listen delivers the inbound messages and presences match accepts,
	// holding at most buf of them, until stop is called.
	Listen(match func(component.Inbound) bool, buf int) (in <-chan component.Inbound, stop func())
}

// Commands runs XEP-0050 ad-hoc commands (an *adhoc.Client).
type Commands interface {
	Execute(ctx context.Context, req adhoc.Request) (*adhoc.Command, error)
}

// componentLink is a *component.Link seen as a Link.
type componentLink struct{ l *component.Link }

func (c componentLink) Domain() jid.JID        { return c.l.Domain() }
func (c componentLink) Timeout() time.Duration { return c.l.Timeout() }

func (c componentLink) Do(ctx context.Context, iq component.IQ, result any) error {
	return c.l.Do(ctx, iq, result)
}

func (c componentLink) Send(ctx context.Context, s component.Stanza) error { return c.l.Send(ctx, s) }

func (c componentLink) Listen(match func(component.Inbound) bool, buf int) (<-chan component.Inbound, func()) {
	ln := c.l.Listen(match, buf)
	return ln.C, ln.Close
}
