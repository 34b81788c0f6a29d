package muc_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
	c2s "xmpprest/component/c2s/c2stest"
	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/component/xmppserver"
)

// server is a started XMPP server with the component attached.
type server struct {
	*xmppserver.Server
	link    *component.Link
	adhoc   *adhoc.Client
	muc     *muc.Client
	service jid.JID
}

func start(t *testing.T, kind xmppserver.Kind) *server {
	s := xmppserver.StartT(t, kind, xmppserver.Options{})
	domain := jid.MustParse(s.ComponentJID)
	link := component.New(component.Config{Address: s.ComponentAddr, Domain: domain, Secret: s.Secret,
		Hosts: []jid.JID{jid.MustParse(s.Hosts[0])}, Timeout: 5 * time.Second, Logger: testLogger()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The link lives until Close: its context is not the setup's.
	if err := link.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Close() })
	if err := link.WaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	ad := adhoc.New(link)
	return &server{Server: s, link: link, adhoc: ad, muc: muc.New(link, ad), service: jid.MustParse(s.MUCService)}
}

func kinds(t *testing.T, f func(t *testing.T, kind xmppserver.Kind)) {
	for _, k := range []xmppserver.Kind{xmppserver.Prosody, xmppserver.Ejabberd} {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			f(t, k)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// login creates an account and logs it in, available.
func (s *server) login(ctx context.Context, t *testing.T, local string) *c2s.Client {
	t.Helper()
	u := jid.MustParse(local + "@" + s.Hosts[0])
	if err := s.adhoc.AddUser(ctx, adhoc.NewUser{JID: u, Password: "pw-" + local}); err != nil {
		t.Fatalf("add %s: %v", u, err)
	}
	cl, err := c2s.Login(ctx, c2s.Options{Addr: s.C2SAddr, TLS: c2s.TLSNone}, u, "pw-"+local, "test")
	if err != nil {
		t.Fatalf("login %s: %v", u, err)
	}
	t.Cleanup(func() { cl.Close() })
	if err := cl.SendPresence(ctx); err != nil {
		t.Fatal(err)
	}
	return cl
}

func (s *server) room(t *testing.T, name string) jid.JID {
	j, err := muc.RoomJID(name, s.service)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// create makes a room with settings and returns what was not applied.
func (s *server) create(ctx context.Context, room jid.JID, set muc.Settings) ([]muc.NotApplied, error) {
	var skipped []muc.NotApplied
	err := s.muc.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
		sub, sk, err := muc.Apply(form, muc.Info{}, set)
		skipped = sk
		return sub, err
	}, "")
	return skipped, err
}

func TestRoomLifecycle(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		alice := s.login(ctx, t, "alice")
		room := s.room(t, "Lobby")
		if room.Localpart() != "lobby" {
			t.Errorf("room name not case-folded: %s", room)
		}

		if _, err := s.muc.Info(ctx, room); !errors.Is(err, muc.ErrRoomNotFound) {
			t.Fatalf("info of a missing room: want ErrRoomNotFound, got %v", err)
		}
		skipped, err := s.create(ctx, room, muc.Settings{
			NaturalName: ptr("The Lobby"), Description: ptr("Where it starts"),
			Persistent: ptr(true), PublicRoom: ptr(false), MembersOnly: ptr(false),
			CanOccupantsChangeSubject: ptr(true), LogEnabled: ptr(true), Moderated: ptr(false),
			CanAnyoneDiscoverJID: ptr(true), BroadcastPresenceRoles: ptr([]string{"moderator", "participant"}),
			CanChangeNickname: ptr(false),
		})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if len(skipped) != 1 || skipped[0].Setting != muc.SettingCanChangeNickname {
			t.Errorf("not applied = %v, want canChangeNickname only", skipped)
		}
		if _, err := s.create(ctx, room, muc.Settings{}); !fault.Is(err, fault.Conflict) {
			t.Errorf("creating it again: want Conflict, got %v", err)
		}

		info, err := s.muc.Info(ctx, room)
		if err != nil {
			t.Fatalf("info: %v", err)
		}
		form, err := s.muc.Config(ctx, room)
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		record(t, kind, "owner-form.xml", form)
		cfg := muc.ReadConfig(form, info)
		if cfg.NaturalName != "The Lobby" || cfg.Description != "Where it starts" || !cfg.Persistent || cfg.PublicRoom ||
			!cfg.CanOccupantsChangeSubject || !cfg.LogEnabled || cfg.Moderated || !cfg.CanAnyoneDiscoverJID ||
			!slices.Equal(cfg.BroadcastPresenceRoles, []string{"moderator", "participant"}) {
			t.Errorf("configuration read back = %+v", cfg)
		}

		// Affiliations, one at a time.
		aliceJID := alice.JID().Bare()
		if err := s.muc.SetAffiliation(ctx, room, aliceJID, muc.Member, ""); err != nil {
			t.Fatalf("set member: %v", err)
		}
		bob := jid.MustParse("bob@" + s.Hosts[0])
		if err := s.muc.SetAffiliation(ctx, room, bob, muc.Outcast, "spam"); err != nil {
			t.Fatalf("set outcast: %v", err)
		}
		members, err := s.muc.Affiliations(ctx, room, muc.Member)
		if err != nil || !slices.Equal(members, []string{aliceJID.String()}) {
			t.Errorf("members = %v, %v", members, err)
		}
		outcasts, err := s.muc.Affiliations(ctx, room, muc.Outcast)
		if err != nil || !slices.Equal(outcasts, []string{bob.String()}) {
			t.Errorf("outcasts = %v, %v", outcasts, err)
		}

		// A mediated invitation reaches alice.
		if err := s.muc.Invite(ctx, room, aliceJID, "come in"); err != nil {
			t.Fatalf("invite: %v", err)
		}
		if _, err := alice.WaitMessage(ctx, func(m c2s.Message) bool {
			return m.From == room.String() && strings.Contains(m.Raw, "come in") && strings.Contains(m.Raw, muc.NSUser)
		}); err != nil {
			t.Fatalf("invitation not received: %v", err)
		}
		if err := s.muc.Invite(ctx, s.room(t, "nosuchroom"), aliceJID, ""); !errors.Is(err, muc.ErrRoomNotFound) {
			t.Errorf("invite to a missing room: want ErrRoomNotFound, got %v", err)
		}

		// alice enters; the component sees her; a subject reaches her.
		if err := alice.SendRaw(ctx, `<presence to='`+room.String()+`/alice'><x xmlns='`+muc.NSMUC+`'/></presence>`); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.WaitPresence(ctx, func(p c2s.Presence) bool { return p.From == room.String()+"/alice" }); err != nil {
			t.Fatalf("alice did not enter: %v", err)
		}
		occupants, err := s.muc.Occupants(ctx, room)
		if err != nil {
			t.Fatalf("occupants: %v", err)
		}
		if len(occupants) != 1 || occupants[0].Nick != "alice" || occupants[0].JID != alice.JID().String() ||
			occupants[0].Role != "participant" || occupants[0].Affiliation != muc.Member {
			t.Errorf("occupants = %+v", occupants)
		}
		if err := s.muc.SetSubject(ctx, room, "Today: <testing> & more"); err != nil {
			t.Fatalf("subject: %v", err)
		}
		if _, err := alice.WaitMessage(ctx, func(m c2s.Message) bool { return m.Subject == "Today: <testing> & more" }); err != nil {
			t.Fatalf("subject did not reach alice: %v", err)
		}
		// The component left again: alice sees it come and go.
		occupants, err = s.muc.Occupants(ctx, room)
		if err != nil || len(occupants) != 1 {
			t.Errorf("occupants after the subject change = %+v, %v (the component stayed?)", occupants, err)
		}

		// The archive holds what alice said.
		if err := alice.SendRaw(ctx, `<message type='groupchat' to='`+room.String()+`'><body>hello archive</body></message>`); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.WaitMessage(ctx, func(m c2s.Message) bool { return m.Body == "hello archive" }); err != nil {
			t.Fatalf("alice's message not echoed: %v", err)
		}
		msgs, err := s.muc.Archive(ctx, room, 100)
		if err != nil {
			t.Fatalf("archive: %v", err)
		}
		found := false
		for _, m := range msgs {
			if m.Body == "hello archive" && m.From == room.String()+"/alice" && m.Stamp != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("archive = %+v, want alice's message", msgs)
		}

		// Listing: every room, hidden ones too.
		hidden := s.room(t, "hidden")
		if _, err := s.create(ctx, hidden, muc.Settings{Persistent: ptr(true), PublicRoom: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		rooms, complete, err := s.muc.Rooms(ctx, s.service, true)
		if err != nil || !complete || !slices.ContainsFunc(rooms, hidden.Equal) || !slices.ContainsFunc(rooms, room.Equal) {
			t.Errorf("all rooms = %v complete=%v err=%v", rooms, complete, err)
		}

		// Destroy; the name is free again for anyone.
		if err := s.muc.Destroy(ctx, room, "done"); err != nil {
			t.Fatalf("destroy: %v", err)
		}
		removed, err := s.muc.RemoveTombstone(ctx, room)
		if err != nil {
			t.Fatalf("remove tombstone: %v", err)
		}
		if removed != (kind == xmppserver.Prosody) {
			t.Errorf("tombstone removed = %v on %s", removed, kind)
		}
		if _, err := s.muc.Info(ctx, room); !errors.Is(err, muc.ErrRoomNotFound) {
			t.Errorf("info after destroy: want ErrRoomNotFound, got %v", err)
		}
		if err := alice.SendRaw(ctx, `<presence to='`+room.String()+`/again'><x xmlns='`+muc.NSMUC+`'/></presence>`); err != nil {
			t.Fatal(err)
		}
		p, err := alice.WaitPresence(ctx, func(p c2s.Presence) bool { return p.From == room.String()+"/again" })
		if err != nil || p.Type == "error" || !strings.Contains(p.Raw, `code="201"`) {
			t.Errorf("a user could not create the destroyed name again: %v %s", err, p.Raw)
		}
	})
}

func TestTemporaryRoomOutlivesCreation(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		room := s.room(t, "temp")
		err := s.muc.Create(ctx, room, func(form *muc.Form) (*muc.Form, error) {
			sub, _, err := muc.Apply(form, muc.Info{}, muc.Settings{Persistent: ptr(false)})
			return sub, err
		}, "with a subject")
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		stillThere := func(after string) {
			t.Helper()
			info, err := s.muc.Info(ctx, room)
			if err != nil {
				t.Fatalf("the temporary room is gone after %s: %v", after, err)
			}
			if !info.Has("muc_temporary") {
				t.Errorf("room features after %s = %v, want muc_temporary", after, info.Features)
			}
		}
		stillThere("its creation")
		// The component's brief stays leave it as it was.
		if err := s.muc.SetSubject(ctx, room, "another subject"); err != nil {
			t.Fatalf("subject: %v", err)
		}
		stillThere("a subject change")
		if occ, err := s.muc.Occupants(ctx, room); err != nil || len(occ) != 0 {
			t.Errorf("occupants of the empty room = %v, %v", occ, err)
		}
		stillThere("listing its occupants")
	})
}

