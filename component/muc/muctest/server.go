// Package muctest is an in-memory XEP-0045 chat service for unit tests: it
// answers what a muc.Client sends (disco#info and #items, joining and
// leaving rooms, subjects, invitations, the muc#owner configuration form and
// destroy, muc#admin affiliation and role lists, Prosody's destroy command)
// the way Prosody 0.12 does, as measured in the integration tests of
// package muc. Refusals chosen by the test (Refuse) make any step fail.
//
// Behaviour modelled on Prosody 0.12:
//   - joining a missing room creates it (status 201) with its creator's
//     bare JID as owner; a room that asks for a password asks owners too;
//   - a muc#admin set applies only its first item, and a change of the
//     component's own affiliation is refused (not-acceptable: it is a
//     server admin); the component may remove a room's last other owner;
//   - the owner form has Prosody's fields; a submission's unknown fields are
//     ignored, and a presence-broadcast field without values is never
//     answered (Prosody's handler fails on it);
//   - a temporary room is destroyed as its last occupant leaves (an empty
//     room made temporary stays until then);
//   - destroying a persistent room leaves a tombstone (every request to the
//     room answers gone; the component, a server admin, may create the
//     name again) until the destroy command (muc.NodeProsodyDestroy)
//     removes it;
//   - a subject is taken only from an occupant, and passed on to every
//     occupant.
package muctest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/component/muc"
)

// Op names a kind of request the chat service answers, for Refuse.
type Op string

// The requests.
const (
	OpInfo           Op = "info"            // disco#info of a room
	OpConfigGet      Op = "config-get"      // muc#owner form get
	OpConfigure      Op = "configure"       // muc#owner form submission
	OpDestroy        Op = "destroy"         // muc#owner destroy
	OpAffiliations   Op = "affiliations"    // muc#admin affiliation list get
	OpSetAffiliation Op = "set-affiliation" // muc#admin affiliation change
	OpJoin           Op = "join"            // presence to room/nick
	OpSubject        Op = "subject"         // groupchat message with a subject
)

// Refusal makes the service refuse matching requests.
type Refusal struct {
	Op Op
	// Room is the room's bare JID; "" matches any room.
	Room string
	// JID and Affiliation narrow OpSetAffiliation to the change of one bare
	// JID and to one affiliation asked for; "" matches any.
	JID         string
	Affiliation muc.Affiliation
	// After lets that many matching requests through before refusing.
	After int
	// Times is how many are refused; 0 means all the following ones.
	Times int
	// Condition (not-allowed when empty) and Text make the error answered.
	// Unanswered leaves the request without an answer instead (it times
	// out).
	Condition  stanza.Condition
	Text       string
	Unanswered bool

	seen, refused int
}

// Room is what a room holds, as a test reads or seeds it.
type Room struct {
	// Config holds the values of the owner form's fields, by var.
	Config map[string][]string
	// Affiliations maps bare JIDs to their affiliation.
	Affiliations map[string]muc.Affiliation
	Subject      string
	// Occupants are the nicknames of those in the room.
	Occupants []string
}

// Persistent reports whether the room is configured persistent.
func (r Room) Persistent() bool { return boolean(r.Config[fieldPersistent]) }

type occupant struct {
	full string // the occupant's real full JID
	role string
}

type room struct {
	config    map[string][]string
	affs      map[string]muc.Affiliation
	subject   string
	occupants map[string]occupant // by nick
}

type listener struct {
	match func(component.Inbound) bool
	c     chan component.Inbound
}

// Server is the chat service, seen from the component: it implements
// muc.Link and muc.Commands. It is safe for concurrent use.
type Server struct {
	component, service jid.JID
	timeout            time.Duration

	mu         sync.Mutex
	rooms      map[string]*room // by bare JID
	tombstones map[string]bool
	listeners  map[*listener]struct{}
	refusals   []*Refusal
	changes    []string
	requests   []string
}

var (
	_ muc.Link     = (*Server)(nil)
	_ muc.Commands = (*Server)(nil)
)

// New returns a chat service at service (conference.example.org) seen by
// the component whose JID is component (rest.example.org).
func New(component, service jid.JID) *Server {
	return &Server{component: component, service: service, timeout: 2 * time.Second,
		rooms: map[string]*room{}, tombstones: map[string]bool{}, listeners: map[*listener]struct{}{}}
}

