package muctest_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/component/muc/muctest"
)

func newClient() (*muc.Client, *muctest.Server) {
	s := muctest.New(jid.MustParse("rest.example.org"), jid.MustParse("conference.example.org"))
	return muc.NewClient(s, s), s
}

func ptr[T any](v T) *T { return &v }

// The client's whole room life cycle runs over the in-memory service.
func TestClientOverFakeService(t *testing.T) {
	ctx := context.Background()
	c, s := newClient()
	room, _ := muc.RoomJID("Lobby", jid.MustParse("conference.example.org"))
	if _, err := c.Info(ctx, room); !errors.Is(err, muc.ErrRoomNotFound) {
		t.Fatalf("info of a missing room: %v", err)
	}
	err := c.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
		sub, _, err := muc.Apply(form, muc.Info{}, muc.Settings{NaturalName: ptr("The Lobby"), Persistent: ptr(true),
			BroadcastPresenceRoles: ptr([]string{})})
		return sub, err
	}, "Welcome")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	r, ok := s.Room("lobby")
	if !ok || !r.Persistent() || r.Subject != "Welcome" || len(r.Occupants) != 0 ||
		!maps.Equal(r.Affiliations, map[string]muc.Affiliation{"rest.example.org": muc.Owner}) {
		t.Fatalf("room after creation = %+v, %v", r, ok)
	}
	if got := r.Config["muc#roomconfig_presencebroadcast"]; !slices.Equal(got, []string{"none"}) {
		t.Errorf("presence broadcast = %v, want none (an empty list is never sent)", got)
	}
	form, err := c.Config(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := muc.ReadConfig(form, info); cfg.NaturalName != "The Lobby" || !cfg.Persistent {
		t.Errorf("configuration read back = %+v", cfg)
	}
	if err := c.Create(ctx, room, nil, ""); !fault.Is(err, fault.Conflict) {
		t.Errorf("creating it again: want Conflict, got %v", err)
	}

	alice := jid.MustParse("alice@example.org")
	if err := c.SetAffiliation(ctx, room, alice, muc.Owner, ""); err != nil {
		t.Fatal(err)
	}
	if owners, err := c.Affiliations(ctx, room, muc.Owner); err != nil || !slices.Equal(owners, []string{"alice@example.org", "rest.example.org"}) {
		t.Errorf("owners = %v, %v", owners, err)
	}
	// The component's own affiliation is the server's to keep.
	if err := c.SetAffiliation(ctx, room, jid.MustParse("rest.example.org"), muc.None, ""); !fault.Is(err, fault.Refused) {
		t.Errorf("lowering the component: want Refused, got %v", err)
	}

	if err := c.Destroy(ctx, room, ""); err != nil {
		t.Fatal(err)
	}
	if !s.Tombstone("lobby") {
		t.Error("a destroyed persistent room left no tombstone")
	}
	if removed, err := c.RemoveTombstone(ctx, room); err != nil || !removed || s.Tombstone("lobby") {
		t.Errorf("remove tombstone = %v, %v", removed, err)
	}
}

// A temporary room outlives its creation (the client creates it
// persistent and makes it temporary once it has left).
func TestTemporaryRoomOverFakeService(t *testing.T) {
	ctx := context.Background()
	c, s := newClient()
	room, _ := muc.RoomJID("temp", jid.MustParse("conference.example.org"))
	err := c.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
		sub, _, err := muc.Apply(form, muc.Info{}, muc.Settings{Persistent: ptr(false)})
		return sub, err
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := s.Room("temp"); !ok || r.Persistent() {
		t.Fatalf("temporary room = %+v, %v", r, ok)
	}
	// The component's brief stay leaves it as it was.
	if err := c.SetSubject(ctx, room, "Hello"); err != nil {
		t.Fatal(err)
	}
	if r, ok := s.Room("temp"); !ok || r.Persistent() || r.Subject != "Hello" {
		t.Errorf("temporary room after a subject change = %+v, %v", r, ok)
	}
}

// A refusal chosen by the test comes back classified like the server's.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	c, s := newClient()
	room := s.AddRoom("lobby", nil, map[string]muc.Affiliation{"owner@example.org": muc.Owner})
	s.Refuse(muctest.Refusal{Op: muctest.OpSetAffiliation, JID: "owner@example.org", Affiliation: muc.None,
		Condition: stanza.Conflict, Text: "Cannot remove last owner"})
	err := c.SetAffiliation(ctx, room, jid.MustParse("owner@example.org"), muc.None, "")
	if !errors.Is(err, muc.ErrLastOwner) {
		t.Errorf("last owner: %v", err)
	}
	s.Refuse(muctest.Refusal{Op: muctest.OpConfigure, After: 1, Times: 1, Condition: stanza.Forbidden})
	sub := &muc.Form{Type: "submit", Fields: []muc.Field{{Var: "FORM_TYPE", Values: []string{muc.NSRoomConfig}},
		{Var: "muc#roomconfig_roomname", Values: []string{"x"}}}}
	for i, refused := range []bool{false, true, false} {
		if err := c.Configure(ctx, room, sub); refused != fault.Is(err, fault.Forbidden) || (!refused && err != nil) {
			t.Errorf("configure %d: refused=%v, got %v", i+1, refused, err)
		}
	}
	if got := s.Requests(); len(got) != 5 || got[0] != "set-affiliation lobby@conference.example.org owner@example.org none" {
		t.Errorf("requests = %q", got)
	}
}

// A creation whose configuration is refused leaves no room behind.
func TestCreationUndoneWhenConfigurationRefused(t *testing.T) {
	ctx := context.Background()
	c, s := newClient()
	s.Refuse(muctest.Refusal{Op: muctest.OpConfigure, Condition: stanza.NotAcceptable})
	room, _ := muc.RoomJID("broken", jid.MustParse("conference.example.org"))
	err := c.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
		sub, _, err := muc.Apply(form, muc.Info{}, muc.Settings{Persistent: ptr(true)})
		return sub, err
	}, "")
	if !fault.Is(err, fault.BadRequest) {
		t.Fatalf("want the refusal's BadRequest, got %v", err)
	}
	if r, ok := s.Room("broken"); ok {
		t.Errorf("a room was left behind: %+v", r)
	}
	if !slices.Equal(s.Changes(), []string{"create broken@conference.example.org", "destroy broken@conference.example.org"}) {
		t.Errorf("changes = %q", s.Changes())
	}
}