func TestConfigurationRefusedLeavesNoRoom(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		room := s.room(t, "broken")
		err := s.muc.Create(ctx, room, func(*muc.Form) (*muc.Form, error) {
			return nil, fault.New(fault.BadRequest, "no")
		}, "")
		if !fault.Is(err, fault.BadRequest) {
			t.Fatalf("want the fill error, got %v", err)
		}
		if _, err := s.muc.Info(ctx, room); !errors.Is(err, muc.ErrRoomNotFound) {
			t.Errorf("a room was left behind: %v", err)
		}
	})
}

func TestServices(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		svcs, err := s.muc.Services(ctx, jid.MustParse(s.Hosts[0]))
		if err != nil || len(svcs) != 1 || !svcs[0].JID.Equal(s.service) || svcs[0].Name == "" {
			t.Fatalf("services = %+v, %v", svcs, err)
		}
		if _, err := s.muc.Service(ctx, jid.MustParse(s.Hosts[0])); !fault.Is(err, fault.NotFound) {
			t.Errorf("the host is not a chat service: got %v", err)
		}
		room := s.room(t, "info")
		if _, err := s.create(ctx, room, muc.Settings{Persistent: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		info, err := s.muc.Info(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		record(t, kind, "roominfo.xml", info.RoomInfo)
		if info.OccupantCount() != 0 {
			t.Errorf("occupants of an empty room = %d", info.OccupantCount())
		}
	})
}

// record writes v as XML to testdata/<kind>-<name> when XMPPREST_RECORD is
// set, for the unit tests of the mapping.
func record(t *testing.T, kind xmppserver.Kind, name string, v any) {
	if os.Getenv("XMPPREST_RECORD") == "" {
		return
	}
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", string(kind)+"-"+name), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("XMPPREST_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