// Refuse makes the service refuse the requests r matches, from now on.
func (s *Server) Refuse(r Refusal) {
	if r.Condition == "" {
		r.Condition = stanza.NotAllowed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals = append(s.refusals, &r)
}

// AddRoom makes a persistent room with the default configuration changed
// by config, and the affiliations given.
func (s *Server) AddRoom(name string, config map[string][]string, affs map[string]muc.Affiliation) jid.JID {
	j := s.roomJID(name)
	r := newRoom()
	r.config[fieldPersistent] = []string{"1"}
	maps.Copy(r.config, config)
	maps.Copy(r.affs, affs)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rooms[j.String()] = r
	return j
}

// Room returns a copy of what a room holds (name is its localpart).
func (s *Server) Room(name string) (Room, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[s.roomJID(name).String()]
	if !ok {
		return Room{}, false
	}
	out := Room{Config: map[string][]string{}, Affiliations: maps.Clone(r.affs), Subject: r.subject,
		Occupants: slices.Sorted(maps.Keys(r.occupants))}
	for k, v := range r.config {
		out.Config[k] = slices.Clone(v)
	}
	return out, true
}

// Tombstone reports whether a destroyed room's tombstone holds the name.
func (s *Server) Tombstone(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tombstones[s.roomJID(name).String()]
}

// Changes lists the changes made, in order: "create ROOM", "configure ROOM
// var=value ...", "affiliation ROOM JID AFFILIATION", "subject ROOM TEXT",
// "destroy ROOM", "invite ROOM JID".
func (s *Server) Changes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.changes)
}

// Requests lists the requests to rooms received, answered or refused, in
// order: "OP ROOM", and for OpSetAffiliation "OP ROOM JID AFFILIATION".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Sent reports whether any request of op was received.
func (s *Server) Sent(op Op) bool {
	return slices.ContainsFunc(s.Requests(), func(r string) bool { return strings.HasPrefix(r, string(op)+" ") })
}

func (s *Server) roomJID(name string) jid.JID {
	if strings.Contains(name, "@") {
		return jid.MustParse(name).Bare()
	}
	j, err := jid.New(strings.ToLower(name), s.service.Domainpart(), "")
	if err != nil {
		panic(err)
	}
	return j
}

// refusal returns the refusal that applies to a request, if any. The
// caller holds s.mu.
func (s *Server) refusal(op Op, room jid.JID, who string, aff muc.Affiliation) *Refusal {
	for _, r := range s.refusals {
		if r.Op != op || (r.Room != "" && r.Room != room.String()) || (r.JID != "" && r.JID != who) ||
			(r.Affiliation != "" && r.Affiliation != aff) {
			continue
		}
		r.seen++
		if r.seen <= r.After || (r.Times > 0 && r.refused >= r.Times) {
			continue
		}
		r.refused++
		return r
	}
	return nil
}

// Link.

// Domain is the component's JID.
func (s *Server) Domain() jid.JID { return s.component }

// Timeout bounds the wait for a request the service leaves unanswered.
func (s *Server) Timeout() time.Duration { return s.timeout }

// Listen delivers what the service sends the component.
func (s *Server) Listen(match func(component.Inbound) bool, buf int) (<-chan component.Inbound, func()) {
	l := &listener{match: match, c: make(chan component.Inbound, buf)}
	s.mu.Lock()
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	return l.c, func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}
}

// deliver hands a stanza from the service to the listeners that match it
// (dropped where a listener is full, as the link does). The caller holds
// s.mu.
func (s *Server) deliver(name, from, to, typ, id, children string) {
	var b strings.Builder
	fmt.Fprintf(&b, "<%s xmlns='jabber:component:accept' from='%s' to='%s'", name, esc(from), esc(to))
	if typ != "" {
		fmt.Fprintf(&b, " type='%s'", typ)
	}
	if id != "" {
		fmt.Fprintf(&b, " id='%s'", esc(id))
	}
	fmt.Fprintf(&b, ">%s</%s>", children, name)
	in := component.Inbound{Name: name, From: from, To: to, Type: typ, ID: id, Raw: []byte(b.String())}
	for l := range s.listeners {
		if l.match(in) {
			select {
			case l.c <- in:
			default:
			}
		}
	}
}

