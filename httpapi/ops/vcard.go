package ops

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"

	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// User vCards (XEP-0054 vcard-temp) are read and written on the user's
// behalf with an XEP-0356 privileged IQ, where the server grants the IQ
// permission for vcard-temp (Prosody's mod_privilege does; ejabberd only
// from 24.10). vcard-temp has no delete: DeleteVCard publishes an empty
// vCard, which is what clients do, and a vCard without any text counts as
// no vCard.
//
// Measured on Prosody 0.12 with mod_vcard_legacy: a user who never set a
// vCard gets an empty <vCard xmlns='vcard-temp'/> (not item-not-found), and
// the vCard is kept as a vcard4 PEP item, so fields without a vcard4
// counterpart are not kept.

var vcardName = xml.Name{Space: component.NSVCardTemp, Local: "vCard"}

// VCard returns a user's vCard as XML (<vCard xmlns='vcard-temp'>...); found
// is false when the user has none.
func (s *Service) VCard(ctx context.Context, a Actor, username string) (vcard []byte, found bool, err error) {
	j, err := s.userOf(a, username)
	if err != nil {
		return nil, false, err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return nil, false, err
	}
	var v component.Element
	err = s.Link.PrivilegedIQ(ctx, j, stanza.GetIQ, component.NSVCardTemp, vcardQuery{}, &v)
	if component.StanzaCondition(err) == stanza.ItemNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, aboutVCard(err, username)
	}
	if v.Name != vcardName {
		return nil, false, fault.New(fault.BadGateway, "the XMPP server answered a vCard request with <%s xmlns='%s'>", v.Name.Local, v.Name.Space)
	}
	out, hasText, err := CleanVCard(v.XML)
	if err != nil {
		return nil, false, fault.Wrap(fault.BadGateway, err, "the XMPP server sent a vCard that is not well-formed")
	}
	if !hasText {
		return nil, false, nil
	}
	return out, true, nil
}

type vcardQuery struct {
	XMLName xml.Name `xml:"vcard-temp vCard"`
}

// SetVCard replaces a user's vCard with vcard, an XML document whose root is
// <vCard xmlns='vcard-temp'> (a root without a namespace is taken as
// vcard-temp).
func (s *Service) SetVCard(ctx context.Context, a Actor, username string, vcard []byte) error {
	j, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	clean, _, err := CleanVCard(vcard)
	if err != nil {
		return fault.Wrap(fault.BadRequest, err, "the body is not a vCard: %v", err).About(username)
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	if err := s.Link.PrivilegedIQ(ctx, j, stanza.SetIQ, component.NSVCardTemp, clean, nil); err != nil {
		return aboutVCard(err, username)
	}
	s.auditXMPPChange(ctx, a, j, "set the vCard of "+j.String(), "")
	return nil
}

// DeleteVCard empties a user's vCard.
func (s *Service) DeleteVCard(ctx context.Context, a Actor, username string) error {
	j, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	if err := s.Link.PrivilegedIQ(ctx, j, stanza.SetIQ, component.NSVCardTemp, vcardQuery{}, nil); err != nil {
		return aboutVCard(err, username)
	}
	s.auditXMPPChange(ctx, a, j, "deleted the vCard of "+j.String(), "")
	return nil
}

func aboutVCard(err error, username string) error {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Resource == "" {
		return fe.About(username)
	}
	return err
}

// CleanVCard checks that doc is one <vCard/> element in vcard-temp (or in no
// namespace) and re-encodes it in vcard-temp with only elements, attributes
// and text: no declarations, comments or processing instructions, which
// cannot travel inside a stanza. hasText reports whether any element has
// text (a vCard without is empty).
func CleanVCard(doc []byte) (clean []byte, hasText bool, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	depth, roots := 0, 0
	// spaces holds the namespace of each open element, to declare a
	// namespace only where it changes.
	var spaces []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return nil, false, errors.New("more than one root element")
				}
				if t.Name.Local != "vCard" || (t.Name.Space != "" && t.Name.Space != component.NSVCardTemp) {
					return nil, false, errors.New("the root element must be <vCard xmlns=\"vcard-temp\">, not <" + t.Name.Local + ">")
				}
				t.Name.Space = component.NSVCardTemp
			}
			parent := component.NSVCardTemp
			if len(spaces) > 0 {
				parent = spaces[len(spaces)-1]
			}
			space := t.Name.Space
			if space == "" {
				space = parent
			}
			out := xml.StartElement{Name: xml.Name{Local: t.Name.Local}}
			if depth == 0 || space != parent {
				out.Attr = append(out.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: space})
			}
			for _, a := range t.Attr {
				if a.Name.Space != "" || a.Name.Local == "xmlns" {
					continue // namespace declarations and prefixed attributes
				}
				out.Attr = append(out.Attr, a)
			}
			spaces = append(spaces, space)
			depth++
			if err := e.EncodeToken(out); err != nil {
				return nil, false, err
			}
		case xml.EndElement:
			depth--
			spaces = spaces[:len(spaces)-1]
			if err := e.EncodeToken(xml.EndElement{Name: xml.Name{Local: t.Name.Local}}); err != nil {
				return nil, false, err
			}
		case xml.CharData:
			if depth == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, false, errors.New("text outside the root element")
				}
				continue
			}
			if len(bytes.TrimSpace(t)) > 0 {
				hasText = true
			}
			if err := e.EncodeToken(t); err != nil {
				return nil, false, err
			}
		case xml.Directive:
			return nil, false, errors.New("a DOCTYPE or other directive is not allowed")
		}
	}
	if roots == 0 {
		return nil, false, errors.New("no <vCard/> element")
	}
	if err := e.Flush(); err != nil {
		return nil, false, err
	}
	return buf.Bytes(), hasText, nil
}
