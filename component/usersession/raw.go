package usersession

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"

	"xmpprest/component/c2s"
	"xmpprest/component/fault"
)

// maxRawDepth bounds the nesting of a raw stanza.
const maxRawDepth = 64

// tokenSlice reads tokens from a slice.
type tokenSlice struct{ toks []xml.Token }

func (t *tokenSlice) Token() (xml.Token, error) {
	if len(t.toks) == 0 {
		return nil, io.EOF
	}
	tok := t.toks[0]
	t.toks = t.toks[1:]
	return tok, nil
}

// parseStanza reads one stanza given as XML: exactly one message, presence
// or iq element in the client namespace (or none), well-formed, without
// processing instructions, directives or unknown entities. The from
// attribute is dropped (the server stamps the user's own address); an id is
// added when missing.
func parseStanza(raw []byte) (kind, typ string, toks []xml.Token, err error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", "", nil, fault.New(fault.BadRequest, "the stanza is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if len(toks) > 0 {
					return "", "", nil, fault.New(fault.BadRequest, "send one stanza per request")
				}
				if t.Name.Space != "" && t.Name.Space != "jabber:client" {
					return "", "", nil, fault.New(fault.BadRequest, "the stanza's namespace is jabber:client, not %q", t.Name.Space)
				}
				switch t.Name.Local {
				case "message", "presence", "iq":
				default:
					return "", "", nil, fault.New(fault.BadRequest, "only message, presence and iq stanzas may be sent, not <%s/>", t.Name.Local)
				}
				kind = t.Name.Local
				var attrs []xml.Attr
				hasID := false
				for _, a := range t.Attr {
					switch {
					case a.Name.Space == "" && a.Name.Local == "from":
						continue
					case a.Name.Space == "" && a.Name.Local == "id":
						hasID = a.Value != ""
						if !hasID {
							continue
						}
					case a.Name.Space == "" && a.Name.Local == "type":
						typ = a.Value
					}
					attrs = append(attrs, a)
				}
				if !hasID {
					attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "id"}, Value: newID()})
				}
				t.Attr = attrs
				tok = t
			}
			depth++
			if depth > maxRawDepth {
				return "", "", nil, fault.New(fault.BadRequest, "the stanza nests deeper than %d elements", maxRawDepth)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return "", "", nil, fault.New(fault.BadRequest, "text outside the stanza")
				}
				continue
			}
		case xml.Comment:
			continue
		case xml.ProcInst, xml.Directive:
			return "", "", nil, fault.New(fault.BadRequest, "the stanza may not hold processing instructions, DOCTYPEs or other directives")
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	if len(toks) == 0 {
		return "", "", nil, fault.New(fault.BadRequest, "the request has no stanza: send one message, presence or iq element as the body")
	}
	if kind == "iq" {
		switch typ {
		case "get", "set":
			children := 0
			level := 0
			for _, tok := range toks {
				switch tok.(type) {
				case xml.StartElement:
					if level == 1 {
						children++
					}
					level++
				case xml.EndElement:
					level--
				}
			}
			if children != 1 {
				return "", "", nil, fault.New(fault.BadRequest, "an iq of type %s has exactly one child element, not %d", typ, children)
			}
		case "result", "error":
		default:
			return "", "", nil, fault.New(fault.BadRequest, "an iq's type is get, set, result or error, not %q", typ)
		}
	}
	return kind, typ, toks, nil
}

// SendRaw sends one stanza given as XML on the user's session, from the
// user (see parseStanza for what is accepted). For an iq get or set it
// waits for the reply and returns it as XML; otherwise it returns nil.
func (s *Session) SendRaw(ctx context.Context, raw []byte) ([]byte, error) {
	kind, typ, toks, err := parseStanza(raw)
	if err != nil {
		return nil, err
	}
	c, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	if kind != "iq" || (typ != "get" && typ != "set") {
		return nil, s.sendOn(ctx, c, &tokenSlice{toks: toks})
	}
	var reply []byte
	err = s.request(ctx, c, func(sctx context.Context) error {
		resp, err := c.xs.SendIQ(sctx, &tokenSlice{toks: toks})
		if err != nil {
			return err
		}
		defer resp.Close()
		tok, err := resp.Token()
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			return fault.New(fault.BadGateway, "the iq reply does not start with an element")
		}
		reply, err = c2s.ReadElement(start, resp)
		return err
	})
	return reply, err
}