// request is any payload the client sends, decoded by what it carries.
type request struct {
	XMLName   xml.Name
	Node      string `xml:"node,attr"`
	SessionID string `xml:"sessionid,attr"`
	Action    string `xml:"action,attr"`
	Items     []struct {
		JID         string `xml:"jid,attr"`
		Affiliation string `xml:"affiliation,attr"`
		Role        string `xml:"role,attr"`
	} `xml:"item"`
	Form    *adhoc.Form `xml:"jabber:x:data x"`
	Destroy *struct{}   `xml:"destroy"`
}

func encode(payload any) ([]byte, error) {
	switch p := payload.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(p), nil
	case []byte:
		return p, nil
	}
	return xml.Marshal(payload)
}

// errorStanza is a stanza error, answered instead of a result.
type errorStanza struct {
	cond stanza.Condition
	text string
}

func refused(cond stanza.Condition, format string, args ...any) *errorStanza {
	return &errorStanza{cond: cond, text: fmt.Sprintf(format, args...)}
}

func (e *errorStanza) xml() string {
	typ := stanza.Cancel
	switch e.cond {
	case stanza.NotAcceptable, stanza.BadRequest, stanza.JIDMalformed:
		typ = stanza.Modify
	case stanza.Forbidden, stanza.NotAuthorized, stanza.RegistrationRequired:
		typ = stanza.Auth
	case stanza.InternalServerError:
		typ = stanza.Wait
	}
	se := stanza.Error{Type: typ, Condition: e.cond}
	if e.text != "" {
		se.Text = map[string]string{"en": e.text}
	}
	b, err := xml.Marshal(se)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// unanswered waits as a request nobody answers does, and fails as the link
// does then.
func (s *Server) unanswered(ctx context.Context, what string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	<-ctx.Done()
	return fault.Wrap(fault.Timeout, ctx.Err(), "the XMPP server did not answer the %s in time", what)
}

// Do answers an IQ.
func (s *Server) Do(ctx context.Context, iq component.IQ, result any) error {
	body, err := encode(iq.Payload)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode IQ payload")
	}
	var req request
	if err := xml.Unmarshal(body, &req); err != nil {
		return fault.Wrap(fault.Internal, err, "decode IQ payload")
	}
	from := iq.From
	if from.String() == "" {
		from = s.component
	}
	s.mu.Lock()
	reply, e, hang := s.answer(iq.Type, from, iq.To, req)
	s.mu.Unlock()
	if hang {
		return s.unanswered(ctx, "IQ to "+iq.To.String())
	}
	var b strings.Builder
	if e != nil {
		b.WriteString("<iq type='error'>" + e.xml() + "</iq>")
	} else {
		b.WriteString("<iq type='result'>" + reply + "</iq>")
	}
	return component.DecodeReply(xml.NewDecoder(strings.NewReader(b.String())), result)
}

// answer answers an IQ: the reply's payload, or an error, or hang when the
// request is left unanswered. The caller holds s.mu.
func (s *Server) answer(typ stanza.IQType, from, to jid.JID, req request) (reply string, e *errorStanza, hang bool) {
	ns := req.XMLName.Space
	if to.Equal(s.service) {
		return s.answerService(typ, req)
	}
	if to.Domainpart() != s.service.Domainpart() || to.Localpart() == "" {
		return "", refused(stanza.ItemNotFound, ""), false
	}
	if ns == muc.NSAdmin && len(req.Items) == 0 {
		return "", refused(stanza.BadRequest, ""), false
	}
	room := to.Bare()
	op := Op("")
	var who string
	var aff muc.Affiliation
	switch {
	case ns == component.NSDiscoInfo:
		op = OpInfo
	case ns == muc.NSOwner && typ == stanza.GetIQ:
		op = OpConfigGet
	case ns == muc.NSOwner && req.Destroy != nil:
		op = OpDestroy
	case ns == muc.NSOwner:
		op = OpConfigure
	case ns == muc.NSAdmin && len(req.Items) > 0 && req.Items[0].Role != "":
		// Role lists are read, never refused by a test.
	case ns == muc.NSAdmin && typ == stanza.GetIQ:
		op = OpAffiliations
	case ns == muc.NSAdmin && len(req.Items) > 0:
		op = OpSetAffiliation
		who, aff = bareJID(req.Items[0].JID), muc.Affiliation(req.Items[0].Affiliation)
	default:
		return "", refused(stanza.FeatureNotImplemented, ""), false
	}
	if op != "" {
		s.requests = append(s.requests, strings.TrimSpace(fmt.Sprintf("%s %s %s %s", op, room, who, aff)))
		if r := s.refusal(op, room, who, aff); r != nil {
			return "", &errorStanza{cond: r.Condition, text: r.Text}, r.Unanswered
		}
	}
	if s.tombstones[room.String()] {
		return "", refused(stanza.Gone, "This room has been destroyed"), false
	}
	r, ok := s.rooms[room.String()]
	if !ok {
		return "", refused(stanza.ItemNotFound, "Chat room does not exist"), false
	}
	switch {
	case op == OpInfo:
		return r.discoInfo(room), nil, false
	case op == OpConfigGet:
		return r.ownerForm(room), nil, false
	case op == OpDestroy:
		s.destroy(room, r)
		return "", nil, false
	case op == OpConfigure:
		return s.configure(room, r, req.Form)
	case op == OpAffiliations:
		return r.affiliationList(muc.Affiliation(req.Items[0].Affiliation)), nil, false
	case op == OpSetAffiliation:
		return "", s.setAffiliation(room, r, who, aff), false
	}
	return r.roleList(req.Items[0].Role), nil, false
}

