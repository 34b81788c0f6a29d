package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// Chat rooms are the XMPP server's (XEP-0045); the component administers
// them as an owner or service admin (component/muc). The store keeps what
// the servers do not tell: creation and modification dates, the subject set
// through the API, and the groups affiliated with a room.
//
// The operations are split by concern: reading rooms (muc_read.go),
// creating, changing and deleting them (muc_change.go), affiliations
// (muc_affiliations.go, and muc_groups.go for groups), invitations
// (muc_invitations.go) and history (muc_history.go). Every one resolves the
// room's chat service first (chatService), which checks once that the
// caller may administer the service's host.

// DefaultChatService is the service name the dialects default to.
const DefaultChatService = "conference"

// ErrChatServiceNotFound is the fault of a chat service that does not
// exist (match it with errors.Is; the copies returned name the service).
var ErrChatServiceNotFound = &fault.Error{Kind: fault.NotFound, Message: "Chat service does not exist or is not accessible."}

// ChatService is a multi-user chat service.
type ChatService struct {
	// Name is the subdomain label for a service of the default host
	// ("conference"), the service's JID otherwise.
	Name        string
	JID         jid.JID
	Description string
}

// ChatRoom is a room with its configuration and affiliations.
type ChatRoom struct {
	Name string // the room JID's localpart
	JID  jid.JID
	muc.Config
	// Subject is the subject last set through the API (the servers show the
	// subject only to occupants).
	Subject string
	// Created is zero when the room was not created through the API.
	Created  time.Time
	Modified time.Time
	// Owners, Admins, Members and Outcasts are bare JIDs, sorted. The
	// component's own owner affiliation is left out.
	Owners, Admins, Members, Outcasts []string
	// The groups affiliated with the room, by name.
	OwnerGroups, AdminGroups, MemberGroups, OutcastGroups []string
}

// maxRoomText bounds the room title, description, subject and password, in
// characters.
const maxRoomText = 1024

// roomReadConcurrency bounds the rooms read at once by ChatRooms.
const roomReadConcurrency = 4

// muc returns the Service's chat-room client, made on first use (it
// remembers which chat services offer which commands).
func (s *Service) muc() *muc.Client {
	s.mucOnce.Do(func() {
		if s.MUC == nil {
			s.MUC = s.newMUC()
		}
	})
	return s.MUC
}

// serviceName is the label of a service of the default host, else its JID.
func (s *Service) serviceName(j jid.JID) string {
	if label, ok := strings.CutSuffix(j.Domainpart(), "."+s.Link.DefaultHost().Domainpart()); ok && !strings.Contains(label, ".") {
		return label
	}
	return j.String()
}

// serviceHost is the administered host a chat service belongs to: the
// longest configured host its domain is a subdomain of, or the service's
// own domain when it is under none.
func (s *Service) serviceHost(svc jid.JID) string {
	host := svc.Domainpart()
	best := ""
	for _, h := range s.Link.Hosts() {
		d := h.Domainpart()
		if (host == d || strings.HasSuffix(host, "."+d)) && len(d) > len(best) {
			best = d
		}
	}
	if best == "" {
		return host
	}
	return best
}

// chatService resolves a service name, a subdomain label of a configured
// host (the default host first) or a chat service's JID ("" is
// DefaultChatService), and checks that a may administer its host.
func (s *Service) chatService(ctx context.Context, a Actor, name string) (jid.JID, error) {
	svc, err := s.findChatService(ctx, name)
	if err != nil {
		return jid.JID{}, err
	}
	if err := a.MayAdminister(s.serviceHost(svc)); err != nil {
		return jid.JID{}, err
	}
	return svc, nil
}

func (s *Service) findChatService(ctx context.Context, name string) (jid.JID, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = DefaultChatService
	}
	notFound := ErrChatServiceNotFound.About(name)
	if strings.ContainsAny(name, "@/") {
		return jid.JID{}, notFound
	}
	var candidates []jid.JID
	if strings.Contains(name, ".") {
		j, err := jid.New("", name, "")
		if err != nil {
			return jid.JID{}, notFound
		}
		candidates = append(candidates, j)
	} else {
		for _, h := range s.Link.Hosts() {
			if j, err := jid.New("", strings.ToLower(name)+"."+h.Domainpart(), ""); err == nil {
				candidates = append(candidates, j)
			}
		}
	}
	caps := s.Link.Capabilities()
	for _, c := range candidates {
		for _, h := range caps.Hosts() {
			if h.MUCService == c.String() {
				return c, nil
			}
		}
	}
	for _, c := range candidates {
		if _, err := s.muc().Service(ctx, c); err == nil {
			return c, nil
		}
	}
	return jid.JID{}, notFound
}

// roomJID resolves a service and room name for a.
func (s *Service) roomJID(ctx context.Context, a Actor, service, name string) (jid.JID, error) {
	svc, err := s.chatService(ctx, a, service)
	if err != nil {
		return jid.JID{}, err
	}
	return muc.RoomJID(name, svc)
}

// room resolves a service and room name for a and checks that the room
// exists.
func (s *Service) room(ctx context.Context, a Actor, service, name string) (jid.JID, muc.Info, error) {
	room, err := s.roomJID(ctx, a, service, name)
	if err != nil {
		return jid.JID{}, muc.Info{}, err
	}
	info, err := s.muc().Info(ctx, room)
	if err != nil {
		return jid.JID{}, muc.Info{}, err
	}
	return room, info, nil
}

// lockedRoom is room, with the room's lock held (its existence checked
// once the lock is held); the caller releases it with unlock.
func (s *Service) lockedRoom(ctx context.Context, a Actor, service, name string) (room jid.JID, info muc.Info, unlock func(), err error) {
	if room, err = s.roomJID(ctx, a, service, name); err != nil {
		return jid.JID{}, muc.Info{}, nil, err
	}
	if unlock, err = s.lockRoom(ctx, room); err != nil {
		return jid.JID{}, muc.Info{}, nil, err
	}
	if info, err = s.muc().Info(ctx, room); err != nil {
		unlock()
		return jid.JID{}, muc.Info{}, nil, err
	}
	return room, info, unlock, nil
}

// checkRoomText refuses text XMPP cannot carry (control characters other
// than tab and line breaks, invalid UTF-8) or longer than maxRoomText. what
// is a muc.Setting name or "subject" (a muc.SettingError, so dialects can
// name the field their way), or another word for the text ("reason").
func checkRoomText(what, s string) error {
	problem := ""
	if n := utf8.RuneCountInString(s); n > maxRoomText {
		problem = fmt.Sprintf("is %d characters long; at most %d are allowed", n, maxRoomText)
	} else if !utf8.ValidString(s) {
		problem = "is not valid UTF-8"
	} else {
		for _, r := range s {
			if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == 0xfffe || r == 0xffff {
				problem = fmt.Sprintf("contains a control character (%U)", r)
				break
			}
		}
	}
	switch {
	case problem == "":
		return nil
	case what == "reason":
		return fault.New(fault.BadRequest, "the %s %s", what, problem)
	}
	return muc.InvalidSetting(what, "%s", problem)
}

// groupMembers returns the members and admins of a group; a missing group
// is ErrGroupNotFound.
func (s *Service) groupMembers(ctx context.Context, name string) ([]string, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fault.New(fault.BadRequest, "an empty group name was given")
	}
	g, err := s.roomGroup(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGroupNotFound(name)
	}
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read group %q", name)
	}
	return g.Everyone(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
