package usersession

import (
	"context"
	"encoding/xml"
	"errors"
	"sort"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// The user's presence in chat rooms (XEP-0045) lives on their own session:
// Join sends the presence and waits for the room's answer, the handler
// keeps each joined room's occupants current, and after a reconnect the
// rooms are joined again (the server forgets occupants whose connection
// dropped).

const nsMUC = "http://jabber.org/protocol/muc"

// Occupant is someone in a room the user has joined.
type Occupant struct {
	Nick        string
	JID         string // the real JID, when the room shows it
	Affiliation string
	Role        string
}

// joinedRoom is a room the user is in, or joining.
type joinedRoom struct {
	room      jid.JID
	nick      string
	password  string
	occupants map[string]Occupant // by nick
	subject   string
	// joined is closed when the room confirmed the user's presence (or
	// refused it, with err set).
	joined chan struct{}
	err    error
	done   bool
}

func (r *joinedRoom) finish(err error) {
	if r.done {
		return
	}
	r.done = true
	r.err = err
	close(r.joined)
}

type mucItem struct {
	Affiliation string `xml:"affiliation,attr"`
	Role        string `xml:"role,attr"`
	JID         string `xml:"jid,attr"`
	Nick        string `xml:"nick,attr"`
}

type mucPresenceX struct {
	Item   *mucItem `xml:"item"`
	Status []struct {
		Code string `xml:"code,attr"`
	} `xml:"status"`
}

func (x *mucPresenceX) has(code string) bool {
	for _, s := range x.Status {
		if s.Code == code {
			return true
		}
	}
	return false
}

type joinPresence struct {
	XMLName xml.Name `xml:"presence"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	Show    string   `xml:"show,omitempty"`
	Status  string   `xml:"status,omitempty"`
	X       struct {
		XMLName  xml.Name `xml:"http://jabber.org/protocol/muc x"`
		Password string   `xml:"password,omitempty"`
		History  struct {
			MaxStanzas string `xml:"maxstanzas,attr"`
		} `xml:"history"`
	}
}

func (s *Session) joinStanza(r *joinedRoom) xml.TokenReader {
	p := joinPresence{ID: newID(), To: r.room.Bare().String() + "/" + r.nick, Show: s.own.Show, Status: s.own.Status}
	p.X.Password = r.password
	// The room's recent history is in its archive (RoomArchive); the
	// event stream only carries what is said from now on.
	p.X.History.MaxStanzas = "0"
	return encode(p)
}

// JoinRoom enters room under nick (with the room's password, if any) and
// waits until the room confirms. Joining a room the user is in already
// under the same nick does nothing; another nick changes the nick.
func (s *Session) JoinRoom(ctx context.Context, room jid.JID, nick, password string) error {
	room = room.Bare()
	nick = strings.TrimSpace(nick)
	if nick == "" {
		return fault.New(fault.BadRequest, "a nickname is required to join %s", room)
	}
	if _, err := jid.New(room.Localpart(), room.Domainpart(), nick); err != nil {
		return fault.New(fault.BadRequest, "%q is not a valid nickname: %v", nick, err).About(nick)
	}
	s.mu.Lock()
	if s.rooms == nil {
		s.rooms = map[string]*joinedRoom{}
	}
	if r := s.rooms[room.String()]; r != nil && r.nick == nick && r.done && r.err == nil {
		s.mu.Unlock()
		return nil
	}
	r := &joinedRoom{room: room, nick: nick, password: password, occupants: map[string]Occupant{}, joined: make(chan struct{})}
	s.rooms[room.String()] = r
	stz := s.joinStanza(r)
	s.mu.Unlock()
	if err := s.send(ctx, stz); err != nil {
		s.forgetRoom(r)
		return err
	}
	timer := time.NewTimer(s.m.cfg.Timeout)
	defer timer.Stop()
	select {
	case <-r.joined:
	case <-timer.C:
		s.forgetRoom(r)
		return fault.New(fault.Timeout, "%s did not answer the request to join in time", room)
	case <-ctx.Done():
		s.forgetRoom(r)
		return ctx.Err()
	}
	s.mu.Lock()
	err := r.err
	s.mu.Unlock()
	if err != nil {
		s.forgetRoom(r)
	}
	return err
}

// forgetRoom drops r unless it was replaced.
func (s *Session) forgetRoom(r *joinedRoom) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[r.room.String()] == r {
		delete(s.rooms, r.room.String())
	}
}

// ErrNotInRoom is wrapped by the faults of operations that need the user in
// a room they have not joined.
var ErrNotInRoom = errors.New("the user is not in the room")

func notInRoom(room jid.JID) error {
	return fault.Wrap(fault.Conflict, ErrNotInRoom, "the user is not in %s: join it first", room).About(room.Localpart())
}

// joined returns the room the user is in.
func (s *Session) joined(room jid.JID) (*joinedRoom, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room.Bare().String()]
	if r == nil || !r.done || r.err != nil {
		return nil, false
	}
	return r, true
}

// LeaveRoom leaves a room the user is in.
func (s *Session) LeaveRoom(ctx context.Context, room jid.JID) error {
	r, ok := s.joined(room)
	if !ok {
		return notInRoom(room.Bare())
	}
	s.forgetRoom(r)
	return s.send(ctx, encode(outPresence{ID: newID(), To: r.room.String() + "/" + r.nick, Type: "unavailable"}))
}

// InRoom reports whether the user is in room, and under which nick.
func (s *Session) InRoom(room jid.JID) (nick string, ok bool) {
	r, ok := s.joined(room)
	if !ok {
		return "", false
	}
	return r.nick, true
}

// JoinedRooms returns the bare JIDs of the rooms the user is in, sorted.
func (s *Session) JoinedRooms() []jid.JID {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []jid.JID
	for _, r := range s.rooms {
		if r.done && r.err == nil {
			out = append(out, r.room)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// RoomOccupants returns the occupants of a room the user is in, sorted by
// nick, and the room's subject.
func (s *Session) RoomOccupants(room jid.JID) ([]Occupant, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room.Bare().String()]
	if r == nil || !r.done || r.err != nil {
		return nil, "", notInRoom(room.Bare())
	}
	out := make([]Occupant, 0, len(r.occupants))
	for _, o := range r.occupants {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Nick < out[j].Nick })
	return out, r.subject, nil
}

type outGroupMessage struct {
	XMLName xml.Name `xml:"message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	Type    string   `xml:"type,attr"`
	Body    string   `xml:"body"`
}

// SendRoomMessage posts a message to a room the user is in and returns its
// id.
func (s *Session) SendRoomMessage(ctx context.Context, room jid.JID, body string) (string, error) {
	if strings.TrimSpace(body) == "" {
		return "", fault.New(fault.BadRequest, "the message is empty: send its text as the request body")
	}
	if _, ok := s.joined(room); !ok {
		return "", notInRoom(room.Bare())
	}
	id := newID()
	return id, s.send(ctx, encode(outGroupMessage{ID: id, To: room.Bare().String(), Type: "groupchat", Body: body}))
}

type mediatedInvite struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/muc#user x"`
	Invite  struct {
		To     string `xml:"to,attr"`
		Reason string `xml:"reason,omitempty"`
	} `xml:"invite"`
}

