package usersession_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/usersession"
	"xmpprest/component/xmppserver"
)

// waitEvent returns the first event named name whose JSON payload matches.
func waitEvent(t *testing.T, sub *usersession.Subscription, name string, match func(map[string]string) bool) map[string]string {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("event stream closed while waiting for %s", name)
			}
			if ev.Name != name {
				continue
			}
			var v map[string]string
			if err := json.Unmarshal(ev.Data, &v); err != nil {
				t.Fatalf("event %s: %v", name, err)
			}
			if match(v) {
				return v
			}
		case <-timeout:
			t.Fatalf("no matching %s event", name)
		}
	}
}

func TestSession(t *testing.T) {
	for _, kind := range []xmppserver.Kind{xmppserver.Prosody, xmppserver.Ejabberd} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := xmppserver.StartT(t, kind, xmppserver.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			host := srv.Hosts[0]
			alice, bob := jid.MustParse("alice@"+host), jid.MustParse("bob@"+host)
			for _, u := range []string{"alice", "bob"} {
				if err := srv.RegisterUser(ctx, u, host, u+"-pw"); err != nil {
					t.Fatal(err)
				}
			}
			opts := c2s.Options{Addr: srv.C2SAddr, TLS: c2s.TLSStartTLS, InsecureSkipVerify: true, Timeout: 5 * time.Second}
			m := usersession.NewManager(usersession.Config{C2S: opts, ReconnectMax: 500 * time.Millisecond})
			defer m.Close()

			if _, err := m.Open(ctx, alice, "wrong"); !errors.Is(err, c2s.ErrNotAuthorized) {
				t.Fatalf("wrong password: got %v, want ErrNotAuthorized", err)
			}
			if m.Count() != 0 {
				t.Fatal("a refused login left a session behind")
			}
			s, err := m.Open(ctx, alice, "alice-pw")
			if err != nil {
				t.Fatal(err)
			}
			again, err := m.Open(ctx, alice, "alice-pw")
			if err != nil || again != s {
				t.Fatalf("second sign-in: %v; same session %v", err, again == s)
			}
			if _, err := m.Open(ctx, alice, "wrong"); !errors.Is(err, c2s.ErrNotAuthorized) {
				t.Fatalf("wrong password on a live session: got %v", err)
			}
			sub, _, _ := s.Hub().Subscribe(0)
			defer sub.Close()

			b, err := c2stest.Login(ctx, opts, bob, "bob-pw", "phone")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if err := b.SendPresence(ctx); err != nil {
				t.Fatal(err)
			}

			// A message from another client arrives as an event.
			if err := b.SendMessage(ctx, alice, "hello alice"); err != nil {
				t.Fatal(err)
			}
			waitEvent(t, sub, usersession.EventChat, func(v map[string]string) bool {
				return v["body"] == "hello alice" && strings.HasPrefix(v["from"], bob.String()) && v["type"] == "chat"
			})

			// A message sent by the session arrives at the other client.
			id, err := s.SendMessage(ctx, bob, "hello bob")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "hello bob" && m.ID == id }); err != nil {
				t.Fatal(err)
			}
			if err := s.SendChatState(ctx, bob, "composing"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return strings.Contains(m.Raw, "composing") }); err != nil {
				t.Fatal(err)
			}
			if err := s.SendChatState(ctx, bob, "typing"); err == nil {
				t.Fatal("an invalid chat state was sent")
			}

			// Mutual subscription: alice asks, bob accepts; bob asks, alice accepts.
			if err := s.SetRosterItem(ctx, usersession.RosterItem{JID: bob.String(), Name: "Bob", Groups: []string{"Friends"}}); err != nil {
				t.Fatal(err)
			}
			if err := s.SendSubscription(ctx, bob, "subscribe"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool { return p.Type == "subscribe" }); err != nil {
				t.Fatal(err)
			}
			b.SendRaw(ctx, fmt.Sprintf("<presence to='%s' type='subscribed'/>", alice))
			b.SendRaw(ctx, fmt.Sprintf("<presence to='%s' type='subscribe'/>", alice))
			waitEvent(t, sub, usersession.EventPresence, func(v map[string]string) bool { return v["type"] == "subscribe" })
			if err := s.SendSubscription(ctx, bob, "subscribed"); err != nil {
				t.Fatal(err)
			}
			// Once subscribed, bob's presence is pushed to alice.
			for {
				if p, err := s.ContactPresence(bob); err == nil && p.Available {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatal("bob's presence never reached alice's session")
				case <-time.After(20 * time.Millisecond):
				}
			}
			b.SendRaw(ctx, "<presence><status>back</status></presence>")
			waitEvent(t, sub, usersession.EventPresence, func(v map[string]string) bool {
				return v["type"] == "presence" && strings.HasPrefix(v["from"], bob.String()) && v["status"] == "back"
			})
			// The roster push of the second subscription may come later.
			for {
				item, ok := s.RosterItem(bob)
				if ok && item.Subscription == "both" && item.Name == "Bob" {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("roster item of bob: %+v (found %v), want subscription both, name Bob", item, ok)
				case <-time.After(20 * time.Millisecond):
				}
			}
			p, err := s.ContactPresence(bob)
			if err != nil || !p.Available {
				t.Fatalf("bob's presence: %+v, %v", p, err)
			}
			if _, err := s.ContactPresence(jid.MustParse("stranger@" + host)); err == nil {
				t.Fatal("presence of a contact not subscribed to was answered")
			}
			// Alice's presence change is seen by bob.
			if err := s.SetPresence(ctx, "dnd", "in a meeting"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool { return p.Show == "dnd" && p.Status == "in a meeting" }); err != nil {
				t.Fatal(err)
			}

			// The conversation is in alice's archive.
			msgs, err := s.Archive(ctx, usersession.ArchiveQuery{With: bob})
			if err != nil {
				t.Fatal(err)
			}
			var bodies []string
			for _, m := range msgs {
				bodies = append(bodies, m.Body)
			}
			if got := strings.Join(bodies, "|"); !strings.Contains(got, "hello alice") || !strings.Contains(got, "hello bob") {
				t.Fatalf("archive with bob: %q, want both messages", got)
			}

			// The server restarts: the session comes back by itself.
			b.Close()
			if err := srv.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			b2, err := c2stest.Login(ctx, opts, bob, "bob-pw", "laptop")
			if err != nil {
				t.Fatal(err)
			}
			defer b2.Close()
			b2.SendPresence(ctx)
			deadline := time.Now().Add(20 * time.Second)
			for {
				if err := b2.SendMessage(ctx, alice, "after restart"); err != nil {
					t.Fatal(err)
				}
				got := false
				timeout := time.After(500 * time.Millisecond)
			drain:
				for {
					select {
					case ev := <-sub.Events():
						if ev.Name == usersession.EventChat && strings.Contains(string(ev.Data), "after restart") {
							got = true
							break drain
						}
					case <-timeout:
						break drain
					}
				}
				if got {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the session did not come back after the server restarted")
				}
			}

			// Ending the session: bob sees alice go offline.
			s.End()
			if _, err := b2.WaitPresence(ctx, func(p c2stest.Presence) bool {
				return p.Type == "unavailable" && strings.HasPrefix(p.From, alice.String())
			}); err != nil {
				t.Fatal(err)
			}
			if m.Get(alice) != nil || m.Count() != 0 {
				t.Fatal("ended session still held")
			}
			if _, ok := <-sub.Events(); ok {
				// drain what is left; the channel must be closed
				for range sub.Events() {
				}
			}
		})
	}
}

