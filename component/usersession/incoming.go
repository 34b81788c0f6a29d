package usersession

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"strings"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/c2s"
)

// ChatEvent is the payload of chatapi.chat (and of chatapi.muc for
// groupchat messages).
type ChatEvent struct {
	Type string `json:"type"` // chat, normal, groupchat
	ID   string `json:"id,omitempty"`
	From string `json:"from"`
	To   string `json:"to"`
	Body string `json:"body"`
	// Carbon is "sent" or "received" for a copy of a message the user sent
	// or received on another device (XEP-0280).
	Carbon string `json:"carbon,omitempty"`
}

// InvitationEvent is the chatapi.muc payload of a room invitation.
type InvitationEvent struct {
	Type     string `json:"type"` // invitationReceived
	Room     string `json:"room"`
	Inviter  string `json:"inviter"`
	From     string `json:"from"`
	To       string `json:"to"`
	Reason   string `json:"reason"`
	Password string `json:"password"`
}

// PresenceEvent is the payload of chatapi.presence. Type is "presence" for
// an available contact, otherwise the presence type (unavailable,
// subscribe, subscribed, unsubscribe, unsubscribed).
type PresenceEvent struct {
	Type   string `json:"type"`
	From   string `json:"from"`
	To     string `json:"to"`
	Show   string `json:"show,omitempty"`
	Status string `json:"status,omitempty"`
}

// SubjectEvent is the chatapi.muc payload of a room's subject change.
type SubjectEvent struct {
	Type    string `json:"type"` // subject
	From    string `json:"from"`
	To      string `json:"to"`
	Subject string `json:"subject"`
}

// RoomPresenceEvent is the chatapi.muc payload of an occupant entering
// (type presence) or leaving (unavailable) a room the user is in.
type RoomPresenceEvent struct {
	Type        string `json:"type"`
	From        string `json:"from"` // room@service/nick
	To          string `json:"to"`
	Role        string `json:"role,omitempty"`
	Affiliation string `json:"affiliation,omitempty"`
	JID         string `json:"jid,omitempty"`
}

// RawEvent is the payload of chatapi.xmpp: the stanza as base64 XML.
type RawEvent struct {
	XMPP string `json:"xmpp"`
}

// inMessage is an incoming <message/>, with the extensions read here.
type inMessage struct {
	ID       string            `xml:"id,attr"`
	From     string            `xml:"from,attr"`
	To       string            `xml:"to,attr"`
	Type     string            `xml:"type,attr"`
	Body     []string          `xml:"jabber:client body"`
	Subject  []string          `xml:"jabber:client subject"`
	Received *carbon           `xml:"urn:xmpp:carbons:2 received"`
	Sent     *carbon           `xml:"urn:xmpp:carbons:2 sent"`
	Result   *mamResult        `xml:"urn:xmpp:mam:2 result"`
	MUCUser  *mucUser          `xml:"http://jabber.org/protocol/muc#user x"`
	Direct   *directInvitation `xml:"jabber:x:conference x"`
	Event    *pubsubEvent      `xml:"http://jabber.org/protocol/pubsub#event event"`
}

type pubsubEvent struct {
	Items struct {
		Node  string `xml:"node,attr"`
		Items []struct {
			ID    string `xml:"id,attr"`
			Inner string `xml:",innerxml"`
		} `xml:"item"`
		Retract []struct {
			ID string `xml:"id,attr"`
		} `xml:"retract"`
	} `xml:"items"`
}

// PubSubEvent is the chatapi.pubsub payload of an item published (type
// item) or retracted (retract) on a node the user follows, one event per
// item.
type PubSubEvent struct {
	Type    string `json:"type"`
	From    string `json:"from"` // the service, or the PEP owner's JID
	Node    string `json:"node"`
	ID      string `json:"id"`
	Payload string `json:"payload,omitempty"` // the item's XML
}

type forwarded struct {
	Delay *struct {
		Stamp string `xml:"stamp,attr"`
	} `xml:"urn:xmpp:delay delay"`
	Message *inMessage `xml:"jabber:client message"`
}

type carbon struct {
	Forwarded forwarded `xml:"urn:xmpp:forward:0 forwarded"`
}

type mamResult struct {
	QueryID   string    `xml:"queryid,attr"`
	ID        string    `xml:"id,attr"`
	Forwarded forwarded `xml:"urn:xmpp:forward:0 forwarded"`
}