// answerService answers the IQs to the service itself.
func (s *Server) answerService(typ stanza.IQType, req request) (string, *errorStanza, bool) {
	switch req.XMLName.Space {
	case component.NSDiscoInfo:
		return `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='Chatrooms'/>` +
			`<feature var='http://jabber.org/protocol/muc'/></query>`, nil, false
	case component.NSDiscoItems:
		var b strings.Builder
		b.WriteString(`<query xmlns='http://jabber.org/protocol/disco#items'>`)
		for _, j := range slices.Sorted(maps.Keys(s.rooms)) {
			if r := s.rooms[j]; boolean(r.config[fieldPublic]) {
				fmt.Fprintf(&b, `<item jid='%s' name='%s'/>`, esc(j), esc(r.title(jid.MustParse(j))))
			}
		}
		return b.String() + `</query>`, nil, false
	case component.NSCommands:
		if req.Node != muc.NodeProsodyDestroy || typ != stanza.SetIQ {
			return "", refused(stanza.ItemNotFound, ""), false
		}
		if req.Action == "cancel" {
			return fmt.Sprintf(`<command xmlns='%s' node='%s' sessionid='%s' status='canceled'/>`, component.NSCommands, req.Node, esc(req.SessionID)), nil, false
		}
		var opts strings.Builder
		for _, j := range slices.Sorted(maps.Keys(s.rooms)) {
			fmt.Fprintf(&opts, `<option><value>%s</value></option>`, esc(j))
		}
		return fmt.Sprintf(`<command xmlns='%s' node='%s' sessionid='destroy-1' status='executing'><x xmlns='jabber:x:data' type='form'>`+
			`<field var='rooms' type='list-multi'>%s</field></x></command>`, component.NSCommands, req.Node, opts.String()), nil, false
	}
	return "", refused(stanza.ServiceUnavailable, ""), false
}

// configure applies a submission of the owner form.
func (s *Server) configure(room jid.JID, r *room, form *adhoc.Form) (string, *errorStanza, bool) {
	if form == nil || form.Type != "submit" || form.FormType() != muc.NSRoomConfig {
		return "", refused(stanza.BadRequest, "Invalid form"), false
	}
	if f, ok := form.Field(fieldPresenceBroadcast); ok && len(f.Values) == 0 {
		return "", nil, true
	}
	var set []string
	for _, f := range form.Fields {
		if _, known := r.config[f.Var]; !known || f.Var == "FORM_TYPE" {
			continue
		}
		r.config[f.Var] = slices.Clone(f.Values)
		set = append(set, f.Var+"="+strings.Join(f.Values, ","))
	}
	// An empty room made temporary stays until an occupant leaves it.
	s.changes = append(s.changes, "configure "+room.String()+" "+strings.Join(set, " "))
	return "", nil, false
}

// setAffiliation applies the first item of a muc#admin set.
func (s *Server) setAffiliation(room jid.JID, r *room, who string, aff muc.Affiliation) *errorStanza {
	if who == "" || !aff.Valid() {
		return refused(stanza.BadRequest, "")
	}
	if who == s.component.String() && aff != r.affs[who] {
		return refused(stanza.NotAcceptable, "")
	}
	if aff == muc.None {
		delete(r.affs, who)
	} else {
		r.affs[who] = aff
	}
	s.changes = append(s.changes, "affiliation "+room.String()+" "+who+" "+string(aff))
	return nil
}

