package userops

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/component/usersession"
	"xmpprest/httpapi/ops"
)

// Group chat as the user: everything goes through the user's own session,
// so the rooms see the user (not the component) and answer with the user's
// rights. Rooms are read with disco#info (what any user may see), joined
// with the user's presence, and their archives read with XEP-0313 queries
// to the room.

// Room is a chat room as a user sees it.
type Room struct {
	Name string // the room JID's localpart
	JID  jid.JID
	muc.Config
	Subject   string
	Occupants int // -1 when the room does not say
}

// chatService resolves a chat service name as users give it: a subdomain
// label of the user's host ("" is ops.DefaultChatService) or a service's
// domain.
func (c Caller) chatService(name string) (jid.JID, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		name = ops.DefaultChatService
	}
	if strings.ContainsAny(name, "@/") {
		return jid.JID{}, ops.ErrChatServiceNotFound.About(name)
	}
	if !strings.Contains(name, ".") {
		name += "." + c.Actor.User.Domainpart()
	}
	j, err := jid.New("", name, "")
	if err != nil {
		return jid.JID{}, ops.ErrChatServiceNotFound.About(name)
	}
	return j, nil
}

// roomJID resolves a service and room name.
func (c Caller) roomJID(service, name string) (*usersession.Session, jid.JID, error) {
	sess, err := c.self()
	if err != nil {
		return nil, jid.JID{}, err
	}
	svc, err := c.chatService(service)
	if err != nil {
		return nil, jid.JID{}, err
	}
	room, err := muc.RoomJID(name, svc)
	return sess, room, err
}

// roomNotFound is the fault of a room that does not exist or that the user
// may not see.
func roomNotFound(room jid.JID) error {
	return fault.New(fault.NotFound, "the chat room %s does not exist or is not accessible", room).About(room.Localpart())
}

// readRoom reads a room's disco#info as the user.
func readRoom(ctx context.Context, sess *usersession.Session, room jid.JID) (Room, error) {
	info, err := sess.DiscoInfo(ctx, room, "")
	if fault.Is(err, fault.NotFound) || fault.Is(err, fault.Refused) || fault.Is(err, fault.Forbidden) {
		return Room{}, roomNotFound(room)
	}
	if err != nil {
		return Room{}, err
	}
	id, ok := info.Identity("conference", "")
	if !ok {
		return Room{}, roomNotFound(room)
	}
	r := Room{Name: room.Localpart(), JID: room, Occupants: -1}
	r.NaturalName = id.Name
	r.Persistent = info.Has("muc_persistent")
	r.PublicRoom = info.Has("muc_public")
	r.MembersOnly = info.Has("muc_membersonly")
	r.Moderated = info.Has("muc_moderated")
	r.CanAnyoneDiscoverJID = info.Has("muc_nonanonymous")
	r.LogEnabled = info.Has(muc.NSMAM)
	r.RegistrationEnabled = info.Has(muc.NSRegister)
	r.CanChangeNickname = true
	r.BroadcastPresenceRoles = []string{}
	if f := info.Form(muc.NSRoomInfo); f != nil {
		r.Description = f.Value("muc#roominfo_description")
		r.Subject = f.Value("muc#roominfo_subject")
		r.CanOccupantsChangeSubject = f.Bool("muc#roominfo_changesubject")
		if n, err := strconv.Atoi(f.Value("muc#roominfo_occupants")); err == nil {
			r.Occupants = n
		}
		if n, err := strconv.Atoi(f.Value("muc#roomconfig_maxusers")); err == nil {
			r.MaxUsers = n
		}
		r.AllowPM = f.Value("muc#roomconfig_allowpm")
	}
	if _, subject, err := sess.RoomOccupants(room); err == nil && subject != "" {
		r.Subject = subject
	}
	return r, nil
}