type directInvite struct {
	XMLName xml.Name `xml:"jabber:x:conference x"`
	JID     string   `xml:"jid,attr"`
	Reason  string   `xml:"reason,attr,omitempty"`
}

type inviteMessage struct {
	XMLName xml.Name `xml:"message"`
	ID      string   `xml:"id,attr"`
	To      string   `xml:"to,attr"`
	User    *mediatedInvite
	Direct  *directInvite
}

// InviteToRoom invites someone to a room: through the room (a mediated
// invitation, XEP-0045) when the user is in it, directly (XEP-0249)
// otherwise.
func (s *Session) InviteToRoom(ctx context.Context, room, invitee jid.JID, reason string) error {
	room = room.Bare()
	m := inviteMessage{ID: newID()}
	if _, ok := s.joined(room); ok {
		m.To = room.String()
		m.User = &mediatedInvite{}
		m.User.Invite.To, m.User.Invite.Reason = invitee.String(), reason
	} else {
		m.To = invitee.String()
		m.Direct = &directInvite{JID: room.String(), Reason: reason}
	}
	return s.send(ctx, encode(m))
}

// onRoomPresence handles a presence from a room the user is in or joins;
// it returns false for presences from anyone else.
func (s *Session) onRoomPresence(from jid.JID, typ string, raw []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[from.Bare().String()]
	if r == nil {
		return false
	}
	var v struct {
		X     *mucPresenceX `xml:"http://jabber.org/protocol/muc#user x"`
		Error *stanza.Error `xml:"error"`
	}
	xml.Unmarshal(raw, &v)
	nick := from.Resourcepart()
	if typ == "error" {
		if !r.done && (nick == "" || nick == r.nick) {
			r.finish(joinFault(r.room, v.Error))
			delete(s.rooms, r.room.String())
		}
		return true
	}
	if v.X == nil {
		return true
	}
	self := v.X.has("110") || nick == r.nick
	if typ == "unavailable" {
		delete(r.occupants, nick)
		if self && !v.X.has("303") {
			// Kicked, banned, or the room went away.
			if !r.done {
				r.finish(fault.New(fault.Refused, "%s refused the user", r.room))
			}
			delete(s.rooms, r.room.String())
		}
		return true
	}
	o := Occupant{Nick: nick}
	if it := v.X.Item; it != nil {
		o.Affiliation, o.Role = it.Affiliation, it.Role
		if j, err := jid.Parse(it.JID); err == nil {
			o.JID = j.Bare().String()
		}
	}
	if self && o.JID == "" {
		o.JID = s.user.String()
	}
	r.occupants[nick] = o
	if self {
		if nick != r.nick {
			r.nick = nick // the room changed the nick (status 210)
		}
		r.finish(nil)
	}
	return true
}

