package ops

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// RoomOccupant is an occupant of a room.
type RoomOccupant struct {
	// Address is the occupant's room JID (room@service/nick).
	Address string
	// JID is the occupant's real JID, when the room shows it.
	JID         string
	Role        string
	Affiliation string
}

// ChatServices lists the chat services of the hosts a administers; a
// caller who administers none is fault.Denied.
func (s *Service) ChatServices(ctx context.Context, a Actor) ([]ChatService, error) {
	var out []ChatService
	var denied error
	for _, h := range s.Link.Hosts() {
		if err := a.MayAdminister(h.Domainpart()); err != nil {
			denied = err
			continue
		}
		denied = nil
		svcs, err := s.muc().Services(ctx, h)
		if err != nil {
			return nil, err
		}
		for _, sv := range svcs {
			out = append(out, ChatService{Name: s.serviceName(sv.JID), JID: sv.JID, Description: sv.Name})
		}
	}
	if out == nil && denied != nil {
		return nil, denied
	}
	return out, nil
}

// ChatRooms lists the rooms of a service with their configuration: all of
// them, or the public ones only; search keeps the rooms whose name
// contains it. With expand, the members of affiliated groups are listed
// among the JIDs. complete is false when the server could list its public
// rooms only. The first room that cannot be read ends the listing.
func (s *Service) ChatRooms(ctx context.Context, a Actor, service string, all bool, search string, expand bool) (rooms []ChatRoom, complete bool, err error) {
	svc, err := s.chatService(ctx, a, service)
	if err != nil {
		return nil, false, err
	}
	jids, complete, err := s.muc().Rooms(ctx, svc, all)
	if err != nil {
		return nil, false, err
	}
	jids = slices.DeleteFunc(jids, func(j jid.JID) bool { return !strings.Contains(j.Localpart(), search) })
	out := make([]*ChatRoom, len(jids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(roomReadConcurrency)
	for i, j := range jids {
		g.Go(func() error {
			info, err := s.muc().Info(gctx, j)
			if errors.Is(err, muc.ErrRoomNotFound) {
				return nil // destroyed meanwhile, or a Prosody tombstone
			}
			if err != nil {
				return err
			}
			r, err := s.readRoom(gctx, j, info, expand)
			if errors.Is(err, muc.ErrRoomNotFound) {
				return nil
			}
			out[i] = &r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, false, err
	}
	for _, r := range out {
		if r != nil && (all || r.PublicRoom) {
			rooms = append(rooms, *r)
		}
	}
	return rooms, complete, nil
}

// ChatRoom returns one room; a missing one is muc.ErrRoomNotFound.
func (s *Service) ChatRoom(ctx context.Context, a Actor, service, name string, expand bool) (ChatRoom, error) {
	room, info, err := s.room(ctx, a, service, name)
	if err != nil {
		return ChatRoom{}, err
	}
	return s.readRoom(ctx, room, info, expand)
}

// readRoom reads a room's configuration, affiliations and what the store
// remembers.
func (s *Service) readRoom(ctx context.Context, room jid.JID, info muc.Info, expand bool) (ChatRoom, error) {
	r := ChatRoom{Name: room.Localpart(), JID: room}
	form, err := s.muc().Config(ctx, room)
	if err != nil {
		return ChatRoom{}, err
	}
	r.Config = muc.ReadConfig(form, info)
	lists, err := s.affiliationLists(ctx, room)
	if err != nil {
		return ChatRoom{}, err
	}
	rec, err := s.Store.ChatRoom(ctx, room.String())
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return ChatRoom{}, fault.Wrap(fault.Unavailable, err, "read what is recorded about room %s", room)
	default:
		r.Created, r.Modified = rec.Created, rec.Modified
		if rec.Subject != nil {
			r.Subject = *rec.Subject
		}
	}
	groups, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return ChatRoom{}, fault.Wrap(fault.Unavailable, err, "read the groups of room %s", room)
	}
	byAff := map[muc.Affiliation][]string{}
	for _, g := range groups {
		a := muc.Affiliation(g.Affiliation)
		byAff[a] = append(byAff[a], g.Group)
	}
	// Without expand, a JID that has its affiliation through a group is
	// shown by the group's name only (as Openfire lists group members).
	viaGroups := map[string]bool{}
	if !expand {
		want, err := s.groupAffiliations(ctx, groups)
		if err != nil {
			return ChatRoom{}, err
		}
		for j, a := range want {
			if slices.Contains(lists[a], j) {
				viaGroups[j] = true
			}
		}
	}
	show := func(a muc.Affiliation) []string {
		return slices.DeleteFunc(slices.Clone(lists[a]), func(j string) bool { return viaGroups[j] })
	}
	r.Owners, r.Admins, r.Members, r.Outcasts = show(muc.Owner), show(muc.Admin), show(muc.Member), show(muc.Outcast)
	r.OwnerGroups, r.AdminGroups = nonNil(byAff[muc.Owner]), nonNil(byAff[muc.Admin])
	r.MemberGroups, r.OutcastGroups = nonNil(byAff[muc.Member]), nonNil(byAff[muc.Outcast])
	return r, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// affiliationLists reads the four affiliation lists of a room, without the
// component itself.
func (s *Service) affiliationLists(ctx context.Context, room jid.JID) (map[muc.Affiliation][]string, error) {
	var mu sync.Mutex
	out := map[muc.Affiliation][]string{}
	self := s.Link.Domain().String()
	g, gctx := errgroup.WithContext(ctx)
	for _, a := range muc.Affiliations {
		g.Go(func() error {
			js, err := s.muc().Affiliations(gctx, room, a)
			if err != nil {
				return err
			}
			mu.Lock()
			out[a] = slices.DeleteFunc(js, func(j string) bool { return j == self })
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// RoomOccupants lists the occupants of a room.
func (s *Service) RoomOccupants(ctx context.Context, a Actor, service, name string) ([]RoomOccupant, error) {
	room, _, err := s.room(ctx, a, service, name)
	if err != nil {
		return nil, err
	}
	os, err := s.muc().Occupants(ctx, room)
	if err != nil {
		return nil, err
	}
	out := make([]RoomOccupant, 0, len(os))
	for _, o := range os {
		aff := string(o.Affiliation)
		if aff == "" {
			aff = string(muc.None)
		}
		out = append(out, RoomOccupant{Address: room.String() + "/" + o.Nick, JID: o.JID, Role: o.Role, Affiliation: aff})
	}
	return out, nil
}
