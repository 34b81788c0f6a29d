package component

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
	"xmpprest/component/metrics"
)

// IQ is an outgoing request.
type IQ struct {
	Type stanza.IQType // get or set
	// From defaults to the component's domain; a full JID of the domain
	// (rest.example.org/admin) may be used, e.g. as a room occupant.
	From jid.JID
	To   jid.JID
	// Payload is marshaled with encoding/xml; []byte and string are sent
	// as they are.
	Payload any
}

// Get sends an IQ get from the component to to and decodes the reply's
// payload into result (which may be nil).
func (l *Link) Get(ctx context.Context, to jid.JID, payload, result any) error {
	return l.Do(ctx, IQ{Type: stanza.GetIQ, To: to, Payload: payload}, result)
}

// Set sends an IQ set; see Get.
func (l *Link) Set(ctx context.Context, to jid.JID, payload, result any) error {
	return l.Do(ctx, IQ{Type: stanza.SetIQ, To: to, Payload: payload}, result)
}

// Do sends iq and waits for the reply, at most the link's timeout. The
// reply's first child element is decoded into result when result is not nil.
// An error reply is returned as a *fault.Error whose cause is the
// stanza.Error, classified by its condition (see ClassifyStanzaError).
func (l *Link) Do(ctx context.Context, iq IQ, result any) error {
	c := l.current()
	if c == nil {
		metrics.ObserveIQ("any", "unavailable", time.Now())
		return l.notConnected()
	}
	return l.do(ctx, c, iq, result)
}

func (l *Link) do(ctx context.Context, c *conn, iq IQ, result any) (err error) {
	body, err := xmlEncode(iq.Payload)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode IQ payload")
	}
	start := time.Now()
	defer func() {
		kind, outcome := payloadKind(body), iqOutcome(err)
		metrics.ObserveIQ(kind, outcome, start)
		l.logIQ(ctx, iq, kind, outcome, start)
	}()
	if iq.From.String() == "" {
		iq.From = l.cfg.Domain
	}
	sctx, release := l.streamContext(ctx, c)
	defer release()

	l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	head := stanza.IQ{Type: iq.Type, From: iq.From, To: iq.To}
	var r xml.TokenReader = xml.NewDecoder(bytes.NewReader(body))
	if len(body) == 0 {
		r = xmlstream.MultiReader()
	}
	if c.ctx.Err() != nil {
		return l.notConnected() // the stream ended before anything was written
	}
	resp, err := c.s.SendIQElement(sctx, r, head)
	if err != nil {
		return l.sendFailure(ctx, sctx, c, "IQ to "+iq.To.String(), iq.Type == stanza.SetIQ, err)
	}
	defer resp.Close()
	return DecodeReply(resp, result)
}

// streamContext returns the context to hand mellium for one send (and the
// wait for its reply): it ends at the link's timeout (or the caller's
// earlier deadline), when the caller gives up, or when the link drops.
//
// mellium v0.23 watches that context from a goroutine while it writes, and
// when it finds the context done it sets the connection's write deadline in
// the past for a moment. A context canceled just after a successful send
// (by a deferred cancel, or by an HTTP request that ends) can therefore
// poison a concurrent writer's bufio.Writer for good. So the context is
// detached from the caller once release is called, and is only canceled a
// second later, long after mellium's watcher has gone.
func (l *Link) streamContext(ctx context.Context, c *conn) (context.Context, func()) {
	return SendContext(ctx, c.ctx, l.cfg.Timeout)
}

// SendContext returns the context to hand mellium for one send on a
// stream whose life is streamCtx (see streamContext for why): it ends after
// timeout (or at ctx's earlier deadline), when ctx is canceled or when the
// stream ends, and once release is called it is canceled only a second
// later. Every mellium session of the project sends this way.
func SendContext(ctx, streamCtx context.Context, timeout time.Duration) (sctx context.Context, release func()) {
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	stopCaller := context.AfterFunc(ctx, cancel)
	stopStream := context.AfterFunc(streamCtx, cancel)
	return sctx, func() {
		stopCaller()
		stopStream()
		time.AfterFunc(time.Second, cancel)
	}
}

