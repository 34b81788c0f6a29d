package ops

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/component/muc/muctest"
	"xmpprest/store"
)

// The chat-room operations, run against an in-memory chat service
// (muctest) that answers as Prosody does and refuses the steps a test
// chooses.

const (
	self  = "rest.a.example" // the component, owner of the rooms it makes
	lobby = "lobby@conference.a.example"
)

// roomService is a Service whose chat service is in memory.
func roomService(t *testing.T) (*Service, *muctest.Server) {
	t.Helper()
	s, _ := fakeService(t)
	rooms := muctest.New(s.Link.Domain(), jid.MustParse("conference.a.example"))
	s.MUC = muc.NewClient(rooms, rooms)
	return s, rooms
}

// seedLobby makes the room lobby titled "Old", with an affiliation of each
// kind besides the component's.
func seedLobby(rooms *muctest.Server) muctest.Room {
	rooms.AddRoom("lobby", map[string][]string{"muc#roomconfig_roomname": {"Old"}}, map[string]muc.Affiliation{
		self: muc.Owner, "own1@a.example": muc.Owner, "adm1@a.example": muc.Admin,
		"mem1@a.example": muc.Member, "bad1@a.example": muc.Outcast,
	})
	r, _ := rooms.Room("lobby")
	return r
}

// replaceAll is a change of the title and of every affiliation list.
func replaceAll() RoomChange {
	return RoomChange{
		Settings: muc.Settings{NaturalName: strp("New")},
		Owners:   SetList([]string{"own2"}), Admins: SetList([]string{"adm2@b.example"}),
		Members: SetList([]string{"mem2"}), Outcasts: SetList([]string{"bad2@elsewhere.example"}),
	}
}