// destroy removes a room; a persistent one leaves its tombstone.
func (s *Server) destroy(room jid.JID, r *room) {
	for nick, o := range r.occupants {
		s.deliver("presence", room.String()+"/"+nick, o.full, "unavailable", "",
			`<x xmlns='`+muc.NSUser+`'><item affiliation='none' role='none'/><destroy/></x>`)
	}
	delete(s.rooms, room.String())
	if boolean(r.config[fieldPersistent]) {
		s.tombstones[room.String()] = true
	}
	s.changes = append(s.changes, "destroy "+room.String())
}

// Send takes a presence or message from the component.
func (s *Server) Send(ctx context.Context, st component.Stanza) error {
	body, err := encode(st.Payload)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode %s payload", st.Name)
	}
	from := st.From
	if from.String() == "" {
		from = s.component
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.To.Domainpart() != s.service.Domainpart() || st.To.Localpart() == "" {
		return nil // not for this service: lost
	}
	switch st.Name {
	case "presence":
		s.presence(from, st.To, st.Type, body)
	case "message":
		s.message(from, st.To.Bare(), st.Type, st.ID, body)
	default:
		return fault.New(fault.Internal, "component.Send: %q is not a message or presence", st.Name)
	}
	return nil
}

func (s *Server) presence(from, to jid.JID, typ string, body []byte) {
	room, nick := to.Bare(), to.Resourcepart()
	key := room.String()
	r := s.rooms[key]
	if typ == "unavailable" {
		if r == nil || r.occupants[nick].full != from.String() {
			return
		}
		delete(r.occupants, nick)
		s.deliver("presence", to.String(), from.String(), "unavailable", "",
			`<x xmlns='`+muc.NSUser+`'><item affiliation='`+string(r.affiliation(from))+`' role='none'/><status code='110'/></x>`)
		if len(r.occupants) == 0 && !boolean(r.config[fieldPersistent]) {
			delete(s.rooms, key)
		}
		return
	}
	if typ != "" || nick == "" {
		return
	}
	fail := func(cond stanza.Condition, text string) {
		s.deliver("presence", to.String(), from.String(), "error", "", refused(cond, "%s", text).xml())
	}
	s.requests = append(s.requests, string(OpJoin)+" "+key)
	if rf := s.refusal(OpJoin, room, "", ""); rf != nil {
		if !rf.Unanswered {
			fail(rf.Condition, rf.Text)
		}
		return
	}
	var x struct {
		Password string `xml:"password"`
	}
	xml.Unmarshal(body, &x)
	created := r == nil
	if created {
		// The component is a server admin: it may take a tombstone's name.
		delete(s.tombstones, key)
		r = newRoom()
		r.affs[from.Bare().String()] = muc.Owner
		s.rooms[key] = r
		s.changes = append(s.changes, "create "+key)
	} else {
		if _, taken := r.occupants[nick]; taken {
			fail(stanza.Conflict, "Nickname already in use")
			return
		}
		if secret := strings.Join(r.config[fieldRoomSecret], ""); secret != "" && x.Password != secret {
			fail(stanza.NotAuthorized, "")
			return
		}
	}
	aff := r.affiliation(from)
	role := "participant"
	if aff == muc.Owner || aff == muc.Admin {
		role = "moderator"
	}
	for _, n := range slices.Sorted(maps.Keys(r.occupants)) {
		o := r.occupants[n]
		s.deliver("presence", key+"/"+n, from.String(), "", "", fmt.Sprintf(`<x xmlns='%s'><item jid='%s' affiliation='%s' role='%s'/></x>`,
			muc.NSUser, esc(o.full), r.affiliation(jid.MustParse(o.full)), o.role))
	}
	r.occupants[nick] = occupant{full: from.String(), role: role}
	status := `<status code='110'/>`
	if created {
		status = `<status code='201'/>` + status
	}
	s.deliver("presence", to.String(), from.String(), "", "", fmt.Sprintf(`<x xmlns='%s'><item jid='%s' affiliation='%s' role='%s'/>%s</x>`,
		muc.NSUser, esc(from.String()), aff, role, status))
}