type mucUser struct {
	Invite *struct {
		From   string `xml:"from,attr"`
		Reason string `xml:"reason"`
	} `xml:"invite"`
	Password string `xml:"password"`
}

type directInvitation struct {
	JID      string `xml:"jid,attr"`
	Reason   string `xml:"reason,attr"`
	Password string `xml:"password,attr"`
}

type inPresence struct {
	From   string   `xml:"from,attr"`
	To     string   `xml:"to,attr"`
	Type   string   `xml:"type,attr"`
	Show   string   `xml:"show"`
	Status []string `xml:"status"`
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// handle serves one incoming stanza. Returning an error ends the
// connection, so only stream errors are returned.
func (s *Session) handle(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	raw, err := c2s.ReadElement(*start, t)
	if err != nil {
		return err
	}
	switch start.Name.Local {
	case "message":
		s.onMessage(raw)
	case "presence":
		s.onPresence(raw)
	case "iq":
		return s.onIQ(t, start, raw)
	}
	return nil
}

// fromSelf reports whether a stanza's from is the user's own account (mellium
// leaves it empty when it was the bare JID).
func (s *Session) fromSelf(from string) bool {
	if from == "" {
		return true
	}
	j, err := jid.Parse(from)
	return err == nil && j.Equal(s.user)
}

func (s *Session) publish(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	s.hub.Publish(name, b)
}

func (s *Session) publishRaw(raw []byte) {
	s.publish(EventXMPP, RawEvent{XMPP: base64.StdEncoding.EncodeToString(raw)})
}

func (s *Session) onMessage(raw []byte) {
	var m inMessage
	if xml.Unmarshal(raw, &m) != nil {
		return
	}
	if m.Result != nil {
		// Archive results belong to the query that asked for them; only
		// the archive it asked may send them.
		s.archiveResult(m.From, m.Result)
		return
	}
	s.publishRaw(raw)
	msg, copyOf := &m, ""
	// Carbons are accepted from the user's own account only: anyone else
	// could forge them.
	switch {
	case m.Received != nil && s.fromSelf(m.From):
		msg, copyOf = m.Received.Forwarded.Message, "received"
	case m.Sent != nil && s.fromSelf(m.From):
		msg, copyOf = m.Sent.Forwarded.Message, "sent"
	}
	if msg == nil {
		return
	}
	body := first(msg.Body)
	if ev := m.Event; ev != nil && copyOf == "" {
		from := m.From
		if from == "" {
			from = s.user.String()
		}
		for _, it := range ev.Items.Items {
			s.publish(EventPubSub, PubSubEvent{Type: "item", From: from, Node: ev.Items.Node, ID: it.ID, Payload: strings.TrimSpace(it.Inner)})
		}
		for _, it := range ev.Items.Retract {
			s.publish(EventPubSub, PubSubEvent{Type: "retract", From: from, Node: ev.Items.Node, ID: it.ID})
		}
		return
	}
	switch {
	case msg.Type == "groupchat" && body == "" && len(msg.Subject) > 0:
		if from, err := jid.Parse(msg.From); err == nil {
			s.roomSubject(from, msg.Subject[0])
		}
		s.publish(EventMUC, SubjectEvent{Type: "subject", From: msg.From, To: msg.To, Subject: msg.Subject[0]})
	case msg.Type == "groupchat":
		if body != "" {
			s.publish(EventMUC, ChatEvent{Type: "groupchat", ID: msg.ID, From: msg.From, To: msg.To, Body: body, Carbon: copyOf})
		}
	case msg.MUCUser != nil && msg.MUCUser.Invite != nil:
		room, _ := jid.Parse(msg.From)
		s.publish(EventMUC, InvitationEvent{
			Type: "invitationReceived", Room: room.Localpart(), Inviter: msg.MUCUser.Invite.From,
			From: msg.From, To: msg.To, Reason: msg.MUCUser.Invite.Reason, Password: msg.MUCUser.Password,
		})
	case msg.Direct != nil:
		room, _ := jid.Parse(msg.Direct.JID)
		s.publish(EventMUC, InvitationEvent{
			Type: "invitationReceived", Room: room.Localpart(), Inviter: msg.From,
			From: msg.From, To: msg.To, Reason: msg.Direct.Reason, Password: msg.Direct.Password,
		})
	case body != "" && msg.Type != "error" && msg.Type != "headline":
		typ := msg.Type
		if typ == "" {
			typ = "normal"
		}
		ev := ChatEvent{Type: typ, ID: msg.ID, From: msg.From, To: msg.To, Body: body, Carbon: copyOf}
		s.publish(EventChat, ev)
		if copyOf == "" { // a carbon was seen on another device
			s.unseen(ev)
		}
	}
}

func (s *Session) onPresence(raw []byte) {
	var p inPresence
	if xml.Unmarshal(raw, &p) != nil {
		return
	}
	from, err := jid.Parse(p.From)
	if err != nil {
		return
	}
	s.publishRaw(raw)
	if s.onRoomPresence(from, p.Type, raw) {
		if p.Type == "" || p.Type == "unavailable" {
			ev := RoomPresenceEvent{Type: p.Type, From: p.From, To: p.To}
			if ev.Type == "" {
				ev.Type = "presence"
			}
			var x struct {
				Item *mucItem `xml:"http://jabber.org/protocol/muc#user x>item"`
			}
			if xml.Unmarshal(raw, &x) == nil && x.Item != nil {
				ev.Role, ev.Affiliation, ev.JID = x.Item.Role, x.Item.Affiliation, x.Item.JID
			}
			s.publish(EventMUC, ev)
		}
		return
	}
	ev := PresenceEvent{Type: p.Type, From: p.From, To: p.To, Show: p.Show, Status: first(p.Status)}
	switch p.Type {
	case "", "unavailable":
		bare, res := from.Bare().String(), from.Resourcepart()
		s.mu.Lock()
		if s.contacts != nil {
			if p.Type == "" {
				if s.contacts[bare] == nil {
					s.contacts[bare] = map[string]Presence{}
				}
				s.contacts[bare][res] = Presence{Available: true, Show: p.Show, Status: first(p.Status)}
			} else {
				delete(s.contacts[bare], res)
				if len(s.contacts[bare]) == 0 {
					delete(s.contacts, bare)
				}
			}
		}
		s.mu.Unlock()
		if from.Equal(s.user) || (from.Bare().Equal(s.user) && res == s.resource) {
			return // the session's own presence, reflected
		}
		if p.Type == "" {
			ev.Type = "presence"
		}
	case "subscribe", "unsubscribe":
		s.mu.Lock()
		if s.asking == nil {
			s.asking = map[string]bool{}
		}
		if p.Type == "subscribe" {
			s.asking[from.Bare().String()] = true
		} else {
			delete(s.asking, from.Bare().String())
		}
		s.mu.Unlock()
	case "subscribed", "unsubscribed":
	default:
		return
	}
	s.publish(EventPresence, ev)
}

// onIQ answers roster pushes (keeping the roster current) and pings; other
// requests get mellium's default service-unavailable.
func (s *Session) onIQ(t xmlstream.TokenReadEncoder, start *xml.StartElement, raw []byte) error {
	iq, err := stanza.NewIQ(*start)
	if err != nil || (iq.Type != stanza.SetIQ && iq.Type != stanza.GetIQ) {
		return nil
	}
	var v struct {
		Roster *rosterQuery `xml:"jabber:iq:roster query"`
		Ping   *struct{}    `xml:"urn:xmpp:ping ping"`
	}
	if xml.Unmarshal(raw, &v) != nil {
		return nil
	}
	switch {
	case v.Roster != nil && iq.Type == stanza.SetIQ:
		if !s.fromSelf(iq.From.String()) {
			return nil // a forged push
		}
		s.mu.Lock()
		for _, x := range v.Roster.Items {
			it, ok := x.item()
			if !ok {
				continue
			}
			if x.Subscription == "remove" {
				delete(s.roster, it.JID)
			} else if s.roster != nil {
				s.roster[it.JID] = it
			}
		}
		s.mu.Unlock()
	case v.Ping != nil && iq.Type == stanza.GetIQ:
	default:
		return nil
	}
	_, err = xmlstream.Copy(t, iq.Result(nil))
	return err
}

// unseen hands a chat message to the OnUnseenChat hooks when no event
// stream of the user is open.
func (s *Session) unseen(ev ChatEvent) {
	s.mu.Lock()
	open := s.streams > 0
	s.mu.Unlock()
	if open || s.m == nil {
		return
	}
	s.m.mu.Lock()
	hooks := s.m.onUnseen
	s.m.mu.Unlock()
	for _, f := range hooks {
		go f(s, ev)
	}
}