func TestIdleSessionEnds(t *testing.T) {
	for _, kind := range []xmppserver.Kind{xmppserver.Prosody, xmppserver.Ejabberd} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			testIdleSessionEnds(t, kind)
		})
	}
}

func testIdleSessionEnds(t *testing.T, kind xmppserver.Kind) {
	srv := xmppserver.StartT(t, kind, xmppserver.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	host := srv.Hosts[0]
	if err := srv.RegisterUser(ctx, "carol", host, "carol-pw"); err != nil {
		t.Fatal(err)
	}
	opts := c2s.Options{Addr: srv.C2SAddr, TLS: c2s.TLSNone}
	m := usersession.NewManager(usersession.Config{C2S: opts, IdleTimeout: 300 * time.Millisecond})
	defer m.Close()
	carol := jid.MustParse("carol@" + host)
	s, err := m.Open(ctx, carol, "carol-pw")
	if err != nil {
		t.Fatal(err)
	}
	// An open stream keeps it alive past the idle timeout.
	closeStream := s.OpenStream()
	select {
	case <-s.Done():
		t.Fatal("a session with an open stream ended as idle")
	case <-time.After(time.Second):
	}
	closeStream()
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("idle session not ended")
	}
	if s.Err() != nil || m.Get(carol) != nil {
		t.Fatalf("idle end: err %v, still held %v", s.Err(), m.Get(carol) != nil)
	}
}