// ChatRoom returns a room the user can see.
func (s *Service) ChatRoom(ctx context.Context, c Caller, service, name string) (Room, error) {
	sess, room, err := c.roomJID(service, name)
	if err != nil {
		return Room{}, err
	}
	return readRoom(ctx, sess, room)
}

// roomReadConcurrency bounds the rooms read at once by ChatRooms.
const roomReadConcurrency = 4

// ChatRooms lists the rooms of a chat service the user can see (those the
// service lists to them), with search keeping those whose name or title
// contains it (case-insensitive).
func (s *Service) ChatRooms(ctx context.Context, c Caller, service, search string) ([]Room, error) {
	sess, err := c.self()
	if err != nil {
		return nil, err
	}
	svc, err := c.chatService(service)
	if err != nil {
		return nil, err
	}
	info, err := sess.DiscoInfo(ctx, svc, "")
	if err != nil || !info.Has(muc.NSMUC) {
		if err != nil && !fault.Is(err, fault.NotFound) && !fault.Is(err, fault.NotSupported) && !fault.Is(err, fault.Refused) {
			return nil, err
		}
		return nil, ops.ErrChatServiceNotFound.About(svc.String())
	}
	items, err := sess.DiscoItems(ctx, svc, "")
	if err != nil {
		return nil, err
	}
	search = strings.ToLower(strings.TrimSpace(search))
	var (
		mu    sync.Mutex
		out   = make([]Room, 0, len(items))
		wg    sync.WaitGroup
		sem   = make(chan struct{}, roomReadConcurrency)
		first error
	)
	for _, it := range items {
		j, err := jid.Parse(it.JID)
		if err != nil || j.Localpart() == "" || !j.Bare().Equal(j) {
			continue
		}
		if search != "" && !strings.Contains(j.Localpart(), search) && !strings.Contains(strings.ToLower(it.Name), search) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := readRoom(ctx, sess, j)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out = append(out, r)
			case !fault.Is(err, fault.NotFound) && first == nil:
				first = err
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	sortRooms(out)
	return out, nil
}

func sortRooms(rs []Room) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
}

// RoomOccupant is an occupant of a room.
type RoomOccupant struct {
	Address     string // room@service/nick
	JID         string // the real bare JID, when the room shows it
	Role        string
	Affiliation string
}

// RoomOccupants lists a room's occupants: as the user sees them from inside
// when they are in the room, otherwise the nicknames the room lists
// (disco#items; rooms that hide their occupants list none).
func (s *Service) RoomOccupants(ctx context.Context, c Caller, service, name string) ([]RoomOccupant, error) {
	sess, room, err := c.roomJID(service, name)
	if err != nil {
		return nil, err
	}
	if occ, _, err := sess.RoomOccupants(room); err == nil {
		out := make([]RoomOccupant, 0, len(occ))
		for _, o := range occ {
			out = append(out, RoomOccupant{Address: room.String() + "/" + o.Nick, JID: o.JID, Role: o.Role, Affiliation: o.Affiliation})
		}
		return out, nil
	}
	if _, err := readRoom(ctx, sess, room); err != nil {
		return nil, err
	}
	items, err := sess.DiscoItems(ctx, room, "")
	if err != nil && !fault.Is(err, fault.NotSupported) && !fault.Is(err, fault.Refused) {
		return nil, err
	}
	out := []RoomOccupant{}
	for _, it := range items {
		if j, err := jid.Parse(it.JID); err == nil && j.Bare().Equal(room) && j.Resourcepart() != "" {
			out = append(out, RoomOccupant{Address: j.String()})
		}
	}
	return out, nil
}

// JoinRoom enters a room as the user, under nick (the user's name when
// empty). The room must exist: users join rooms, they do not make them by
// joining.
func (s *Service) JoinRoom(ctx context.Context, c Caller, service, name, nick, password string) error {
	sess, room, err := c.roomJID(service, name)
	if err != nil {
		return err
	}
	if _, err := readRoom(ctx, sess, room); err != nil {
		return err
	}
	if strings.TrimSpace(nick) == "" {
		nick = c.Actor.User.Localpart()
	}
	return sess.JoinRoom(ctx, room, nick, password)
}

