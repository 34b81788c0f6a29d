package ops

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

func TestCheckRoomText(t *testing.T) {
	for _, ok := range []string{"", "Lobby", "line one\nline two\ttabbed", "Größe ✓"} {
		if err := checkRoomText("description", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"bell\x07", "nul\x00", "del\x7f", "bad utf8 \xff", strings.Repeat("x", maxRoomText+1)} {
		if err := checkRoomText("description", bad); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%q: want BadRequest, got %v", bad, err)
		}
	}
}

func TestRoomChangeAffiliations(t *testing.T) {
	have := map[string]muc.Affiliation{"o@x": muc.Owner, "a@x": muc.Admin, "m@x": muc.Member}
	// Owners kept, admins set to none, members set: the owner stays.
	c := checkedChange{users: map[muc.Affiliation][]string{muc.Admin: {}, muc.Member: {"n@x"}}}
	next := c.affiliations(have, map[string]muc.Affiliation{"g@x": muc.Member, "o@x": muc.Member})
	want := map[string]muc.Affiliation{"o@x": muc.Owner, "n@x": muc.Member, "g@x": muc.Member}
	if !maps.Equal(next, want) {
		t.Errorf("next = %v, want %v", next, want)
	}
	room, _ := jid.Parse("r@conference.x")
	if err := checkOwnerKept(room, have, next); err != nil {
		t.Errorf("owner kept: %v", err)
	}
	// Owners set to none: refused as the last owner's removal.
	c.users[muc.Owner] = []string{}
	err := checkOwnerKept(room, have, c.affiliations(have, nil))
	if !errors.Is(err, muc.ErrLastOwner) || !fault.Is(err, fault.Refused) || !strings.Contains(fault.Message(err), "o@x") {
		t.Errorf("last owner: %v", err)
	}
	// A room without owners may stay without.
	if err := checkOwnerKept(room, map[string]muc.Affiliation{"m@x": muc.Member}, nil); err != nil {
		t.Errorf("no owners before: %v", err)
	}
}

func TestPlanChangesGrantsFirst(t *testing.T) {
	have := map[string]muc.Affiliation{"old@x": muc.Owner, "m@x": muc.Member}
	next := map[string]muc.Affiliation{"new@x": muc.Owner, "old@x": muc.Member, "a@x": muc.Admin}
	got := planChanges(have, next)
	want := []affiliationChange{{"new@x", "", muc.Owner}, {"a@x", "", muc.Admin}, {"old@x", muc.Owner, muc.Member}, {"m@x", muc.Member, muc.None}}
	if !slices.Equal(got, want) {
		t.Errorf("plan = %v, want %v", got, want)
	}
}

func TestRoomGroupsKeepAndSet(t *testing.T) {
	room, _ := jid.Parse("r@conference.x")
	old := []store.RoomGroup{{Room: room.String(), Group: "a", Affiliation: "member"}, {Room: room.String(), Group: "b", Affiliation: "owner"}}
	c := checkedChange{groups: map[muc.Affiliation][]string{muc.Member: {"c"}}}
	got := c.roomGroups(room, old)
	if len(got) != 2 || got[0].Group != "b" || got[1].Group != "c" || got[1].Affiliation != "member" {
		t.Errorf("groups = %+v", got)
	}
}

func TestRoomLocksHonourContextAndAreDropped(t *testing.T) {
	var l roomLocks
	unlock, err := l.lock(context.Background(), "r@x")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.lock(ctx, "r@x"); !fault.Is(err, fault.Timeout) {
		t.Errorf("a waiter whose context ended: %v", err)
	}
	got := make(chan error)
	go func() {
		u, err := l.lock(context.Background(), "r@x")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	if err := <-got; err != nil {
		t.Errorf("the next waiter: %v", err)
	}
	if n := l.held(); n != 0 {
		t.Errorf("%d room locks remain after every holder left", n)
	}
}

func TestRankAndInvert(t *testing.T) {
	if !(rank(muc.Owner) > rank(muc.Admin) && rank(muc.Admin) > rank(muc.Member) && rank(muc.Member) > rank(muc.Outcast) && rank(muc.Outcast) > rank("")) {
		t.Error("affiliations are not ranked owner > admin > member > outcast > none")
	}
	got := invert(map[muc.Affiliation][]string{muc.Owner: {"a@x"}, muc.Member: {"b@x", "c@x"}})
	if len(got) != 3 || got["a@x"] != muc.Owner || got["c@x"] != muc.Member {
		t.Errorf("invert = %v", got)
	}
}

func TestRestoredSaysWhatBecameOfTheRoom(t *testing.T) {
	s := &Service{}
	cause := muc.ErrRoomNotFound.About("r")
	err := s.restored(cause, nil)
	if !errors.Is(err, muc.ErrRoomNotFound) || !fault.Is(err, fault.NotFound) || !strings.HasSuffix(fault.Message(err), "; nothing was changed") {
		t.Errorf("undone: %v", err)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Resource != "r" {
		t.Errorf("undone: the resource is lost: %+v", fe)
	}
	err = s.restored(cause, errors.New("link down"))
	if !fault.Is(err, fault.NotFound) || strings.Contains(fault.Message(err), "nothing was changed") || !strings.Contains(fault.Message(err), "link down") {
		t.Errorf("not undone: %v", err)
	}
}

func TestOutcomeKeepsOtherAffiliations(t *testing.T) {
	have := map[string]muc.Affiliation{"o@x": muc.Owner, "m@x": muc.Member, "n@x": muc.Member}
	got := outcome(have, map[string]muc.Affiliation{"n@x": muc.Member, "new@x": muc.Member}, []muc.Affiliation{muc.Member})
	want := map[string]muc.Affiliation{"o@x": muc.Owner, "n@x": muc.Member, "new@x": muc.Member}
	if !maps.Equal(got, want) {
		t.Errorf("outcome = %v, want %v", got, want)
	}
}
