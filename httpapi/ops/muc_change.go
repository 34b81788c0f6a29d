package ops

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// ListChange says what a room change does with one of the room's lists:
// keep it as it is, or make it Values (Set, possibly to none).
type ListChange struct {
	Set    bool
	Values []string
}

// KeepList leaves a list as it is (on creation: empty).
func KeepList() ListChange { return ListChange{} }

// SetList makes a list values (nil or empty: none).
func SetList(values []string) ListChange { return ListChange{Set: true, Values: values} }

// ListChangeOf sets the list when given, and keeps it otherwise.
func ListChangeOf(values []string, given bool) ListChange {
	if !given {
		return KeepList()
	}
	return SetList(values)
}

// RoomChange is the input of CreateChatRoom and UpdateChatRoom. It says
// explicitly what to set and what to keep: a nil setting or subject and a
// kept list are left as they are (on creation: the server's default, and
// empty lists), so a dialect with full-replacement updates and one with
// partial updates both say what they mean.
type RoomChange struct {
	Name     string // the room's name, for creation
	Settings muc.Settings
	// Subject, when not nil, is set (the component joins the room briefly
	// to do it, so the occupants get it).
	Subject *string
	// Created and Modified override the dates recorded.
	Created, Modified *time.Time
	// Owners, Admins, Members and Outcasts are usernames or JIDs (a JID in
	// several lists gets the strongest affiliation). An update that would
	// take the ownership of every owner is refused (muc.ErrLastOwner).
	Owners, Admins, Members, Outcasts ListChange
	// The groups (by name) whose members get each affiliation, kept in
	// step with the groups.
	OwnerGroups, AdminGroups, MemberGroups, OutcastGroups ListChange
}

// users and groups pair the change's lists with their affiliations.
func (c RoomChange) users() map[muc.Affiliation]ListChange {
	return map[muc.Affiliation]ListChange{muc.Owner: c.Owners, muc.Admin: c.Admins, muc.Member: c.Members, muc.Outcast: c.Outcasts}
}

func (c RoomChange) groups() map[muc.Affiliation]ListChange {
	return map[muc.Affiliation]ListChange{muc.Owner: c.OwnerGroups, muc.Admin: c.AdminGroups, muc.Member: c.MemberGroups, muc.Outcast: c.OutcastGroups}
}

// checkedChange is a RoomChange validated: its lists as JIDs, its groups
// known to exist.
type checkedChange struct {
	RoomChange
	users  map[muc.Affiliation][]string // the lists set, as bare JIDs
	groups map[muc.Affiliation][]string // the group lists set
}

// checkRoomChange validates a change before anything is sent: its
// settings and texts, its user lists and the groups it names.
func (s *Service) checkRoomChange(ctx context.Context, c RoomChange) (checkedChange, error) {
	texts := []struct {
		what string
		v    *string
	}{{muc.SettingNaturalName, c.Settings.NaturalName}, {muc.SettingDescription, c.Settings.Description},
		{"subject", c.Subject}, {muc.SettingPassword, c.Settings.Password}}
	for _, t := range texts {
		if t.v != nil {
			if err := checkRoomText(t.what, *t.v); err != nil {
				return checkedChange{}, err
			}
		}
	}
	if err := c.Settings.Validate(); err != nil {
		return checkedChange{}, err
	}
	out := checkedChange{RoomChange: c, users: map[muc.Affiliation][]string{}, groups: map[muc.Affiliation][]string{}}
	for aff, l := range c.users() {
		if !l.Set {
			continue
		}
		js, err := s.affiliateJIDs(l.Values)
		if err != nil {
			return checkedChange{}, err
		}
		out.users[aff] = js
	}
	for aff, l := range c.groups() {
		if !l.Set {
			continue
		}
		var names []string
		for _, g := range l.Values {
			g = strings.TrimSpace(g)
			if _, err := s.groupMembers(ctx, g); err != nil {
				return checkedChange{}, err
			}
			names = append(names, g)
		}
		out.groups[aff] = sortedSet(names)
	}
	return out, nil
}

// roomGroups is the groups a room has after the change: those of the
// affiliations whose group list is kept, and those set.
func (c checkedChange) roomGroups(room jid.JID, old []store.RoomGroup) []store.RoomGroup {
	var out []store.RoomGroup
	for _, g := range old {
		if _, set := c.groups[muc.Affiliation(g.Affiliation)]; !set {
			out = append(out, g)
		}
	}
	for _, aff := range muc.Affiliations {
		for _, g := range c.groups[aff] {
			out = append(out, store.RoomGroup{Room: room.String(), Group: g, Affiliation: string(aff)})
		}
	}
	return out
}

// affiliations is what each JID is to have after the change: the lists
// set, the affiliations of the lists kept (as have says), and what the
// room's groups give (the strongest wins).
func (c checkedChange) affiliations(have, viaGroups map[string]muc.Affiliation) map[string]muc.Affiliation {
	next := map[string]muc.Affiliation{}
	give := func(j string, a muc.Affiliation) {
		if rank(a) > rank(next[j]) {
			next[j] = a
		}
	}
	for j, a := range have {
		if _, set := c.users[a]; !set {
			give(j, a)
		}
	}
	for aff, js := range c.users {
		for _, j := range js {
			give(j, aff)
		}
	}
	for j, a := range viaGroups {
		give(j, a)
	}
	return next
}