// sendFailure classifies a failed send or wait. A write that failed for
// another reason than the context leaves the stream's writer unusable, so
// the connection is closed and the link reconnects at once.
//
// Once a stanza has been handed to the stream, the server may have received
// it, whatever broke afterwards. A request that changes something (an IQ
// set, a message) is then reported as fault.OutcomeUnknown (504: it may
// have been applied), never as "not connected" (503: safe to retry), which
// is kept for what cannot have changed anything: reads, and calls made
// while the link was already down.
func (l *Link) sendFailure(ctx, sctx context.Context, c *conn, what string, changes bool, err error) error {
	linkBroke := c.ctx.Err() != nil
	if !linkBroke && ctx.Err() == nil && sctx.Err() == nil {
		l.log.Warn("write to the XMPP server failed; reconnecting", "err", err)
		c.s.Conn().Close()
		linkBroke = true
	}
	if !linkBroke && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err() // the caller gave up
	}
	switch {
	case linkBroke && changes:
		return fault.OutcomeUnknown(err, "the link to the XMPP server broke while the %s was under way", what)
	case linkBroke:
		return l.notConnected()
	case changes:
		return fault.OutcomeUnknown(err, "the XMPP server did not answer the %s in time", what)
	}
	return fault.Wrap(fault.Timeout, err, "the XMPP server did not answer the %s in time", what)
}

// DecodeReply reads a reply IQ: an error reply becomes a classified error,
// and the first child of a result is decoded into result.
func DecodeReply(r xml.TokenReader, result any) error {
	d := xml.NewTokenDecoder(r)
	tok, err := d.Token()
	if err != nil {
		return fault.Wrap(fault.BadGateway, err, "read IQ reply")
	}
	start, ok := tok.(xml.StartElement)
	if !ok {
		return fault.New(fault.BadGateway, "IQ reply: expected a start element, got %T", tok)
	}
	var typ string
	for _, a := range start.Attr {
		if a.Name.Local == "type" {
			typ = a.Value
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fault.Wrap(fault.BadGateway, err, "read IQ reply")
		}
		child, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if typ == "error" {
			if child.Name.Local != "error" {
				if err := d.Skip(); err != nil {
					return fault.Wrap(fault.BadGateway, err, "read IQ reply")
				}
				continue
			}
			var se stanza.Error
			if err := d.DecodeElement(&se, &child); err != nil {
				return fault.Wrap(fault.BadGateway, err, "decode IQ error")
			}
			return ClassifyStanzaError(se)
		}
		if result == nil {
			return nil
		}
		if err := d.DecodeElement(result, &child); err != nil {
			return fault.Wrap(fault.BadGateway, err, "decode IQ reply <%s xmlns='%s'>", child.Name.Local, child.Name.Space)
		}
		return nil
	}
	if typ == "error" {
		return fault.New(fault.BadGateway, "IQ error reply without an <error/> element")
	}
	return nil
}

// ClassifyStanzaError turns a stanza error into a *fault.Error whose cause
// is se, so callers can still inspect the condition with errors.As.
func ClassifyStanzaError(se stanza.Error) *fault.Error {
	kind := fault.BadGateway
	switch se.Condition {
	case stanza.ItemNotFound, stanza.RecipientUnavailable:
		kind = fault.NotFound
	case stanza.Conflict:
		kind = fault.Conflict
	case stanza.Forbidden, stanza.NotAuthorized, stanza.NotAllowed, stanza.RegistrationRequired, stanza.SubscriptionRequired:
		kind = fault.Forbidden
	case stanza.ServiceUnavailable, stanza.FeatureNotImplemented:
		kind = fault.NotSupported
	case stanza.BadRequest, stanza.JIDMalformed, stanza.NotAcceptable:
		kind = fault.BadRequest
	case stanza.RemoteServerTimeout:
		kind = fault.Timeout
	}
	msg := fmt.Sprintf("the XMPP server answered %s/%s", se.Type, se.Condition)
	if t := StanzaErrorText(se); t != "" {
		msg += ": " + t
	}
	return &fault.Error{Kind: kind, Message: msg, Err: se}
}

// StanzaErrorText returns the error's text, preferring English.
func StanzaErrorText(se stanza.Error) string {
	if t, ok := se.Text["en"]; ok {
		return t
	}
	if t, ok := se.Text[""]; ok {
		return t
	}
	for _, t := range se.Text {
		return t
	}
	return ""
}

// StanzaCondition returns the condition of the stanza error in err's chain,
// or "" when there is none.
func StanzaCondition(err error) stanza.Condition {
	var se stanza.Error
	if errors.As(err, &se) {
		return se.Condition
	}
	return ""
}

// InFlight is the number of IQs sent and not yet answered.
func (l *Link) InFlight() int { return int(l.inFlight.Load()) }