func (s *Server) message(from, room jid.JID, typ, id string, body []byte) {
	var m struct {
		Subject *string `xml:"subject"`
		X       *struct {
			Invite *struct {
				To string `xml:"to,attr"`
			} `xml:"invite"`
		} `xml:"http://jabber.org/protocol/muc#user x"`
	}
	xml.Unmarshal(append(append([]byte("<m>"), body...), "</m>"...), &m)
	r := s.rooms[room.String()]
	fail := func(cond stanza.Condition, text string) {
		s.deliver("message", room.String(), from.String(), "error", id, refused(cond, "%s", text).xml())
	}
	switch {
	case r == nil:
		fail(stanza.ItemNotFound, "")
	case m.X != nil && m.X.Invite != nil:
		s.changes = append(s.changes, "invite "+room.String()+" "+m.X.Invite.To)
	case typ == "groupchat" && m.Subject != nil:
		nick := r.nickOf(from.String())
		if nick == "" {
			fail(stanza.NotAcceptable, "You are not currently connected to this chat")
			return
		}
		s.requests = append(s.requests, string(OpSubject)+" "+room.String())
		if rf := s.refusal(OpSubject, room, "", ""); rf != nil {
			if !rf.Unanswered {
				fail(rf.Condition, rf.Text)
			}
			return
		}
		r.subject = *m.Subject
		s.changes = append(s.changes, "subject "+room.String()+" "+r.subject)
		for _, o := range r.occupants {
			s.deliver("message", room.String()+"/"+nick, o.full, "groupchat", id, "<subject>"+esc(r.subject)+"</subject>")
		}
	}
}

// Commands.