// affiliationChanges lists the affiliation changes the service made, as
// "JID AFFILIATION".
func affiliationChanges(rooms *muctest.Server) []string {
	var out []string
	for _, c := range rooms.Changes() {
		if rest, ok := strings.CutPrefix(c, "affiliation "+lobby+" "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// checkGrantsFirst fails unless every grant precedes every removal and
// lowering of an owner.
func checkGrantsFirst(t *testing.T, changes []string) {
	t.Helper()
	lastGrant, firstLoss := -1, len(changes)
	for i, c := range changes {
		if strings.HasSuffix(c, " owner") {
			lastGrant = i
		}
		if strings.HasSuffix(c, " none") && i < firstLoss {
			firstLoss = i
		}
	}
	if lastGrant < 0 || lastGrant > firstLoss {
		t.Errorf("changes %q: the new owners were not made before anyone lost an affiliation", changes)
	}
}

func TestUpdateChatRoomReplacesAffiliations(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	seedLobby(rooms)
	if _, err := s.UpdateChatRoom(ctx, admin, "", "lobby", replaceAll(), false); err != nil {
		t.Fatal(err)
	}
	r, _ := rooms.Room("lobby")
	want := map[string]muc.Affiliation{self: muc.Owner, "own2@a.example": muc.Owner, "adm2@b.example": muc.Admin,
		"mem2@a.example": muc.Member, "bad2@elsewhere.example": muc.Outcast}
	if !maps.Equal(r.Affiliations, want) {
		t.Errorf("affiliations = %v, want %v", r.Affiliations, want)
	}
	if got := r.Config["muc#roomconfig_roomname"]; !slices.Equal(got, []string{"New"}) {
		t.Errorf("title = %v", got)
	}
	changes := affiliationChanges(rooms)
	if len(changes) != 8 {
		t.Errorf("affiliation changes = %q, want 4 grants and 4 removals", changes)
	}
	checkGrantsFirst(t, changes)
	if !strings.HasPrefix(rooms.Changes()[0], "configure "+lobby) {
		t.Errorf("changes = %q: the configuration goes first", rooms.Changes())
	}
	got, err := s.ChatRoom(ctx, admin, "", "lobby", true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Owners, []string{"own2@a.example"}) || got.NaturalName != "New" || got.Modified.IsZero() {
		t.Errorf("room read back = %+v", got)
	}
}

// A change refused part-way (configuration and the new owner done, a
// member refused) is undone: the room is as it was, nothing is recorded,
// and the error says so.
func TestUpdateChatRoomUndoneWhenAffiliationRefused(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	before := seedLobby(rooms)
	rooms.Refuse(muctest.Refusal{Op: muctest.OpSetAffiliation, JID: "mem2@a.example",
		Condition: stanza.NotAllowed, Text: "Changing role/affiliation is not allowed"})
	_, err := s.UpdateChatRoom(ctx, admin, "", "lobby", replaceAll(), false)
	if !fault.Is(err, fault.Refused) || !strings.Contains(fault.Message(err), "mem2@a.example") ||
		!strings.HasSuffix(fault.Message(err), "; nothing was changed") {
		t.Fatalf("want a Refused fault naming mem2 that says nothing was changed, got %v", err)
	}
	changes := affiliationChanges(rooms)
	if !slices.Contains(changes, "own2@a.example owner") || !slices.Contains(changes, "own2@a.example none") {
		t.Errorf("affiliation changes = %q: the new owner was not made and taken back", changes)
	}
	after, _ := rooms.Room("lobby")
	if !reflect.DeepEqual(after, before) {
		t.Errorf("room after the failed change:\n%+v\nwant as it was:\n%+v", after, before)
	}
	if _, err := s.Store.ChatRoom(ctx, lobby); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed change was recorded: %v", err)
	}
}

// A subject refused after the configuration and the affiliations were
// changed: both are undone, and the component has left the room.
func TestUpdateChatRoomUndoneWhenSubjectRefused(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	before := seedLobby(rooms)
	rooms.Refuse(muctest.Refusal{Op: muctest.OpSubject, Condition: stanza.Forbidden, Text: "You are not allowed to change the subject"})
	change := replaceAll()
	change.Subject = strp("Today")
	_, err := s.UpdateChatRoom(ctx, admin, "", "lobby", change, false)
	if !fault.Is(err, fault.Forbidden) || !strings.HasSuffix(fault.Message(err), "; nothing was changed") {
		t.Fatalf("want a Forbidden fault that says nothing was changed, got %v", err)
	}
	if len(affiliationChanges(rooms)) != 16 {
		t.Errorf("affiliation changes = %q, want the 8 of the change and their 8 undos", affiliationChanges(rooms))
	}
	if after, _ := rooms.Room("lobby"); !reflect.DeepEqual(after, before) {
		t.Errorf("room after the failed change:\n%+v\nwant as it was:\n%+v", after, before)
	}
}

// When the undo fails too, the error says the room is partly changed and
// the undo's failure is logged.
func TestUpdateChatRoomReportsFailedUndo(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	var logged bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	before := seedLobby(rooms)
	rooms.Refuse(muctest.Refusal{Op: muctest.OpSetAffiliation, JID: "mem2@a.example", Condition: stanza.Forbidden})
	// The change's configuration passes, its restoration fails.
	rooms.Refuse(muctest.Refusal{Op: muctest.OpConfigure, After: 1, Condition: stanza.InternalServerError, Text: "Failed to process option"})
	_, err := s.UpdateChatRoom(ctx, admin, "", "lobby", replaceAll(), false)
	msg := fault.Message(err)
	if !fault.Is(err, fault.Forbidden) || strings.Contains(msg, "nothing was changed") ||
		!strings.Contains(msg, "could not all be undone") || !strings.Contains(msg, "Failed to process option") {
		t.Fatalf("want a Forbidden fault saying the undo failed, got %v", err)
	}
	if !strings.Contains(logged.String(), "could not undo a chat room change") {
		t.Errorf("the failed undo was not logged: %s", logged.String())
	}
	after, _ := rooms.Room("lobby")
	if !maps.Equal(after.Affiliations, before.Affiliations) {
		t.Errorf("affiliations = %v, want them given back: %v", after.Affiliations, before.Affiliations)
	}
	if got := after.Config["muc#roomconfig_roomname"]; !slices.Equal(got, []string{"New"}) {
		t.Errorf("title = %v: the configuration's undo was refused, so the new title stays", got)
	}
}

// A change that would leave the room without an owner is refused before
// anything is sent (fault.Refused, which the dialects answer with 409).
func TestRoomLastOwnerRefusedBeforeAnythingIsSent(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	before := seedLobby(rooms)
	checkRefused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, muc.ErrLastOwner) || !fault.Is(err, fault.Refused) || !strings.Contains(fault.Message(err), "own1@a.example") {
			t.Errorf("%s: want the last owner's Refused fault naming own1, got %v", what, err)
		}
	}
	_, err := s.UpdateChatRoom(ctx, admin, "", "lobby", RoomChange{Settings: muc.Settings{NaturalName: strp("New")},
		Owners: SetList(nil), Members: SetList([]string{"own1"})}, false)
	checkRefused("update", err)
	checkRefused("replace the owners", s.ReplaceRoomAffiliations(ctx, admin, "", "lobby", muc.Owner, nil, false))
	checkRefused("remove the owner", s.RemoveRoomAffiliation(ctx, admin, "", "lobby", muc.Owner, "own1"))
	checkRefused("make the owner a member", s.AddRoomAffiliations(ctx, admin, "", "lobby", muc.Member, []string{"own1"}, false))
	for _, op := range []muctest.Op{muctest.OpConfigure, muctest.OpSetAffiliation, muctest.OpJoin} {
		if rooms.Sent(op) {
			t.Errorf("a %s request was sent: %q", op, rooms.Requests())
		}
	}
	if after, _ := rooms.Room("lobby"); !reflect.DeepEqual(after, before) {
		t.Errorf("room changed: %+v", after)
	}
}

