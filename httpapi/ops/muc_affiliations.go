package ops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// A room never loses its last owner through these operations: a change
// that would take the ownership of every owner the room lists (the
// component's own is not counted) is refused with muc.ErrLastOwner before
// anything is sent, and new owners are made before old ones are removed.
// A change of several affiliations that fails part-way is undone.

// RoomAffiliations lists the bare JIDs with an affiliation in a room (the
// members of affiliated groups included).
func (s *Service) RoomAffiliations(ctx context.Context, a Actor, service, name string, aff muc.Affiliation) ([]string, error) {
	if err := checkAffiliation(aff); err != nil {
		return nil, err
	}
	room, _, err := s.room(ctx, a, service, name)
	if err != nil {
		return nil, err
	}
	js, err := s.muc().Affiliations(ctx, room, aff)
	if err != nil {
		return nil, err
	}
	self := s.Link.Domain().String()
	return slices.DeleteFunc(js, func(j string) bool { return j == self }), nil
}

func checkAffiliation(a muc.Affiliation) error {
	if !slices.Contains(muc.Affiliations, a) {
		return fault.New(fault.BadRequest, "%q is not an affiliation: use owners, admins, members or outcasts", a)
	}
	return nil
}

// affiliateJID reads an affiliation target: a JID (of any domain; rooms
// take remote users) or a username of the default host.
func (s *Service) affiliateJID(v string) (jid.JID, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return jid.JID{}, fault.New(fault.BadRequest, "an empty username or JID was given")
	}
	if strings.Contains(v, "@") {
		j, err := jid.Parse(v)
		if err != nil || j.Localpart() == "" {
			return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid JID", v).About(v)
		}
		return j.Bare(), nil
	}
	return s.UserJID(v, "")
}

func (s *Service) affiliateJIDs(vs []string) ([]string, error) {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		j, err := s.affiliateJID(v)
		if err != nil {
			return nil, err
		}
		out = append(out, j.String())
	}
	return sortedSet(out), nil
}

// rank orders affiliations: a JID given several gets the strongest.
func rank(a muc.Affiliation) int {
	return map[muc.Affiliation]int{muc.Owner: 4, muc.Admin: 3, muc.Member: 2, muc.Outcast: 1}[a]
}

func articledAffiliation(a muc.Affiliation) string {
	if a == muc.Member {
		return "a member"
	}
	return "an " + string(a)
}

// affiliationChange is one JID's change of affiliation in a room.
type affiliationChange struct {
	jid      string
	from, to muc.Affiliation // "" is none
}

// outcome is the affiliations a room is to have: those of have whose
// affiliation is among affs are replaced by want (JIDs want does not list
// lose theirs); the others keep theirs unless want names them.
func outcome(have, want map[string]muc.Affiliation, affs []muc.Affiliation) map[string]muc.Affiliation {
	out := map[string]muc.Affiliation{}
	for j, a := range have {
		if !slices.Contains(affs, a) {
			out[j] = a
		}
	}
	for j, a := range want {
		out[j] = a
	}
	return out
}

// checkOwnerKept refuses an outcome that leaves a room that has owners
// without any.
func checkOwnerKept(room jid.JID, have, next map[string]muc.Affiliation) error {
	var owners []string
	for j, a := range have {
		if a == muc.Owner {
			owners = append(owners, j)
		}
	}
	if len(owners) == 0 {
		return nil
	}
	for _, a := range next {
		if a == muc.Owner {
			return nil
		}
	}
	slices.Sort(owners)
	return muc.LastOwner(room, fmt.Sprintf("the change would take away the ownership of %s, the last owner of %s", strings.Join(owners, ", "), room))
}