// Execute runs Prosody's destroy command (muc.NodeProsodyDestroy), which
// destroys rooms and removes tombstones; other commands are not offered.
func (s *Server) Execute(_ context.Context, req adhoc.Request) (*adhoc.Command, error) {
	if !req.Host.Equal(s.service) || req.Node != muc.NodeProsodyDestroy {
		return nil, fault.New(fault.NotSupported, "the service does not offer the command %s", req.Node)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range req.Args {
		if !slices.Contains(a.Names, "rooms") {
			continue
		}
		for _, v := range a.Values {
			j := s.roomJID(v).String()
			if r, ok := s.rooms[j]; ok {
				s.destroy(jid.MustParse(j), r)
			}
			delete(s.tombstones, j)
		}
	}
	return &adhoc.Command{Node: req.Node, Status: "completed"}, nil
}

// Rooms.

// The owner form's fields, as Prosody 0.12 has them (recorded in
// component/muc/testdata), with the values of a new room.
const (
	fieldPersistent        = "muc#roomconfig_persistentroom"
	fieldPublic            = "muc#roomconfig_publicroom"
	fieldRoomName          = "muc#roomconfig_roomname"
	fieldRoomDesc          = "muc#roomconfig_roomdesc"
	fieldRoomSecret        = "muc#roomconfig_roomsecret"
	fieldMembersOnly       = "muc#roomconfig_membersonly"
	fieldModerated         = "muc#roomconfig_moderatedroom"
	fieldWhois             = "muc#roomconfig_whois"
	fieldPresenceBroadcast = "muc#roomconfig_presencebroadcast"
)

var ownerFields = []adhoc.Field{
	{Var: fieldRoomName, Type: "text-single", Label: "Title"},
	{Var: fieldRoomDesc, Type: "text-single", Label: "Description"},
	{Var: "muc#roomconfig_lang", Type: "text-single", Values: []string{"en"}},
	{Var: fieldPersistent, Type: "boolean", Values: []string{"0"}},
	{Var: fieldPublic, Type: "boolean", Values: []string{"1"}},
	{Var: fieldRoomSecret, Type: "text-private"},
	{Var: fieldMembersOnly, Type: "boolean", Values: []string{"0"}},
	{Var: "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites", Type: "boolean", Values: []string{"0"}},
	{Var: "muc#roomconfig_changesubject", Type: "boolean", Values: []string{"0"}},
	{Var: fieldModerated, Type: "boolean", Values: []string{"0"}},
	{Var: fieldWhois, Type: "list-single", Values: []string{"moderators"},
		Options: []adhoc.Option{{Value: "moderators"}, {Value: "anyone"}}},
	{Var: "muc#roomconfig_historylength", Type: "text-single", Values: []string{"20"}},
	{Var: fieldPresenceBroadcast, Type: "list-multi", Values: []string{"moderator", "participant", "visitor"},
		Options: []adhoc.Option{{Value: "none"}, {Value: "visitor"}, {Value: "participant"}, {Value: "moderator"}}},
	{Var: "muc#roomconfig_enablearchiving", Type: "boolean", Values: []string{"0"}},
}

func newRoom() *room {
	r := &room{config: map[string][]string{}, affs: map[string]muc.Affiliation{}, occupants: map[string]occupant{}}
	for _, f := range ownerFields {
		r.config[f.Var] = slices.Clone(f.Values)
	}
	return r
}

func (r *room) title(j jid.JID) string {
	if t := strings.Join(r.config[fieldRoomName], ""); t != "" {
		return t
	}
	return j.Localpart()
}

// affiliation is the affiliation of a (full or bare) JID.
func (r *room) affiliation(j jid.JID) muc.Affiliation {
	if a, ok := r.affs[j.Bare().String()]; ok {
		return a
	}
	return muc.None
}

func (r *room) nickOf(full string) string {
	for n, o := range r.occupants {
		if o.full == full {
			return n
		}
	}
	return ""
}

func (r *room) ownerForm(j jid.JID) string {
	form := adhoc.Form{Type: "form", Title: "Configuration for " + j.String(),
		Fields: []adhoc.Field{{Var: "FORM_TYPE", Type: "hidden", Values: []string{muc.NSRoomConfig}}}}
	for _, f := range ownerFields {
		f.Values = slices.Clone(r.config[f.Var])
		form.Fields = append(form.Fields, f)
	}
	b, err := xml.Marshal(form)
	if err != nil {
		panic(err)
	}
	return "<query xmlns='" + muc.NSOwner + "'>" + string(b) + "</query>"
}

func (r *room) discoInfo(j jid.JID) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<query xmlns='%s'><identity category='conference' type='text' name='%s'/>`, component.NSDiscoInfo, esc(r.title(j)))
	features := []string{muc.NSMUC, muc.NSRegister,
		pick(r.config[fieldPersistent], "muc_persistent", "muc_temporary"),
		pick(r.config[fieldPublic], "muc_public", "muc_hidden"),
		pick(r.config[fieldMembersOnly], "muc_membersonly", "muc_open"),
		pick(r.config[fieldModerated], "muc_moderated", "muc_unmoderated"),
	}
	if strings.Join(r.config[fieldRoomSecret], "") != "" {
		features = append(features, "muc_passwordprotected")
	} else {
		features = append(features, "muc_unsecured")
	}
	if strings.Join(r.config[fieldWhois], "") == "anyone" {
		features = append(features, "muc_nonanonymous")
	} else {
		features = append(features, "muc_semianonymous")
	}
	for _, f := range features {
		fmt.Fprintf(&b, `<feature var='%s'/>`, f)
	}
	fmt.Fprintf(&b, `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>%s</value></field>`+
		`<field var='muc#roominfo_description'><value>%s</value></field>`+
		`<field var='muc#roominfo_occupants'><value>%d</value></field></x></query>`,
		muc.NSRoomInfo, esc(strings.Join(r.config[fieldRoomDesc], "")), len(r.occupants))
	return b.String()
}

func (r *room) affiliationList(aff muc.Affiliation) string {
	var b strings.Builder
	b.WriteString("<query xmlns='" + muc.NSAdmin + "'>")
	for _, j := range slices.Sorted(maps.Keys(r.affs)) {
		if r.affs[j] == aff {
			fmt.Fprintf(&b, `<item jid='%s' affiliation='%s'/>`, esc(j), aff)
		}
	}
	return b.String() + "</query>"
}

func (r *room) roleList(role string) string {
	var b strings.Builder
	b.WriteString("<query xmlns='" + muc.NSAdmin + "'>")
	for _, n := range slices.Sorted(maps.Keys(r.occupants)) {
		if o := r.occupants[n]; o.role == role {
			fmt.Fprintf(&b, `<item nick='%s' jid='%s' role='%s' affiliation='%s'/>`, esc(n), esc(o.full), role, r.affiliation(jid.MustParse(o.full)))
		}
	}
	return b.String() + "</query>"
}

func bareJID(s string) string {
	j, err := jid.Parse(s)
	if err != nil {
		return ""
	}
	return j.Bare().String()
}

func boolean(values []string) bool {
	v := strings.Join(values, "")
	b, _ := strconv.ParseBool(v)
	return b
}

func pick(values []string, yes, no string) string {
	if boolean(values) {
		return yes
	}
	return no
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