// CreateChatRoom creates a room as c says and reports the settings the
// server could not apply. With invite, the users given an affiliation are
// sent an invitation. A room that exists is fault.Conflict. If anything
// fails after the room was made, it is destroyed again.
func (s *Service) CreateChatRoom(ctx context.Context, a Actor, service string, c RoomChange, invite bool) ([]muc.NotApplied, error) {
	svc, err := s.chatService(ctx, a, service)
	if err != nil {
		return nil, err
	}
	room, err := muc.RoomJID(c.Name, svc)
	if err != nil {
		return nil, err
	}
	change, err := s.checkRoomChange(ctx, c)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lockRoom(ctx, room)
	if err != nil {
		return nil, err
	}
	defer unlock()

	mc := s.muc()
	if _, err := mc.Info(ctx, room); err == nil {
		return nil, fault.New(fault.Conflict, "Chat room %s already exists.", room).About(room.Localpart())
	} else if !errors.Is(err, muc.ErrRoomNotFound) {
		return nil, err
	}
	// A Prosody tombstone answers gone like a missing room; the
	// component may create over it, users may not until it is removed.
	var skipped []muc.NotApplied
	subject := ""
	if c.Subject != nil {
		subject = *c.Subject
	}
	err = mc.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
		sub, sk, err := muc.Apply(form, muc.Info{}, c.Settings)
		skipped = sk
		return sub, err
	}, subject)
	if err != nil {
		return nil, err
	}
	fail := func(err error) ([]muc.NotApplied, error) {
		s.undo(ctx, "destroy the half-made room "+room.String(), func(ctx context.Context) error {
			if err := mc.Destroy(ctx, room, "creation failed"); err != nil {
				return err
			}
			_, err := mc.RemoveTombstone(ctx, room)
			return err
		})
		return nil, err
	}
	// Nickname registration depends on the room: read it now that it
	// exists.
	if info, err := mc.Info(ctx, room); err == nil {
		_, reg, _ := muc.Apply(&muc.Form{}, info, muc.Settings{RegistrationEnabled: c.Settings.RegistrationEnabled})
		skipped = append(skippedExcept(skipped, muc.SettingRegistrationEnabled), reg...)
	}
	groups := change.roomGroups(room, nil)
	viaGroups, err := s.groupAffiliations(ctx, groups)
	if err != nil {
		return fail(err)
	}
	changes := planChanges(nil, change.affiliations(nil, viaGroups))
	if _, err := s.makeChanges(ctx, room, changes); err != nil {
		return fail(err)
	}
	now := time.Now()
	rec := store.ChatRoom{Room: room.String(), Created: now, Modified: now, Subject: c.Subject}
	if c.Created != nil {
		rec.Created = *c.Created
	}
	if c.Modified != nil {
		rec.Modified = *c.Modified
	}
	if err := s.recordRoom(ctx, a, rec, groups, "created chat room "+room.String(), describeChange(change)); err != nil {
		return fail(fault.Wrap(fault.Unavailable, err, "could not record chat room %s; it was not created", room))
	}
	if invite {
		s.inviteAll(ctx, room, granted(changes), "")
	}
	return skipped, nil
}

// skippedExcept drops one setting from a NotApplied list.
func skippedExcept(list []muc.NotApplied, setting string) []muc.NotApplied {
	return slices.DeleteFunc(slices.Clone(list), func(n muc.NotApplied) bool { return n.Setting == setting })
}

// CreateChatRooms creates each room in turn and reports each outcome.
func (s *Service) CreateChatRooms(ctx context.Context, a Actor, service string, changes []RoomChange, invite bool) []RoomCreation {
	out := make([]RoomCreation, 0, len(changes))
	for _, c := range changes {
		skipped, err := s.CreateChatRoom(ctx, a, service, c, invite)
		out = append(out, RoomCreation{Name: c.Name, NotApplied: skipped, Err: err})
	}
	return out
}

// RoomCreation is the outcome of creating one room of a bulk request.
type RoomCreation struct {
	Name       string
	NotApplied []muc.NotApplied
	Err        error // nil on success
}

