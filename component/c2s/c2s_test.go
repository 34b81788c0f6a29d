package c2s_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

var kinds = []xmppserver.Kind{xmppserver.Prosody, xmppserver.Ejabberd}

var modes = []c2s.TLSMode{c2s.TLSNone, c2s.TLSStartTLS, c2s.TLSRequired}

func TestC2S(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			srv := xmppserver.StartT(t, kind, xmppserver.Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			host := srv.Hosts[0]
			alice := jid.MustParse("alice@" + host)
			bob := jid.MustParse("bob@" + host)
			for _, u := range []string{"alice", "bob"} {
				if err := srv.RegisterUser(ctx, u, host, u+"-pw"); err != nil {
					t.Fatal(err)
				}
			}

			t.Run("CheckPassword", func(t *testing.T) {
				for _, mode := range modes {
					opts := c2s.Options{Addr: srv.C2SAddr, TLS: mode, InsecureSkipVerify: true}
					if err := c2s.CheckPassword(ctx, opts, alice, "alice-pw"); err != nil {
						t.Errorf("%s: good password: %v", mode, err)
					}
					err := c2s.CheckPassword(ctx, opts, alice, "wrong")
					if !errors.Is(err, c2s.ErrNotAuthorized) {
						t.Errorf("%s: wrong password: got %v, want ErrNotAuthorized", mode, err)
					}
					err = c2s.CheckPassword(ctx, opts, jid.MustParse("nobody@"+host), "x")
					if !errors.Is(err, c2s.ErrNotAuthorized) {
						t.Errorf("%s: no such user: got %v, want ErrNotAuthorized", mode, err)
					}
				}
			})

			t.Run("Errors", func(t *testing.T) {
				// The self-signed certificate is refused when it is checked.
				err := c2s.CheckPassword(ctx, c2s.Options{Addr: srv.C2SAddr}, alice, "alice-pw")
				if err == nil || errors.Is(err, c2s.ErrNotAuthorized) || !strings.Contains(err.Error(), "TLS") {
					t.Errorf("unverifiable certificate: got %v, want a TLS error", err)
				}
				err = c2s.CheckPassword(ctx, c2s.Options{Addr: closedAddr(t), TLS: c2s.TLSNone}, alice, "alice-pw")
				if err == nil || errors.Is(err, c2s.ErrNotAuthorized) || !strings.Contains(err.Error(), "dial") {
					t.Errorf("closed port: got %v, want a dial error", err)
				}
			})

			opts := c2s.Options{Addr: srv.C2SAddr, TLS: c2s.TLSRequired, InsecureSkipVerify: true}
			a := login(ctx, t, opts, alice, "alice-pw", "phone")
			b := login(ctx, t, c2s.Options{Addr: srv.C2SAddr, TLS: c2s.TLSNone}, bob, "bob-pw", "")

			t.Run("Message", func(t *testing.T) {
				if a.JID().String() != "alice@"+host+"/phone" {
					t.Errorf("bound JID %s, want the requested resource", a.JID())
				}
				if b.JID().Resourcepart() == "" {
					t.Errorf("bound JID %s has no resource", b.JID())
				}
				for _, c := range []*c2stest.Client{a, b} {
					if err := c.SendPresence(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if err := a.SendMessage(ctx, bob, "hello bob"); err != nil {
					t.Fatal(err)
				}
				m, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "hello bob" })
				if err != nil {
					t.Fatal(err)
				}
				if m.From != a.JID().String() || m.Type != "chat" || !strings.Contains(m.Raw, "<body>hello bob</body>") {
					t.Errorf("got %+v", m)
				}
				if err := b.SendRaw(ctx, "<message to='"+alice.String()+"' type='chat'><subject>s</subject><body>hi &amp; bye</body></message>"); err != nil {
					t.Fatal(err)
				}
				// The channel also has what came before, e.g. Prosody's
				// mod_privilege sends every user an empty <privilege/>
				// message from the host on initial presence.
				for m := range a.Messages() {
					if m.Body == "" {
						continue
					}
					if m.Body != "hi & bye" || m.Subject != "s" || !strings.HasPrefix(m.From, bob.String()+"/") {
						t.Errorf("got %+v", m)
					}
					break
				}
			})

			t.Run("Roster", func(t *testing.T) {
				items, err := a.Roster(ctx)
				if err != nil || len(items) != 0 {
					t.Fatalf("empty roster: got %v, %v", items, err)
				}
				err = a.SetRosterItem(ctx, c2stest.RosterItem{JID: bob.String(), Name: "Bob", Groups: []string{"Friends"}})
				if err != nil {
					t.Fatal(err)
				}
				items, err = a.Roster(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(items) != 1 || items[0].JID != bob.String() || items[0].Name != "Bob" ||
					items[0].Subscription != "none" || len(items[0].Groups) != 1 || items[0].Groups[0] != "Friends" {
					t.Errorf("got %+v", items)
				}
			})

			t.Run("ServerStop", func(t *testing.T) {
				if err := srv.Stop(); err != nil {
					t.Fatal(err)
				}
				for _, c := range []*c2stest.Client{a, b} {
					select {
					case <-c.Done():
					case <-ctx.Done():
						t.Fatalf("%s: session still open after the server stopped", c.JID())
					}
				}
				if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "never" }); !errors.Is(err, c2stest.ErrClosed) {
					t.Errorf("WaitMessage after the end: got %v, want ErrClosed", err)
				}
			})
		})
	}
}

func login(ctx context.Context, t *testing.T, opts c2s.Options, user jid.JID, password, resource string) *c2stest.Client {
	t.Helper()
	c, err := c2stest.Login(ctx, opts, user, password, resource)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedAddr returns a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
