package component

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

// Stanza is an outgoing message or presence.
type Stanza struct {
	// Name is "message" or "presence".
	Name string
	// From defaults to the component's domain; a full JID of the domain
	// (rest.example.org/admin) may be used, e.g. as a room occupant.
	From jid.JID
	To   jid.JID
	Type string
	ID   string
	// Payload is the stanza's children: marshaled with encoding/xml, or
	// []byte/string sent as they are.
	Payload any
}

// Send sends a message or presence. It returns once the stanza is written;
// there is no reply to wait for.
func (l *Link) Send(ctx context.Context, st Stanza) error {
	c := l.current()
	if c == nil {
		return l.notConnected()
	}
	if st.Name != "message" && st.Name != "presence" {
		return fault.New(fault.Internal, "component.Send: %q is not a message or presence", st.Name)
	}
	body, err := xmlEncode(st.Payload)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode %s payload", st.Name)
	}
	from := st.From
	if from.String() == "" {
		from = l.cfg.Domain
	}
	start := xml.StartElement{Name: xml.Name{Local: st.Name}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "from"}, Value: from.String()},
	}}
	if to := st.To.String(); to != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "to"}, Value: to})
	}
	if st.Type != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "type"}, Value: st.Type})
	}
	if st.ID != "" {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "id"}, Value: st.ID})
	}
	var r xml.TokenReader = emptyReader{}
	if len(body) > 0 {
		r = xml.NewDecoder(bytes.NewReader(body))
	}
	sctx, release := l.streamContext(ctx, c)
	defer release()
	if c.ctx.Err() != nil {
		return l.notConnected() // the stream ended before anything was written
	}
	if err := c.s.SendElement(sctx, r, start); err != nil {
		return l.sendFailure(ctx, sctx, c, st.Name+" to "+st.To.String(), true, err)
	}
	return nil
}

type emptyReader struct{}

func (emptyReader) Token() (xml.Token, error) { return nil, io.EOF }
