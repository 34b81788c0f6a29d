package component

import (
	"bytes"
	"encoding/xml"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/stanza"
)

// Namespaces the component answers or uses.
const (
	NSDiscoInfo  = "http://jabber.org/protocol/disco#info"
	NSDiscoItems = "http://jabber.org/protocol/disco#items"
	NSPing       = "urn:xmpp:ping"
	NSCommands   = "http://jabber.org/protocol/commands"
	NSVersion    = "jabber:iq:version"
)

// Inbound is a message or presence the server sent to the component.
type Inbound struct {
	// Name is "message" or "presence".
	Name     string
	From, To string
	Type     string
	ID       string
	// Raw is the whole stanza as XML, for listeners to decode.
	Raw []byte
}

// Decode unmarshals the stanza into v.
func (in Inbound) Decode(v any) error { return xml.Unmarshal(in.Raw, v) }

// Listener receives the inbound stanzas that match its filter.
type Listener struct {
	C     <-chan Inbound
	c     chan Inbound
	match func(Inbound) bool
	link  *Link
}

// Listen returns a Listener for the inbound messages and presences for which
// match returns true. Its channel holds buf stanzas; when it is full further
// matches are dropped. Close it when done.
func (l *Link) Listen(match func(Inbound) bool, buf int) *Listener {
	c := make(chan Inbound, buf)
	ln := &Listener{C: c, c: c, match: match, link: l}
	l.listenersMu.Lock()
	l.listeners[ln] = struct{}{}
	l.listenersMu.Unlock()
	return ln
}

// Close stops delivery to the listener.
func (ln *Listener) Close() {
	ln.link.listenersMu.Lock()
	delete(ln.link.listeners, ln)
	ln.link.listenersMu.Unlock()
}

func (l *Link) dispatch(in Inbound) {
	l.log.Debug("inbound stanza", "name", in.Name, "from", in.From, "raw", string(in.Raw))
	if in.Name == "message" {
		l.notePrivilege(in)
	}
	l.listenersMu.RLock()
	defer l.listenersMu.RUnlock()
	for ln := range l.listeners {
		if ln.match(in) {
			select {
			case ln.c <- in:
			default:
				l.log.Warn("dropped an inbound stanza: listener is full", "from", in.From, "name", in.Name)
			}
		}
	}
}

// handler answers the IQs addressed to the component and hands messages and
// presences to the listeners. It never sends IQs itself (that would deadlock
// the session) and returns only stream-level errors.
func (l *Link) handler(c *conn) xmpp.Handler {
	return xmpp.HandlerFunc(func(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		switch start.Name.Local {
		case "iq":
			return l.answerIQ(t, start)
		case "message", "presence":
			var buf bytes.Buffer
			e := xml.NewEncoder(&buf)
			if err := encodeElement(e, *start, t); err != nil {
				l.log.Warn("cannot read an inbound stanza", "name", start.Name.Local, "err", err)
				return nil
			}
			in := Inbound{Name: start.Name.Local, Raw: buf.Bytes()}
			for _, a := range start.Attr {
				switch a.Name.Local {
				case "from":
					in.From = a.Value
				case "to":
					in.To = a.Value
				case "type":
					in.Type = a.Value
				case "id":
					in.ID = a.Value
				}
			}
			l.dispatch(in)
		}
		return nil
	})
}

// answerIQ answers disco#info and ping, and every other get or set with
// service-unavailable. It writes every reply itself: mellium's default reply
// has no from, which ejabberd punishes with improper-addressing.
func (l *Link) answerIQ(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	iq, err := stanza.NewIQ(*start)
	if err != nil || (iq.Type != stanza.GetIQ && iq.Type != stanza.SetIQ) {
		return nil
	}
	var payload xml.StartElement
	for {
		tok, err := t.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			payload = se
			break
		}
	}
	reply := stanza.IQ{ID: iq.ID, Type: stanza.ResultIQ, From: iq.To, To: iq.From}
	if reply.From.String() == "" {
		reply.From = l.cfg.Domain
	}
	if reply.To.String() == "" {
		// mellium blanks a from equal to the session's own address; a reply
		// without a to is refused by the server ("no 'to' address").
		reply.To = l.cfg.Domain
	}
	var body []byte
	switch {
	case iq.Type == stanza.GetIQ && payload.Name.Space == NSPing && payload.Name.Local == "ping":
	case iq.Type == stanza.GetIQ && payload.Name.Space == NSDiscoInfo && payload.Name.Local == "query":
		body, _ = xml.Marshal(discoInfoReply{
			Identity: []discoIdentity{{Category: "component", Type: "generic", Name: "xmpprest"}},
			Features: []discoFeature{{NSDiscoInfo}, {NSPing}},
		})
	default:
		reply.Type = stanza.ErrorIQ
		_, err = xmlstream.Copy(t, reply.Wrap(stanza.Error{Type: stanza.Cancel, Condition: stanza.ServiceUnavailable}.TokenReader()))
		return err
	}
	var r xml.TokenReader = xmlstream.MultiReader()
	if body != nil {
		r = xml.NewDecoder(bytes.NewReader(body))
	}
	_, err = xmlstream.Copy(t, reply.Wrap(r))
	return err
}

// encodeElement re-encodes start, the tokens of r and the end element (if r
// does not end with it),
// leaving out the xmlns attributes the decoder reports beside the names'
// namespaces (the encoder writes those itself).
func encodeElement(e *xml.Encoder, start xml.StartElement, r xml.TokenReader) error {
	depth := 0
	enc := xmlstream.TokenWriter(tokenFunc(func(t xml.Token) error {
		if _, ok := t.(xml.EndElement); ok {
			depth--
		}
		if se, ok := t.(xml.StartElement); ok {
			depth++
			attrs := se.Attr[:0:0]
			for _, a := range se.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				attrs = append(attrs, a)
			}
			se.Attr = attrs
			t = se
		}
		return e.EncodeToken(t)
	}))
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if _, err := xmlstream.Copy(enc, r); err != nil {
		return err
	}
	if depth > 0 {
		// The reader stopped before the stanza's own end element.
		if err := e.EncodeToken(start.End()); err != nil {
			return err
		}
	}
	return e.Flush()
}

type tokenFunc func(xml.Token) error

func (f tokenFunc) EncodeToken(t xml.Token) error { return f(t) }