// UpdateChatRoom changes a room as c says and reports the settings the
// server could not apply. With invite, users newly given an affiliation
// are sent an invitation.
//
// The change is checked whole before anything is sent (its values, its
// groups, and that the room keeps an owner). It is then made step by step
// (configuration, affiliations, subject, record); when a step fails, the
// steps made are undone, and the error says whether the room is as it was.
func (s *Service) UpdateChatRoom(ctx context.Context, a Actor, service, name string, c RoomChange, invite bool) ([]muc.NotApplied, error) {
	room, info, unlock, err := s.lockedRoom(ctx, a, service, name)
	if err != nil {
		return nil, err
	}
	defer unlock()
	change, err := s.checkRoomChange(ctx, c)
	if err != nil {
		return nil, err
	}
	mc := s.muc()

	// Everything is read and planned first.
	form, err := mc.Config(ctx, room)
	if err != nil {
		return nil, err
	}
	sub, skipped, err := muc.Apply(form, info, c.Settings)
	if err != nil {
		return nil, err
	}
	current, err := s.affiliationLists(ctx, room)
	if err != nil {
		return nil, err
	}
	have := invert(current)
	oldGroups, err := s.Store.RoomGroups(ctx, room.String())
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the groups of room %s", room)
	}
	groups := change.roomGroups(room, oldGroups)
	viaGroups, err := s.groupAffiliations(ctx, groups)
	if err != nil {
		return nil, err
	}
	next := change.affiliations(have, viaGroups)
	if err := checkOwnerKept(room, have, next); err != nil {
		return nil, err
	}
	rec, err := s.Store.ChatRoom(ctx, room.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fault.Wrap(fault.Unavailable, err, "read what is recorded about room %s", room)
	}

	// Then made, each step with its undo.
	var undos []func(context.Context) error
	failed := func(err error) ([]muc.NotApplied, error) {
		return nil, s.restored(err, s.undoAll(ctx, undos))
	}
	if len(sub.Fields) > 1 {
		if err := mc.Configure(ctx, room, sub); err != nil {
			return failed(err)
		}
		undos = append(undos, func(ctx context.Context) error { return mc.Configure(ctx, room, muc.Restore(form, sub)) })
	}
	changes := planChanges(have, next)
	n, err := s.makeChanges(ctx, room, changes)
	undos = append(undos, func(ctx context.Context) error { return s.undoChanges(ctx, room, changes[:n]) })
	if err != nil {
		return failed(err)
	}
	oldSubject := ""
	if rec.Subject != nil {
		oldSubject = *rec.Subject
	}
	if c.Subject != nil && *c.Subject != oldSubject {
		if err := mc.SetSubject(ctx, room, *c.Subject); err != nil {
			return failed(err)
		}
		undos = append(undos, func(ctx context.Context) error { return mc.SetSubject(ctx, room, oldSubject) })
		rec.Subject = c.Subject
	}
	rec.Room = room.String()
	rec.Modified = time.Now()
	if c.Modified != nil {
		rec.Modified = *c.Modified
	}
	if c.Created != nil {
		rec.Created = *c.Created
	}
	if err := s.recordRoom(ctx, a, rec, groups, "updated chat room "+room.String(), describeChange(change)); err != nil {
		return failed(fault.Wrap(fault.Unavailable, err, "the component could not record the change of chat room %s", room))
	}
	if invite {
		s.inviteAll(ctx, room, granted(changes), "")
	}
	return skipped, nil
}

// recordRoom records in one transaction what the store keeps of a room
// (its dates and subject, and groups in place of those it had) with the
// audit entry.
func (s *Service) recordRoom(ctx context.Context, a Actor, rec store.ChatRoom, groups []store.RoomGroup, summary, details string) error {
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteChatRoom(ctx, rec.Room); err != nil {
			return err
		}
		if err := tx.PutChatRoom(ctx, rec); err != nil {
			return err
		}
		for _, g := range groups {
			if err := tx.PutRoomGroup(ctx, g); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, "", summary, details)
	})
}

// undoAll runs undos last first, even when ctx is done, and joins their
// failures.
func (s *Service) undoAll(ctx context.Context, undos []func(context.Context) error) error {
	if len(undos) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*(s.Link.Timeout()+timeoutSlack))
	defer cancel()
	var errs []error
	for _, u := range slices.Backward(undos) {
		if err := u(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DeleteChatRoom destroys a room and forgets it. On Prosody the tombstone
// the server keeps of a destroyed persistent room is removed too, so the
// name can be used again by anyone.
func (s *Service) DeleteChatRoom(ctx context.Context, a Actor, service, name string) error {
	room, _, unlock, err := s.lockedRoom(ctx, a, service, name)
	if err != nil {
		return err
	}
	defer unlock()
	mc := s.muc()
	if err := mc.Destroy(ctx, room, ""); err != nil {
		return err
	}
	if _, err := mc.RemoveTombstone(ctx, room); err != nil && s.Log != nil {
		s.Log.Warn("could not remove the tombstone of a destroyed room: the name stays taken for a while", "room", room.String(), "error", err)
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteChatRoom(ctx, room.String()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "", "deleted chat room "+room.String(), "")
	})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "chat room %s was destroyed, but the component could not forget it", room)
	}
	return nil
}

// describeChange summarizes a change for the audit log.
func describeChange(c checkedChange) string {
	var parts []string
	if v := c.Settings.NaturalName; v != nil {
		parts = append(parts, "title="+*v)
	}
	for _, aff := range muc.Affiliations {
		if js := c.users[aff]; len(js) > 0 {
			parts = append(parts, string(aff)+"s="+strings.Join(js, ","))
		}
	}
	return strings.Join(parts, ", ")
}