func TestReplaceRoomOwners(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	before := seedLobby(rooms)
	// Refused on the way: the new owners are taken back.
	rooms.Refuse(muctest.Refusal{Op: muctest.OpSetAffiliation, JID: "own1@a.example", Times: 1, Condition: stanza.Conflict})
	err := s.ReplaceRoomAffiliations(ctx, admin, "", "lobby", muc.Owner, []string{"own2", "own3"}, false)
	if !fault.Is(err, fault.Refused) || !strings.HasSuffix(fault.Message(err), "; nothing was changed") {
		t.Fatalf("want a Refused fault that says nothing was changed, got %v", err)
	}
	if after, _ := rooms.Room("lobby"); !maps.Equal(after.Affiliations, before.Affiliations) {
		t.Fatalf("affiliations after the refusal = %v", after.Affiliations)
	}
	// Then made.
	if err := s.ReplaceRoomAffiliations(ctx, admin, "", "lobby", muc.Owner, []string{"own2", "own3"}, false); err != nil {
		t.Fatal(err)
	}
	after, _ := rooms.Room("lobby")
	want := maps.Clone(before.Affiliations)
	delete(want, "own1@a.example")
	want["own2@a.example"], want["own3@a.example"] = muc.Owner, muc.Owner
	if !maps.Equal(after.Affiliations, want) {
		t.Errorf("affiliations = %v, want %v", after.Affiliations, want)
	}
	changes := affiliationChanges(rooms)
	checkGrantsFirst(t, changes[len(changes)-3:])
}

func TestCreateChatRoomWithAffiliations(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	_, err := s.CreateChatRoom(ctx, admin, "", RoomChange{Name: "Team",
		Settings: muc.Settings{NaturalName: strp("The team"), Persistent: boolp(true)}, Subject: strp("Hello"),
		Owners: SetList([]string{"own"}), Members: SetList([]string{"mem"})}, false)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := rooms.Room("team")
	want := map[string]muc.Affiliation{self: muc.Owner, "own@a.example": muc.Owner, "mem@a.example": muc.Member}
	if !ok || !r.Persistent() || r.Subject != "Hello" || len(r.Occupants) != 0 || !maps.Equal(r.Affiliations, want) ||
		!slices.Equal(r.Config["muc#roomconfig_roomname"], []string{"The team"}) {
		t.Errorf("room = %+v, %v", r, ok)
	}
	rec, err := s.Store.ChatRoom(ctx, "team@conference.a.example")
	if err != nil || rec.Subject == nil || *rec.Subject != "Hello" {
		t.Errorf("record = %+v, %v", rec, err)
	}
	if _, err := s.CreateChatRoom(ctx, admin, "", RoomChange{Name: "team"}, false); !fault.Is(err, fault.Conflict) {
		t.Errorf("creating it again: want Conflict, got %v", err)
	}
}

// A room whose affiliations cannot all be made is destroyed again,
// tombstone included, and nothing is recorded.
func TestCreateChatRoomDestroyedWhenAffiliationRefused(t *testing.T) {
	ctx := context.Background()
	s, rooms := roomService(t)
	rooms.Refuse(muctest.Refusal{Op: muctest.OpSetAffiliation, JID: "mem@a.example", Condition: stanza.Forbidden})
	_, err := s.CreateChatRoom(ctx, admin, "", RoomChange{Name: "team", Settings: muc.Settings{Persistent: boolp(true)},
		Owners: SetList([]string{"own"}), Members: SetList([]string{"mem"})}, false)
	if !fault.Is(err, fault.Forbidden) {
		t.Fatalf("want the refusal's Forbidden fault, got %v", err)
	}
	if r, ok := rooms.Room("team"); ok {
		t.Errorf("the half-made room is left: %+v", r)
	}
	if rooms.Tombstone("team") {
		t.Error("the half-made room's tombstone holds the name")
	}
	if _, err := s.Store.ChatRoom(ctx, "team@conference.a.example"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed creation was recorded: %v", err)
	}
}
