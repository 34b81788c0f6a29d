package usersession

import (
	"bytes"
	"context"
	"encoding/xml"
	"sort"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
)

// RosterItem is an entry of the user's roster (RFC 6121).
type RosterItem struct {
	JID          string // bare
	Name         string
	Subscription string // none, to, from, both
	// Ask is true while a subscription request to the contact is pending.
	Ask    bool
	Groups []string
}

// Presence is what a contact's resource (or the user) announced.
type Presence struct {
	Available bool
	Show      string // "", away, chat, dnd, xa
	Status    string
}

// ContactPresence is a roster item with the contact's current presence
// (that of its most available resource).
type ContactPresence struct {
	RosterItem
	Presence
}

type rosterQuery struct {
	XMLName xml.Name        `xml:"jabber:iq:roster query"`
	Items   []rosterItemXML `xml:"item"`
}

type rosterItemXML struct {
	JID          string   `xml:"jid,attr"`
	Name         string   `xml:"name,attr,omitempty"`
	Subscription string   `xml:"subscription,attr,omitempty"`
	Ask          string   `xml:"ask,attr,omitempty"`
	Groups       []string `xml:"group"`
}

func (x rosterItemXML) item() (RosterItem, bool) {
	j, err := jid.Parse(x.JID)
	if err != nil {
		return RosterItem{}, false
	}
	sub := x.Subscription
	if sub == "" {
		sub = "none"
	}
	return RosterItem{JID: j.Bare().String(), Name: x.Name, Subscription: sub, Ask: x.Ask == "subscribe", Groups: x.Groups}, true
}

func rosterGet() xml.TokenReader { return encode(rosterQuery{}) }

// encode marshals v as a token stream to send.
func encode(v any) xml.TokenReader {
	b, err := xml.Marshal(v)
	if err != nil {
		panic("usersession: marshal " + err.Error()) // only types of this package are encoded
	}
	return xml.NewDecoder(bytes.NewReader(b))
}

type outPresence struct {
	XMLName xml.Name `xml:"presence"`
	ID      string   `xml:"id,attr,omitempty"`
	To      string   `xml:"to,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
	Show    string   `xml:"show,omitempty"`
	Status  string   `xml:"status,omitempty"`
}

func presenceStanza(to jid.JID, typ, show, status string) xml.TokenReader {
	return encode(outPresence{ID: newID(), To: to.String(), Type: typ, Show: show, Status: status})
}

type element struct{ XMLName xml.Name }

type outMessage struct {
	XMLName xml.Name `xml:"message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	Type    string   `xml:"type,attr"`
	Body    string   `xml:"body,omitempty"`
	State   *element
	NoStore *element
}

const chatStatesNS = "http://jabber.org/protocol/chatstates"

// ChatStates are the XEP-0085 chat states.
var ChatStates = []string{"active", "composing", "paused", "inactive", "gone"}

// SendMessage sends a chat message to to and returns its id.
func (s *Session) SendMessage(ctx context.Context, to jid.JID, body string) (string, error) {
	if strings.TrimSpace(body) == "" {
		return "", fault.New(fault.BadRequest, "the message is empty: send its text as the request body")
	}
	id := newID()
	m := outMessage{ID: id, To: to.String(), Type: "chat", Body: body,
		State: &element{XMLName: xml.Name{Space: chatStatesNS, Local: "active"}}}
	if err := s.send(ctx, encode(m)); err != nil {
		return "", err
	}
	return id, nil
}

// SendChatState sends a XEP-0085 chat state (one of ChatStates) to to.
func (s *Session) SendChatState(ctx context.Context, to jid.JID, state string) error {
	valid := false
	for _, st := range ChatStates {
		valid = valid || st == state
	}
	if !valid {
		return fault.New(fault.BadRequest, "%q is not a chat state: use one of %s", state, strings.Join(ChatStates, ", ")).About(state)
	}
	m := outMessage{ID: newID(), To: to.String(), Type: "chat",
		State:   &element{XMLName: xml.Name{Space: chatStatesNS, Local: state}},
		NoStore: &element{XMLName: xml.Name{Space: "urn:xmpp:hints", Local: "no-store"}}}
	return s.send(ctx, encode(m))
}

// Shows are the values of <show/>; "" is plainly available.
var Shows = []string{"", "away", "chat", "dnd", "xa"}

// SetPresence broadcasts the user's presence; it is sent again after a
// reconnect.
func (s *Session) SetPresence(ctx context.Context, show, status string) error {
	valid := false
	for _, v := range Shows {
		valid = valid || v == show
	}
	if !valid {
		return fault.New(fault.BadRequest, "%q is not a presence show value: use away, chat, dnd, xa, or leave it empty", show).About(show)
	}
	if err := s.send(ctx, presenceStanza(jid.JID{}, "", show, status)); err != nil {
		return err
	}
	s.mu.Lock()
	s.own = Presence{Available: true, Show: show, Status: status}
	s.mu.Unlock()
	return nil
}

