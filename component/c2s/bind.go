package c2s

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

const nsBind = "urn:ietf:params:xml:ns:xmpp-bind"

// bindResource is the client side of resource binding (RFC 6120 §7),
// requesting resource (or letting the server choose when empty).
//
// It replaces xmpp.BindResource, which in mellium v0.23.0 sends an empty
// <resource/> whenever a resource is requested (its bindPayload writes the
// zero JID instead of the resource), so the server always picks one.
func bindResource(resource string) xmpp.StreamFeature {
	return xmpp.StreamFeature{
		Name:       xml.Name{Space: nsBind, Local: "bind"},
		Necessary:  xmpp.Authn,
		Prohibited: xmpp.Ready,
		Parse: func(ctx context.Context, d *xml.Decoder, start *xml.StartElement) (bool, interface{}, error) {
			return true, nil, d.Skip()
		},
		Negotiate: func(ctx context.Context, s *xmpp.Session, _ interface{}) (xmpp.SessionState, io.ReadWriter, error) {
			j, err := bind(s, resource)
			if err != nil {
				return 0, nil, err
			}
			s.UpdateAddr(j)
			return xmpp.Ready, nil, nil
		},
	}
}

func bind(s *xmpp.Session, resource string) (jid.JID, error) {
	id := randomID()
	var payload xml.TokenReader
	if resource != "" {
		payload = xmlstream.Wrap(xmlstream.Token(xml.CharData(resource)),
			xml.StartElement{Name: xml.Name{Local: "resource"}})
	}
	w := s.TokenWriter()
	_, err := xmlstream.Copy(w, xmlstream.Wrap(
		xmlstream.Wrap(payload, xml.StartElement{Name: xml.Name{Space: nsBind, Local: "bind"}}),
		xml.StartElement{Name: xml.Name{Local: "iq"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: "set"},
			{Name: xml.Name{Local: "id"}, Value: id},
		}},
	))
	if err == nil {
		err = w.Flush()
	}
	w.Close()
	if err != nil {
		return jid.JID{}, err
	}

	r := s.TokenReader()
	defer r.Close()
	d := xml.NewTokenDecoder(r)
	tok, err := d.Token()
	if err != nil {
		return jid.JID{}, err
	}
	start, ok := tok.(xml.StartElement)
	if !ok || start.Name.Local != "iq" {
		return jid.JID{}, fmt.Errorf("expected the bind result, got %v", tok)
	}
	var resp struct {
		ID   string `xml:"id,attr"`
		Type string `xml:"type,attr"`
		Bind struct {
			JID string `xml:"jid"`
		} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
		Error stanza.Error `xml:"error"`
	}
	if err := d.DecodeElement(&resp, &start); err != nil {
		return jid.JID{}, err
	}
	switch {
	case resp.ID != id:
		return jid.JID{}, fmt.Errorf("bind result with id %q, want %q", resp.ID, id)
	case resp.Type == "error":
		return jid.JID{}, resp.Error
	case resp.Type != "result":
		return jid.JID{}, fmt.Errorf("bind response of type %q", resp.Type)
	}
	return jid.Parse(resp.Bind.JID)
}

func randomID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