// planChanges lists the changes that turn have into next: grants and
// upgrades first, strongest first, then the lowerings and removals, so
// that a room always has an owner on the way.
func planChanges(have, next map[string]muc.Affiliation) []affiliationChange {
	var out []affiliationChange
	for _, j := range sortedKeys(have) {
		if _, ok := next[j]; !ok {
			out = append(out, affiliationChange{jid: j, from: have[j], to: muc.None})
		}
	}
	for _, j := range sortedKeys(next) {
		if have[j] != next[j] {
			out = append(out, affiliationChange{jid: j, from: have[j], to: next[j]})
		}
	}
	slices.SortStableFunc(out, func(x, y affiliationChange) int {
		return cmp.Compare(rank(y.to), rank(x.to)) // None ranks 0: last
	})
	return out
}

// makeChanges makes the changes in order and returns how many were made
// (all of them, unless it fails).
func (s *Service) makeChanges(ctx context.Context, room jid.JID, changes []affiliationChange) (int, error) {
	for i, c := range changes {
		if err := s.setAffiliation(ctx, room, c.jid, c.to); err != nil {
			return i, err
		}
	}
	return len(changes), nil
}

// granted lists the JIDs the changes give an affiliation other than
// outcast (those to invite).
func granted(changes []affiliationChange) []string {
	var out []string
	for _, c := range changes {
		if c.to != muc.None && c.to != muc.Outcast {
			out = append(out, c.jid)
		}
	}
	return out
}

// undoChanges gives back the affiliations the changes took, last first.
func (s *Service) undoChanges(ctx context.Context, room jid.JID, changes []affiliationChange) error {
	if len(changes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Link.Timeout()+timeoutSlack)
	defer cancel()
	var errs []error
	for _, c := range slices.Backward(changes) {
		from := c.from
		if from == "" {
			from = muc.None
		}
		if err := s.setAffiliation(ctx, room, c.jid, from); err != nil {
			errs = append(errs, fmt.Errorf("give %s back %s affiliation: %w", c.jid, from, err))
		}
	}
	return errors.Join(errs...)
}

// restored adds to a failure of a change what became of the parts already
// made: undone (nothing changed) or not (the room is partly changed, and
// the undo's failure is logged).
func (s *Service) restored(err, undoErr error) error {
	fe := &fault.Error{Kind: fault.KindOf(err), Err: err}
	var cause *fault.Error
	if errors.As(err, &cause) {
		fe.Resource = cause.Resource
	}
	if undoErr == nil {
		fe.Message = fault.Message(err) + "; nothing was changed"
		return fe
	}
	if s.Log != nil {
		s.Log.Error("could not undo a chat room change that failed part-way", "error", undoErr)
	}
	fe.Message = fault.Message(err) + "; the parts already made could not all be undone (" + undoErr.Error() + "): read the room back and correct it"
	return fe
}

func (s *Service) setAffiliation(ctx context.Context, room jid.JID, who string, a muc.Affiliation) error {
	j, err := jid.Parse(who)
	if err != nil {
		return fault.New(fault.BadRequest, "%q is not a valid JID", who)
	}
	return s.muc().SetAffiliation(ctx, room, j, a, "")
}

// changeAffiliations makes the affiliations of a room among affs what want
// says (see outcome), keeping an owner and undoing a change that fails
// part-way. It returns the JIDs given a new affiliation other than outcast.
func (s *Service) changeAffiliations(ctx context.Context, room jid.JID, want map[string]muc.Affiliation, affs []muc.Affiliation) ([]string, error) {
	current, err := s.affiliationLists(ctx, room)
	if err != nil {
		return nil, err
	}
	have := invert(current)
	next := outcome(have, want, affs)
	if err := checkOwnerKept(room, have, next); err != nil {
		return nil, err
	}
	changes := planChanges(have, next)
	if n, err := s.makeChanges(ctx, room, changes); err != nil {
		return nil, s.restored(err, s.undoChanges(ctx, room, changes[:n]))
	}
	return granted(changes), nil
}