// roomSubject records a room's subject.
func (s *Session) roomSubject(from jid.JID, subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.rooms[from.Bare().String()]; r != nil {
		r.subject = subject
	}
}

// joinFault says why a room refused the user.
func joinFault(room jid.JID, se *stanza.Error) error {
	if se == nil {
		return fault.New(fault.Refused, "%s refused the user", room)
	}
	switch se.Condition {
	case stanza.NotAuthorized:
		return fault.New(fault.Denied, "%s needs a password: send the right one", room).About(room.Localpart())
	case stanza.RegistrationRequired:
		return fault.New(fault.Denied, "%s is members-only and the user is not a member", room).About(room.Localpart())
	case stanza.Forbidden:
		return fault.New(fault.Denied, "the user is banned from %s", room).About(room.Localpart())
	case stanza.Conflict:
		return fault.New(fault.Conflict, "that nickname is taken in %s: choose another", room).About(room.Localpart())
	case stanza.ItemNotFound:
		return fault.New(fault.NotFound, "%s does not exist", room).About(room.Localpart())
	case stanza.ServiceUnavailable:
		return fault.New(fault.Refused, "%s is full or does not accept new occupants", room).About(room.Localpart())
	}
	return userFault(component.ClassifyStanzaError(*se))
}

// rejoinRooms joins the user's rooms again after a reconnect; the rooms'
// answers are handled as they come.
func (s *Session) rejoinRooms(ctx context.Context, c *connection) {
	s.mu.Lock()
	var stanzas []xml.TokenReader
	for _, r := range s.rooms {
		r.occupants = map[string]Occupant{}
		if r.done && r.err == nil {
			stanzas = append(stanzas, s.joinStanza(r))
		}
	}
	s.mu.Unlock()
	for _, st := range stanzas {
		if err := s.sendOn(ctx, c, st); err != nil {
			s.m.log.Debug("rejoin room failed", "user", s.user.String(), "err", err)
		}
	}
}