// Roster returns the user's roster with each contact's presence, sorted by
// JID.
func (s *Session) Roster() []ContactPresence {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ContactPresence, 0, len(s.roster))
	for _, it := range s.roster {
		out = append(out, ContactPresence{RosterItem: it, Presence: s.bestPresence(it.JID)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JID < out[j].JID })
	return out
}

// RosterItem returns one item of the roster.
func (s *Session) RosterItem(contact jid.JID) (RosterItem, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.roster[contact.Bare().String()]
	return it, ok
}

// bestPresence returns the most available presence of a contact; s.mu must
// be held.
func (s *Session) bestPresence(bare string) Presence {
	rank := map[string]int{"chat": 5, "": 4, "away": 3, "xa": 2, "dnd": 1}
	var best Presence
	for _, p := range s.contacts[bare] {
		if !best.Available || rank[p.Show] > rank[best.Show] {
			best = p
		}
	}
	return best
}

// ContactPresence returns the current presence of target: the user's own,
// or a contact's, as the server sent it to the session (it probes every
// contact the user is subscribed to at sign-in, and pushes every change).
// It fails for a target whose presence the user is not subscribed to.
func (s *Session) ContactPresence(target jid.JID) (Presence, error) {
	bare := target.Bare()
	s.mu.Lock()
	defer s.mu.Unlock()
	if bare.Equal(s.user) {
		return s.own, nil
	}
	it, ok := s.roster[bare.String()]
	if !ok || (it.Subscription != "to" && it.Subscription != "both") {
		return Presence{}, fault.New(fault.BadRequest, "%s has not allowed %s to see their presence: add them to the roster and wait until they accept", bare, s.user).About(bare.String())
	}
	return s.bestPresence(bare.String()), nil
}

// SetRosterItem adds or updates a roster item (jabber:iq:roster set).
func (s *Session) SetRosterItem(ctx context.Context, it RosterItem) error {
	groups := it.Groups
	if groups == nil {
		groups = []string{}
	}
	q := rosterQuery{Items: []rosterItemXML{{JID: it.JID, Name: it.Name, Groups: groups}}}
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ}, encode(q), nil); err != nil {
		return err
	}
	// The server's push may come after its answer: the roster is current
	// as soon as this returns.
	s.mu.Lock()
	if s.roster != nil {
		cur, ok := s.roster[it.JID]
		if !ok {
			cur = RosterItem{JID: it.JID, Subscription: "none"}
		}
		cur.Name, cur.Groups = it.Name, it.Groups
		s.roster[it.JID] = cur
	}
	s.mu.Unlock()
	return nil
}

// Asking reports whether contact asked to see the user's presence and
// waits for an answer.
func (s *Session) Asking(contact jid.JID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asking[contact.Bare().String()]
}

// RemoveRosterItem removes a contact from the roster (which also cancels
// the subscriptions both ways).
func (s *Session) RemoveRosterItem(ctx context.Context, contact jid.JID) error {
	q := rosterQuery{Items: []rosterItemXML{{JID: contact.Bare().String(), Subscription: "remove"}}}
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ}, encode(q), nil); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.roster, contact.Bare().String())
	s.mu.Unlock()
	return nil
}

// SendSubscription sends a subscription presence (subscribe, subscribed,
// unsubscribe, unsubscribed) to contact.
func (s *Session) SendSubscription(ctx context.Context, contact jid.JID, typ string) error {
	switch typ {
	case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
	default:
		return fault.New(fault.BadRequest, "%q is not a subscription request", typ)
	}
	if err := s.send(ctx, presenceStanza(contact.Bare(), typ, "", "")); err != nil {
		return err
	}
	if typ == "subscribed" || typ == "unsubscribed" {
		s.mu.Lock()
		delete(s.asking, contact.Bare().String())
		s.mu.Unlock()
	}
	return nil
}

// ArchiveQuery selects messages of the user's archive (XEP-0313).
type ArchiveQuery struct {
	// Room, when set, reads that chat room's archive instead of the
	// user's own.
	Room       jid.JID
	With       jid.JID   // a conversation partner; zero: all
	Start, End time.Time // zero: unbounded
	// Max caps the number of messages; 0 means DefaultArchiveMax.
	Max int
}

// DefaultArchiveMax is the most messages an archive query returns by
// default.
const DefaultArchiveMax = 1000