// AddRoomAffiliations gives users (usernames or JIDs) an affiliation in a
// room, replacing any other affiliation they had. With invite, they are
// sent an invitation.
func (s *Service) AddRoomAffiliations(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, users []string, invite bool) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	if len(users) == 0 {
		return fault.New(fault.BadRequest, "no users given")
	}
	js, err := s.affiliateJIDs(users)
	if err != nil {
		return err
	}
	room, _, unlock, err := s.lockedRoom(ctx, a, service, name)
	if err != nil {
		return err
	}
	defer unlock()
	want := map[string]muc.Affiliation{}
	for _, j := range js {
		want[j] = aff
	}
	if _, err := s.changeAffiliations(ctx, room, want, nil); err != nil {
		return err
	}
	s.roomChanged(ctx, a, room, fmt.Sprintf("made %s %s of chat room %s", strings.Join(js, ", "), aff, room))
	if invite && aff != muc.Outcast {
		s.inviteAll(ctx, room, js, "")
	}
	return nil
}

// ReplaceRoomAffiliations makes users (usernames or JIDs) the only ones
// with an affiliation in a room (the members of groups affiliated that way
// keep it). With invite, the users newly given it are sent an invitation.
func (s *Service) ReplaceRoomAffiliations(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, users []string, invite bool) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	js, err := s.affiliateJIDs(users)
	if err != nil {
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
	groups = slices.DeleteFunc(groups, func(g store.RoomGroup) bool { return g.Affiliation != string(aff) })
	viaGroups, err := s.groupAffiliations(ctx, groups)
	if err != nil {
		return err
	}
	want := map[string]muc.Affiliation{}
	for j := range viaGroups {
		want[j] = aff
	}
	for _, j := range js {
		want[j] = aff
	}
	added, err := s.changeAffiliations(ctx, room, want, []muc.Affiliation{aff})
	if err != nil {
		return err
	}
	s.roomChanged(ctx, a, room, fmt.Sprintf("set the %ss of chat room %s to %s", aff, room, strings.Join(js, ", ")))
	if invite {
		s.inviteAll(ctx, room, added, "")
	}
	return nil
}

// RemoveRoomAffiliation takes a user's (username or JID) affiliation with
// a room away. A user who does not have that affiliation is fault.NotFound.
func (s *Service) RemoveRoomAffiliation(ctx context.Context, a Actor, service, name string, aff muc.Affiliation, user string) error {
	if err := checkAffiliation(aff); err != nil {
		return err
	}
	j, err := s.affiliateJID(user)
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
	if !slices.Contains(current[aff], j.String()) {
		return fault.New(fault.NotFound, "%s is not %s of chat room %s", j, articledAffiliation(aff), room).About(j.String())
	}
	have := invert(current)
	next := outcome(have, nil, nil)
	delete(next, j.String())
	if err := checkOwnerKept(room, have, next); err != nil {
		return err
	}
	if err := s.muc().SetAffiliation(ctx, room, j, muc.None, ""); err != nil {
		return err
	}
	s.roomChanged(ctx, a, room, fmt.Sprintf("removed %s as %s of chat room %s", j, aff, room))
	return nil
}

// roomChanged records a change of a room's affiliations: its modification
// date and the audit record. The change is on the XMPP server already, so a
// failure to record it is logged.
func (s *Service) roomChanged(ctx context.Context, a Actor, room jid.JID, summary string) {
	err := s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.TouchChatRoom(ctx, room.String(), time.Now(), nil); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "", summary, "")
	})
	if err != nil && s.Log != nil {
		s.Log.Error("could not record a chat room change", "summary", summary, "error", err)
	}
}

// groupAffiliations is the affiliation each member of the room's groups
// has through them.
func (s *Service) groupAffiliations(ctx context.Context, groups []store.RoomGroup) (map[string]muc.Affiliation, error) {
	out := map[string]muc.Affiliation{}
	for _, rg := range groups {
		g, err := s.roomGroup(ctx, rg.Group)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fault.Wrap(fault.Unavailable, err, "read group %q", rg.Group)
		}
		a := muc.Affiliation(rg.Affiliation)
		for _, j := range g.Everyone() {
			if rank(a) > rank(out[j]) {
				out[j] = a
			}
		}
	}
	return out, nil
}