// LeaveRoom leaves a room the user is in.
func (s *Service) LeaveRoom(ctx context.Context, c Caller, service, name string) error {
	sess, room, err := c.roomJID(service, name)
	if err != nil {
		return err
	}
	if _, ok := sess.InRoom(room); !ok {
		if _, err := readRoom(ctx, sess, room); err != nil {
			return err
		}
	}
	return sess.LeaveRoom(ctx, room)
}

// PostToRoom posts a message to a room the user is in.
func (s *Service) PostToRoom(ctx context.Context, c Caller, service, name, body string) (string, error) {
	sess, room, err := c.roomJID(service, name)
	if err != nil {
		return "", err
	}
	if max := s.Cfg.MaxMessageBytes; max > 0 && len(body) > max {
		return "", fault.New(fault.TooLarge, "the message has %d bytes; the limit is %d (sparkweb.max_message_bytes)", len(body), max)
	}
	if _, ok := sess.InRoom(room); !ok {
		if _, err := readRoom(ctx, sess, room); err != nil {
			return "", err
		}
	}
	return sess.SendRoomMessage(ctx, room, body)
}

// InviteToRoom invites someone to a room, with a reason.
func (s *Service) InviteToRoom(ctx context.Context, c Caller, service, name, invitee, reason string) error {
	sess, room, err := c.roomJID(service, name)
	if err != nil {
		return err
	}
	who, err := c.address(invitee)
	if err != nil {
		return err
	}
	if _, err := readRoom(ctx, sess, room); err != nil {
		return err
	}
	return sess.InviteToRoom(ctx, room, who.Bare(), reason)
}

// RoomMessage is a message of a room's archive.
type RoomMessage struct {
	Room     jid.JID
	From, To string // From is room@service/nick
	Type     string
	Body     string
	Stamp    time.Time
}

// RoomHistoryQuery selects messages of room archives.
type RoomHistoryQuery struct {
	Service, Room string // Room "" reads the rooms the user is in
	Start, End    time.Time
	Keywords      string
}

// RoomHistory reads rooms' archives (XEP-0313) as the user, oldest first:
// one room, or every room the user is in.
func (s *Service) RoomHistory(ctx context.Context, c Caller, q RoomHistoryQuery) ([]RoomMessage, error) {
	sess, err := c.self()
	if err != nil {
		return nil, err
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return nil, fault.New(fault.BadRequest, "end is before start")
	}
	var rooms []jid.JID
	if strings.TrimSpace(q.Room) != "" {
		_, room, err := c.roomJID(q.Service, q.Room)
		if err != nil {
			return nil, err
		}
		rooms = append(rooms, room)
	} else {
		rooms = sess.JoinedRooms()
	}
	words := strings.Fields(strings.ToLower(q.Keywords))
	out := []RoomMessage{}
	for _, room := range rooms {
		r, err := readRoom(ctx, sess, room)
		if err != nil {
			return nil, err
		}
		if !r.LogEnabled {
			return nil, fault.New(fault.NotSupported, "room %s has no message archive (XEP-0313): the chat service keeps none, or archiving is off for the room", room).About(room.Localpart())
		}
		msgs, err := sess.Archive(ctx, usersession.ArchiveQuery{Room: room, Start: q.Start, End: q.End})
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Body == "" || !containsAll(m.Body, words) {
				continue
			}
			to := m.To
			if to == "" {
				to = room.String()
			}
			out = append(out, RoomMessage{Room: room, From: m.From, To: to, Type: m.Type, Body: m.Body, Stamp: m.Stamp})
		}
	}
	return out, nil
}

// containsAll reports whether text contains every one of the (lower-case)
// words, ignoring case.
func containsAll(text string, words []string) bool {
	text = strings.ToLower(text)
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