// archivePage is how many messages are asked for per round trip.
const archivePage = 100

// ArchivedMessage is a message from the user's archive.
type ArchivedMessage struct {
	ArchiveID string
	ID        string
	From, To  string
	Type      string
	Body      string
	Subject   string
	Stamp     time.Time
}

type archiveQuery struct {
	// from is the archive asked (a room), zero for the user's own.
	from jid.JID
	mu   sync.Mutex
	msgs []ArchivedMessage
	err  error
}

func (q *archiveQuery) fail(err error) {
	q.mu.Lock()
	q.err = err
	q.mu.Unlock()
}

// archiveResult records one result of a running query (called by the
// handler), when it comes from the archive the query asked.
func (s *Session) archiveResult(from string, r *mamResult) {
	s.mu.Lock()
	q := s.archive[r.QueryID]
	s.mu.Unlock()
	m := r.Forwarded.Message
	if q == nil || m == nil {
		return
	}
	if q.from.String() == "" {
		if !s.fromSelf(from) {
			return
		}
	} else if f, err := jid.Parse(from); err != nil || !f.Bare().Equal(q.from) {
		return
	}
	am := ArchivedMessage{ArchiveID: r.ID, ID: m.ID, From: m.From, To: m.To, Type: m.Type, Body: first(m.Body), Subject: first(m.Subject)}
	if r.Forwarded.Delay != nil {
		am.Stamp, _ = time.Parse(time.RFC3339Nano, r.Forwarded.Delay.Stamp)
	}
	q.mu.Lock()
	q.msgs = append(q.msgs, am)
	q.mu.Unlock()
}

type formField struct {
	Var   string `xml:"var,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Value string `xml:"value"`
}

type mamQueryXML struct {
	XMLName xml.Name `xml:"urn:xmpp:mam:2 query"`
	QueryID string   `xml:"queryid,attr"`
	Form    struct {
		Type   string      `xml:"type,attr"`
		Fields []formField `xml:"field"`
	} `xml:"jabber:x:data x"`
	Set struct {
		Max   int    `xml:"max"`
		After string `xml:"after,omitempty"`
	} `xml:"http://jabber.org/protocol/rsm set"`
}

type mamFin struct {
	Complete string `xml:"complete,attr"`
	Set      struct {
		Last string `xml:"last"`
	} `xml:"http://jabber.org/protocol/rsm set"`
}

// Archive returns messages of the user's server-side archive, oldest
// first.
func (s *Session) Archive(ctx context.Context, q ArchiveQuery) ([]ArchivedMessage, error) {
	max := q.Max
	if max <= 0 {
		max = DefaultArchiveMax
	}
	fields := []formField{{Var: "FORM_TYPE", Type: "hidden", Value: "urn:xmpp:mam:2"}}
	if q.With.String() != "" {
		fields = append(fields, formField{Var: "with", Value: q.With.String()})
	}
	if !q.Start.IsZero() {
		fields = append(fields, formField{Var: "start", Value: q.Start.UTC().Format(time.RFC3339)})
	}
	if !q.End.IsZero() {
		fields = append(fields, formField{Var: "end", Value: q.End.UTC().Format(time.RFC3339)})
	}
	var out []ArchivedMessage
	after := ""
	for len(out) < max {
		col := &archiveQuery{from: q.Room.Bare()}
		qid := newID()
		s.mu.Lock()
		if s.archive == nil {
			s.archive = map[string]*archiveQuery{}
		}
		s.archive[qid] = col
		s.mu.Unlock()
		var x mamQueryXML
		x.QueryID = qid
		x.Form.Type = "submit"
		x.Form.Fields = fields
		x.Set.Max = min(archivePage, max-len(out))
		x.Set.After = after
		var fin mamFin
		err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.SetIQ, To: q.Room.Bare()}, encode(x), &fin)
		s.mu.Lock()
		delete(s.archive, qid)
		s.mu.Unlock()
		col.mu.Lock()
		msgs, cerr := col.msgs, col.err
		col.mu.Unlock()
		if err == nil {
			err = cerr
		}
		if err != nil {
			if fault.Is(err, fault.NotSupported) {
				if q.Room.String() != "" {
					return nil, fault.Wrap(fault.NotSupported, err, "the chat service keeps no archive of %s (XEP-0313)", q.Room.Bare())
				}
				return nil, fault.Wrap(fault.NotSupported, err, "the XMPP server keeps no message archive for %s (XEP-0313)", s.user)
			}
			return nil, err
		}
		out = append(out, msgs...)
		if fin.Complete == "true" || len(msgs) == 0 || fin.Set.Last == "" {
			break
		}
		after = fin.Set.Last
	}
	return out, nil
}
