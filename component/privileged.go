package component

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
)

// NSVCardTemp is the namespace of XEP-0054 vCards.
const NSVCardTemp = "vcard-temp"

// RosterItem is an entry of a user's roster (RFC 6121) as XEP-0356 reads
// and writes it.
type RosterItem struct {
	JID  string `xml:"jid,attr"`
	Name string `xml:"name,attr,omitempty"`
	// Subscription is none, to, from or both; in RosterSet, remove deletes
	// the item. The privileged entity sets it directly (no presence
	// subscription handshake takes place).
	Subscription string   `xml:"subscription,attr,omitempty"`
	Ask          string   `xml:"ask,attr,omitempty"`
	Groups       []string `xml:"group"`
}

type rosterQuery struct {
	XMLName xml.Name     `xml:"jabber:iq:roster query"`
	Items   []RosterItem `xml:"item"`
}

// RosterGet reads user's roster through the XEP-0356 roster permission.
//
// Measured: on Prosody 0.12 and ejabberd 23.01 a roster get for an account
// that does not exist answers an empty roster, so this says nothing about
// the account's existence.
func (l *Link) RosterGet(ctx context.Context, user jid.JID) ([]RosterItem, error) {
	user = user.Bare()
	if err := l.checkRosterGrant(user, "get"); err != nil {
		return nil, err
	}
	var q rosterQuery
	if err := l.Do(ctx, IQ{Type: stanza.GetIQ, To: user, Payload: rosterQuery{}}, &q); err != nil {
		return nil, privilegeFailure(err, "read the roster of "+user.String())
	}
	if q.Items == nil {
		q.Items = []RosterItem{}
	}
	return q.Items, nil
}

// RosterSet adds, changes or (with Subscription "remove") deletes one item
// of user's roster through the XEP-0356 roster permission. The server pushes
// the change to the user's online resources.
//
// Measured: Prosody 0.12 (mod_privilege) stores the subscription as given
// and answers item-not-found when removing an item that is not there;
// ejabberd 23.01 fails every privileged roster set with
// wait/internal-server-error "Module failed to handle the query" (fixed in
// ejabberd 23.10), which is reported as fault.NotSupported.
func (l *Link) RosterSet(ctx context.Context, user jid.JID, item RosterItem) error {
	user = user.Bare()
	if err := l.checkRosterGrant(user, "set"); err != nil {
		return err
	}
	if err := validRosterItem(item); err != nil {
		return err
	}
	err := l.Do(ctx, IQ{Type: stanza.SetIQ, To: user, Payload: rosterQuery{Items: []RosterItem{item}}}, nil)
	if err == nil {
		return nil
	}
	if l.isEjabberdRosterSetBug(user.Domainpart(), err) {
		reason := "the XMPP server fails XEP-0356 roster changes with internal-server-error (\"" + ejabberdHandlerCrash +
			"\"), the bug of ejabberd before 23.10: upgrade ejabberd to 23.10 or later to change rosters through this API"
		l.caps.noteRosterSetBroken(reason)
		return &fault.Error{Kind: fault.NotSupported, Message: reason, Err: err}
	}
	return privilegeFailure(err, "change the roster of "+user.String())
}

func validRosterItem(item RosterItem) error {
	switch item.Subscription {
	case "", "none", "to", "from", "both", "remove":
	default:
		return fault.New(fault.BadRequest, "roster subscription %q is not one of none, to, from, both, remove", item.Subscription)
	}
	j, err := jid.Parse(item.JID)
	if err != nil || j.Resourcepart() != "" {
		return fault.New(fault.BadRequest, "%q is not a valid bare JID for a roster item", item.JID).About(item.JID)
	}
	return nil
}

// checkRosterGrant fails with fault.NotSupported when the server did not
// grant the roster permission of kind ("get" or "set") for user's host.
func (l *Link) checkRosterGrant(user jid.JID, kind string) error {
	p := l.caps.Privileges()
	ok := p.CanRosterGet()
	if kind == "set" {
		ok = p.CanRosterSet()
	}
	if !ok || !p.grantedBy(user.Domainpart()) {
		return fault.New(fault.NotSupported,
			"the XMPP server has not granted this component the XEP-0356 roster %q permission for %s (granted: %s); configure the server's privileged entity support (Prosody: mod_privilege with privileged_entities roster = \"both\"; ejabberd: mod_privilege roster: both)",
			kind, user.Domainpart(), p.describe())
	}
	return nil
}

