package usersession

import (
	"context"
	"encoding/xml"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
)

// DiscoInfo is what an entity says about itself (XEP-0030 disco#info).
type DiscoInfo struct {
	Identities []DiscoIdentity
	Features   []string
	Forms      []adhoc.Form
}

// DiscoIdentity is one identity of a disco#info answer.
type DiscoIdentity struct {
	Category, Type, Name string
}

// Has reports whether the entity announced the feature.
func (d DiscoInfo) Has(feature string) bool {
	for _, f := range d.Features {
		if f == feature {
			return true
		}
	}
	return false
}

// Identity returns the first identity of category (and type, when not
// empty).
func (d DiscoInfo) Identity(category, typ string) (DiscoIdentity, bool) {
	for _, id := range d.Identities {
		if id.Category == category && (typ == "" || id.Type == typ) {
			return id, true
		}
	}
	return DiscoIdentity{}, false
}

// Form returns the extended-information form of the given FORM_TYPE, or
// nil.
func (d DiscoInfo) Form(formType string) *adhoc.Form {
	for i := range d.Forms {
		if d.Forms[i].FormType() == formType {
			return &d.Forms[i]
		}
	}
	return nil
}

type discoInfoXML struct {
	XMLName    xml.Name `xml:"http://jabber.org/protocol/disco#info query"`
	Node       string   `xml:"node,attr,omitempty"`
	Identities []struct {
		Category string `xml:"category,attr"`
		Type     string `xml:"type,attr"`
		Name     string `xml:"name,attr"`
	} `xml:"identity"`
	Features []struct {
		Var string `xml:"var,attr"`
	} `xml:"feature"`
	Forms []adhoc.Form `xml:"jabber:x:data x"`
}

// DiscoItem is one item of a disco#items answer.
type DiscoItem struct {
	JID, Node, Name string
}

type discoItemsXML struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/disco#items query"`
	Node    string   `xml:"node,attr,omitempty"`
	Items   []struct {
		JID  string `xml:"jid,attr"`
		Node string `xml:"node,attr"`
		Name string `xml:"name,attr"`
	} `xml:"item"`
}

// DiscoInfo asks an entity (a service, a room, the user's own account)
// for its disco#info, as the user.
func (s *Session) DiscoInfo(ctx context.Context, to jid.JID, node string) (DiscoInfo, error) {
	var q discoInfoXML
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.GetIQ, To: to}, encode(discoInfoXML{Node: node}), &q); err != nil {
		return DiscoInfo{}, err
	}
	var d DiscoInfo
	for _, id := range q.Identities {
		d.Identities = append(d.Identities, DiscoIdentity{Category: id.Category, Type: id.Type, Name: id.Name})
	}
	for _, f := range q.Features {
		d.Features = append(d.Features, f.Var)
	}
	d.Forms = q.Forms
	return d, nil
}

// DiscoItems asks an entity for its disco#items, as the user.
func (s *Session) DiscoItems(ctx context.Context, to jid.JID, node string) ([]DiscoItem, error) {
	var q discoItemsXML
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.GetIQ, To: to}, encode(discoItemsXML{Node: node}), &q); err != nil {
		return nil, err
	}
	out := make([]DiscoItem, 0, len(q.Items))
	for _, it := range q.Items {
		out = append(out, DiscoItem{JID: it.JID, Node: it.Node, Name: it.Name})
	}
	return out, nil
}
