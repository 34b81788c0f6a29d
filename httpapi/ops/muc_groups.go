package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// AddRoomGroupAffiliation gives a group an affiliation with a room: each
// of its members gets the affiliation (unless they have a stronger one),
// and keeps it in step with the group (see syncRoomGroups). With invite,
// the members are sent an invitation.
func (s *Service) AddRoomGroupAffiliation(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, group string, invite bool) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	members, err := s.groupMembers(ctx, group)
	if err != nil {
		return err
	}
	room, _, unlock, err := s.lockedRoom(ctx, a, service, name)
	if err != nil {
		return err
	}
	defer unlock()
	current, err := s.affiliationLists(ctx, room)
	if err != nil {
		return err
	}
	have := invert(current)
	var added []string
	for _, j := range members {
		if have[j] == aff || rank(have[j]) > rank(aff) {
			continue
		}
		if err := s.setAffiliation(ctx, room, j, aff); err != nil {
			return err
		}
		added = append(added, j)
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutRoomGroup(ctx, store.RoomGroup{Room: room.String(), Group: group, Affiliation: string(aff)}); err != nil {
			return err
		}
		if err := tx.TouchChatRoom(ctx, room.String(), time.Now(), nil); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "", fmt.Sprintf("made group %s %s of chat room %s", group, aff, room), "")
	})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "the members of group %s were given their affiliation with %s, but the component could not record the group's", group, room)
	}
	if invite && aff != muc.Outcast {
		s.inviteAll(ctx, room, added, "")
	}
	return nil
}

// RemoveRoomGroupAffiliation takes a group's affiliation with a room away:
// its members lose it, unless another of the room's groups gives them one.
func (s *Service) RemoveRoomGroupAffiliation(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, group string) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	room, _, unlock, err := s.lockedRoom(ctx, a, service, name)
	if err != nil {
		return err
	}
	defer unlock()
	groups, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "read the groups of room %s", room)
	}
	i := slices.IndexFunc(groups, func(g store.RoomGroup) bool { return g.Group == group && g.Affiliation == string(aff) })
	if i < 0 {
		return fault.New(fault.NotFound, "group %s is not %s of chat room %s", group, articledAffiliation(aff), room).About(group)
	}
	members, err := s.groupMembers(ctx, group)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	if err := s.dropGroupMembers(ctx, room, aff, members, slices.Delete(groups, i, i+1)); err != nil {
		return err
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteRoomGroup(ctx, room.String(), group); err != nil {
			return err
		}
		if err := tx.TouchChatRoom(ctx, room.String(), time.Now(), nil); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "", fmt.Sprintf("removed group %s as %s of chat room %s", group, aff, room), "")
	})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "could not record that group %s left chat room %s", group, room)
	}
	return nil
}

// dropGroupMembers takes the affiliation a group gave away from its former
// members: each gets what the room's other groups give them, or none. A
// member whose affiliation is not the group's (set otherwise since) keeps
// it.
func (s *Service) dropGroupMembers(ctx context.Context, room jid.JID, aff muc.Affiliation, members []string, others []store.RoomGroup) error {
	if len(members) == 0 {
		return nil
	}
	current, err := s.affiliationLists(ctx, room)
	if err != nil {
		return err
	}
	have := invert(current)
	via, err := s.groupAffiliations(ctx, others)
	if err != nil {
		return err
	}
	for _, j := range members {
		if have[j] != aff {
			continue
		}
		next := via[j]
		if next == "" {
			next = muc.None
		}
		if next == aff {
			continue
		}
		if err := s.setAffiliation(ctx, room, j, next); err != nil {
			return err
		}
	}
	return nil
}

// syncRoomGroups keeps the rooms a group is affiliated with in step with
// a change of the group, several rooms at a time (the first failure ends
// it): members who joined get the group's affiliation
// (unless they have a stronger one), members who left lose it (unless
// another of the room's groups gives them one); a deleted group's
// affiliations are removed. The group change is made already, so a
// failure is logged, not returned.
func (s *Service) syncRoomGroups(ctx context.Context, edits []groupEdit) {
	for _, e := range edits {
		var before, after []string
		name := ""
		if e.before != nil {
			before, name = e.before.Everyone(), e.before.Name
		}
		if e.after != nil {
			after, name = e.after.Everyone(), e.after.Name
		}
		if err := s.syncGroup(ctx, name, before, after, e.after == nil); err != nil && s.Log != nil {
			s.Log.Error("could not bring chat rooms in step with a group change", "group", name, "error", err)
		}
	}
}

func (s *Service) syncGroup(ctx context.Context, group string, before, after []string, deleted bool) error {
	rooms, err := s.Store.GroupRooms(ctx, group)
	if err != nil || len(rooms) == 0 {
		return err
	}
	joined, left := added(before, after), added(after, before)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(roomReadConcurrency)
	for _, rg := range rooms {
		room, err := jid.Parse(rg.Room)
		if err != nil {
			continue
		}
		g.Go(func() error {
			if err := s.syncRoom(gctx, room, rg, joined, left, deleted); err != nil {
				return fmt.Errorf("room %s: %w", room, err)
			}
			return nil
		})
	}
	err = g.Wait()
	if deleted {
		err = errors.Join(err, s.Store.Update(ctx, func(tx *store.Tx) error { return tx.DeleteGroupRooms(ctx, group) }))
	}
	return err
}

func (s *Service) syncRoom(ctx context.Context, room jid.JID, rg store.RoomGroup, joined, left []string, deleted bool) error {
	unlock, err := s.lockRoom(ctx, room)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.muc().Info(ctx, room); err != nil {
		if fault.Is(err, fault.NotFound) {
			return nil // the room is gone; its rows go with DeleteChatRoom
		}
		return err
	}
	aff := muc.Affiliation(rg.Affiliation)
	all, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return err
	}
	others := slices.DeleteFunc(all, func(g store.RoomGroup) bool { return g.Group == rg.Group })
	if deleted {
		left = append(left, joined...)
		joined = nil
	}
	if len(joined) > 0 {
		current, err := s.affiliationLists(ctx, room)
		if err != nil {
			return err
		}
		have := invert(current)
		for _, j := range joined {
			if have[j] == aff || rank(have[j]) > rank(aff) {
				continue
			}
			if err := s.setAffiliation(ctx, room, j, aff); err != nil {
				return err
			}
		}
	}
	return s.dropGroupMembers(ctx, room, aff, left, others)
}

// invert turns affiliation lists into each JID's affiliation.
func invert(lists map[muc.Affiliation][]string) map[string]muc.Affiliation {
	out := map[string]muc.Affiliation{}
	for a, js := range lists {
		for _, j := range js {
			out[j] = a
		}
	}
	return out
}