// grantedBy reports whether host advertised these privileges.
func (p Privileges) grantedBy(host string) bool {
	return p.Namespace != "" && contains(p.Hosts, host)
}

func (p Privileges) describe() string {
	if p.Namespace == "" {
		return "nothing"
	}
	parts := []string{"roster=" + orNone(p.Roster), "message=" + orNone(p.Message)}
	for ns, t := range p.IQ {
		parts = append(parts, "iq "+ns+"="+t)
	}
	return strings.Join(parts, ", ") + " by " + strings.Join(p.Hosts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// privilegeFailure classifies a refused privileged request: the condition
// forbidden means the server withdrew or never gave the permission.
func privilegeFailure(err error, what string) error {
	fe, ok := err.(*fault.Error)
	if !ok {
		return err
	}
	if StanzaCondition(err) == stanza.Forbidden {
		return &fault.Error{Kind: fault.NotSupported, Err: err,
			Message: "the XMPP server refused to let this component " + what + " (XEP-0356 permission missing): " + fe.Message}
	}
	return err
}

// ejabberdHandlerCrash is the text of ejabberd's internal-server-error when
// an IQ handler crashed.
const ejabberdHandlerCrash = "Module failed to handle the query"

// isEjabberdRosterSetBug reports whether err is ejabberd 23.01's failure of
// a privileged roster set. The host's software is often unknown (no XEP-0092
// module), so the error text identifies ejabberd too.
func (l *Link) isEjabberdRosterSetBug(host string, err error) bool {
	if StanzaCondition(err) != stanza.InternalServerError {
		return false
	}
	var se stanza.Error
	errors.As(err, &se)
	h, _ := l.caps.Host(host)
	return strings.EqualFold(h.Software, "ejabberd") || StanzaErrorText(se) == ejabberdHandlerCrash
}

// privilegedIQID numbers the wrapped IQs.
var privilegedIQID atomic.Uint64

// PrivilegedIQ sends an IQ of type typ with payload on behalf of user
// (XEP-0356 §5.3, urn:xmpp:privilege:2 "iq" permission), and decodes the
// payload of the server's answer to the user into result (nil: ignore it).
// An error answer to the user is returned like any IQ error (a classified
// *fault.Error). ns is the payload's namespace, checked against the grant.
//
// Measured: Prosody's mod_privilege supports it (privileged_entities iq =
// { ["vcard-temp"] = "both" }) and wraps the answer in
// <privilege><forwarded><iq xmlns='jabber:client'/></forwarded></privilege>;
// ejabberd has no IQ permission before 24.10 (23.01 advertises
// urn:xmpp:privilege:1 without it), so this fails with fault.NotSupported.
// The grant is checked before sending: when Prosody's mod_privilege refuses
// a namespace it was not granted, it also writes a stray number as text
// into the component stream (it sends the result of session.send).
func (l *Link) PrivilegedIQ(ctx context.Context, user jid.JID, typ stanza.IQType, ns string, payload, result any) error {
	user = user.Bare()
	p := l.caps.Privileges()
	if p.Namespace != NSPrivilege2 || !p.CanIQ(ns, string(typ)) || !p.grantedBy(user.Domainpart()) {
		return fault.New(fault.NotSupported,
			"the XMPP server has not granted this component the XEP-0356 IQ permission %q for %s on %s (granted: %s); Prosody's mod_privilege grants it with privileged_entities iq = { [%q] = \"both\" }, ejabberd only from 24.10",
			typ, ns, user.Domainpart(), p.describe(), ns)
	}
	body, err := xmlEncode(payload)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode privileged IQ payload")
	}
	id := "priv-" + strconv.FormatUint(privilegedIQID.Add(1), 10)
	wrapped, err := privilegedIQPayload(p.Namespace, user, typ, id, body)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode privileged IQ")
	}
	var reply privilegeReply
	if err := l.Do(ctx, IQ{Type: typ, To: user, Payload: wrapped}, &reply); err != nil {
		return privilegeFailure(err, fmt.Sprintf("send %s IQs on behalf of %s", ns, user))
	}
	return reply.decode(result)
}

