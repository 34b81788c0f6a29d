package component

import (
	"bytes"
	"context"
	"encoding/xml"
	"log/slog"
	"strings"
	"time"

	"xmpprest/component/fault"
	"xmpprest/component/metrics"
)

// payloadKind names an IQ payload for the metrics: the namespace of its
// element, and the element's name where the namespace alone is ambiguous
// ("jabber:iq:roster", "http://jabber.org/protocol/commands",
// "vcard-temp", "privilege:perm"...). "empty" for an IQ with no payload.
func payloadKind(body []byte) string {
	if len(body) == 0 {
		return "empty"
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "unknown"
		}
		if se, ok := tok.(xml.StartElement); ok {
			ns := ""
			for _, a := range se.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					ns = a.Value
				}
			}
			if ns == "" {
				return se.Name.Local
			}
			if strings.HasPrefix(ns, "urn:xmpp:privilege:") {
				return "privilege"
			}
			return ns
		}
	}
}

// iqOutcome classifies the result of an IQ round trip for the metrics:
// "result", the stanza error condition, or the failure's kind.
func iqOutcome(err error) string {
	if err == nil {
		return "result"
	}
	if c := StanzaCondition(err); c != "" {
		return string(c)
	}
	return strings.ReplaceAll(fault.KindOf(err).String(), " ", "_")
}

// noteLinkState records the link going up or down.
func (l *Link) noteLinkState(up bool) {
	v := 0.0
	if up {
		v = 1
	}
	metrics.LinkUp.WithLabelValues(l.cfg.Domain.String()).Set(v)
}

// noteReconnect records a reconnection attempt.
func (l *Link) noteReconnect(err error) {
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	metrics.LinkReconnects.WithLabelValues(l.cfg.Domain.String(), outcome).Inc()
}

// logIQ writes a debug line for an IQ round trip, naming the request it
// served. Payloads are never logged: they carry passwords.
func (l *Link) logIQ(ctx context.Context, iq IQ, kind, outcome string, start time.Time) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("type", string(iq.Type)), slog.String("to", iq.To.String()),
		slog.String("kind", kind), slog.String("outcome", outcome),
		slog.Duration("took", time.Since(start)),
	}
	if id := RequestID(ctx); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	l.log.LogAttrs(ctx, slog.LevelDebug, "iq", attrs...)
}