// privilegedIQPayload builds
// <privileged_iq xmlns=ns><iq xmlns='jabber:client' type from to id>body</iq></privileged_iq>.
// The wrapped IQ is addressed to the user's own bare JID, as if the user's
// client sent it.
func privilegedIQPayload(ns string, user jid.JID, typ stanza.IQType, id string, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	outer := xml.StartElement{Name: xml.Name{Space: ns, Local: "privileged_iq"}}
	inner := xml.StartElement{Name: xml.Name{Space: "jabber:client", Local: "iq"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "type"}, Value: string(typ)},
		{Name: xml.Name{Local: "id"}, Value: id},
		{Name: xml.Name{Local: "from"}, Value: user.String()},
		{Name: xml.Name{Local: "to"}, Value: user.String()},
	}}
	if err := e.EncodeToken(outer); err != nil {
		return nil, err
	}
	if err := e.EncodeToken(inner); err != nil {
		return nil, err
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	buf.Write(body)
	if err := e.EncodeToken(inner.End()); err != nil {
		return nil, err
	}
	if err := e.EncodeToken(outer.End()); err != nil {
		return nil, err
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// privilegeReply is <privilege><forwarded><iq/></forwarded></privilege>, the
// answer to a privileged IQ.
type privilegeReply struct {
	XMLName   xml.Name
	Forwarded struct {
		IQ *Element `xml:"jabber:client iq"`
	} `xml:"urn:xmpp:forward:0 forwarded"`
}

// decode reads the forwarded IQ: an error becomes a classified error, and
// the first child of a result is decoded into result.
func (r privilegeReply) decode(result any) error {
	if r.Forwarded.IQ == nil {
		if r.XMLName.Local == "" {
			return fault.New(fault.BadGateway, "the XMPP server answered a privileged IQ without the forwarded answer")
		}
		return fault.New(fault.BadGateway, "the XMPP server answered a privileged IQ with <%s xmlns='%s'> but no forwarded <iq/>", r.XMLName.Local, r.XMLName.Space)
	}
	return DecodeReply(xml.NewDecoder(bytes.NewReader(r.Forwarded.IQ.XML)), result)
}

// Element is an XML element captured whole. Replies are decoded from a
// token stream, where encoding/xml's ",innerxml" stays empty; an Element
// re-encodes the tokens instead.
type Element struct {
	Name xml.Name
	// XML is the element, with a namespace declared where it changes,
	// unprefixed attributes (and xml:lang), elements and text only.
	XML []byte
}

// UnmarshalXML captures the element.
func (e *Element) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	// spaces holds the namespace of each open element.
	spaces := []string{""}
	tok := xml.Token(start)
	for depth := 0; ; {
		switch t := tok.(type) {
		case xml.StartElement:
			parent := spaces[len(spaces)-1]
			out := xml.StartElement{Name: xml.Name{Local: t.Name.Local}}
			if t.Name.Space != parent {
				out.Attr = append(out.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: t.Name.Space})
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local != "xmlns":
					out.Attr = append(out.Attr, a)
				case a.Name.Space == "http://www.w3.org/XML/1998/namespace" || a.Name.Space == "xml":
					out.Attr = append(out.Attr, xml.Attr{Name: xml.Name{Local: "xml:" + a.Name.Local}, Value: a.Value})
				}
			}
			spaces = append(spaces, t.Name.Space)
			depth++
			if err := enc.EncodeToken(out); err != nil {
				return err
			}
		case xml.EndElement:
			spaces = spaces[:len(spaces)-1]
			depth--
			if err := enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: t.Name.Local}}); err != nil {
				return err
			}
		case xml.CharData:
			if err := enc.EncodeToken(t); err != nil {
				return err
			}
		}
		if depth == 0 {
			break
		}
		var err error
		if tok, err = d.Token(); err != nil {
			return err
		}
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	e.Name, e.XML = start.Name, buf.Bytes()
	return nil
}
