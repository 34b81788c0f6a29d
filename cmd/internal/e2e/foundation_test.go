package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"xmpprest/adhoc"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/component"
	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/fault"
	"xmpprest/component/xmppserver"
)

func TestAttachAndCapabilities(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		if code := getJSON(t, e.URL+"/readyz", nil); code != 200 {
			t.Fatalf("/readyz = %d, want 200", code)
		}
		if code := getJSON(t, e.URL+"/healthz", nil); code != 200 {
			t.Fatalf("/healthz = %d", code)
		}
		code, _ := e.do("GET", "/capabilities", "", "", "")
		if code != 200 {
			t.Fatalf("/capabilities = %d", code)
		}
		req, _ := http.NewRequest("GET", e.URL+"/capabilities", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/capabilities without credentials = %d, want 401", resp.StatusCode)
		}

		snap := e.D.Link.Snapshot()
		if len(snap.Hosts) != 1 || !snap.Hosts[0].HasCommand(adhoc.NodeAddUser) {
			t.Fatalf("add-user not discovered: %+v", snap.Hosts)
		}
		if sw := strings.ToLower(snap.Hosts[0].Software); !strings.Contains(sw, string(kind)) {
			t.Errorf("software = %q, want %s (XEP-0092)", snap.Hosts[0].Software, kind)
		}
		if snap.MUCService != e.Server.MUCService {
			t.Errorf("MUC service = %q, want %q", snap.MUCService, e.Server.MUCService)
		}
		wantPriv := map[xmppserver.Kind]string{xmppserver.Prosody: component.NSPrivilege2, xmppserver.Ejabberd: component.NSPrivilege1}[kind]
		// The advertisement is a message the server sends after the
		// handshake; it may arrive after discovery.
		eventually(t, 5*time.Second, "privilege advertisement", func() bool {
			return e.D.Link.Capabilities().Privileges().Namespace == wantPriv
		})
		p := e.D.Link.Capabilities().Privileges()
		if !p.CanRosterGet() || !p.CanSendMessages() {
			t.Errorf("privileges not granted as configured: %+v", p)
		}
	})
}

func TestAdhocAccountLifecycle(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a := e.D.Adhoc
		alice := e.user("alice")

		if err := a.AddUser(ctx, adhoc.NewUser{JID: alice, Password: ""}); !fault.Is(err, fault.BadRequest) {
			t.Fatalf("empty password: want BadRequest, got %v", err)
		}
		if err := a.AddUser(ctx, adhoc.NewUser{JID: alice, Password: "pw-one"}); err != nil {
			t.Fatalf("add-user: %v", err)
		}
		if err := e.canLogIn(alice, "pw-one"); err != nil {
			t.Fatalf("created account cannot log in: %v", err)
		}
		if err := e.canLogIn(alice, "wrong"); !errors.Is(err, c2s.ErrNotAuthorized) {
			t.Fatalf("wrong password: want ErrNotAuthorized, got %v", err)
		}
		if err := a.AddUser(ctx, adhoc.NewUser{JID: alice, Password: "pw-two"}); !fault.Is(err, fault.Conflict) {
			t.Fatalf("duplicate add-user: want Conflict, got %v", err)
		}
		if ok, err := a.UserExists(ctx, alice); err != nil || !ok {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if ok, err := a.UserExists(ctx, e.user("nobody")); err != nil || ok {
			t.Fatalf("missing user exists: %v %v", ok, err)
		}
		if err := a.ChangePassword(ctx, alice, "pw-new"); err != nil {
			t.Fatalf("change-user-password: %v", err)
		}
		if err := e.canLogIn(alice, "pw-new"); err != nil {
			t.Fatalf("new password does not work: %v", err)
		}
		if err := e.canLogIn(alice, "pw-one"); !errors.Is(err, c2s.ErrNotAuthorized) {
			t.Fatalf("old password still works: %v", err)
		}
		if err := a.DeleteUser(ctx, alice); err != nil {
			t.Fatalf("delete-user: %v", err)
		}
		if err := e.canLogIn(alice, "pw-new"); !errors.Is(err, c2s.ErrNotAuthorized) {
			t.Fatalf("deleted account can still log in: %v", err)
		}
		if err := a.DeleteUser(ctx, e.user("nobody")); !fault.Is(err, fault.NotFound) {
			t.Fatalf("delete of a missing user: want NotFound, got %v", err)
		}
	})
}

func TestWrongSecretIsAStartupError(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := xmppserver.StartT(t, kind, xmppserver.Options{})
		cfg := configFor(t, s)
		cfg.XMPP.Secret = "not-the-secret"
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		begin := time.Now()
		d, err := daemon.Start(ctx, cfg, testLogger(t))
		if err == nil {
			d.Shutdown(ctx)
			t.Fatal("xmpprest started with a wrong secret")
		}
		if !errors.Is(err, component.ErrAuth) {
			t.Fatalf("want ErrAuth, got %v", err)
		}
		if took := time.Since(begin); took > 10*time.Second {
			t.Errorf("the refusal took %s: looks like a retry loop", took)
		}
		t.Logf("start-up error: %v", err)
	})
}

func TestServerGoesAwayAndComesBack(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ready := func() bool { return getJSON(t, e.URL+"/readyz", nil) == 200 }
		notReady := func() bool { return getJSON(t, e.URL+"/readyz", nil) == 503 }

		// A graceful stop.
		if err := e.Server.Stop(); err != nil {
			t.Fatal(err)
		}
		took := eventually(t, 2*time.Second, "/readyz 503 after the server stopped", notReady)
		t.Logf("%s stopped: /readyz 503 after %s", kind, took)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: e.user("x"), Password: "x"}); !errors.Is(err, component.ErrNotConnected) {
			t.Fatalf("call while down: want ErrNotConnected, got %v", err)
		}
		if err := e.Server.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		took = eventually(t, 5*time.Second, "reattach after the server came back", ready)
		t.Logf("%s restarted: /readyz 200 after %s", kind, took)

		// The server hangs with a change in flight, then dies: the call
		// fails at once, saying that the change may have been applied (the
		// stanza had left).
		if err := syscall.Kill(e.Server.PID(), syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() {
			errc <- e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: e.user("inflight"), Password: "pw"})
		}()
		eventually(t, 5*time.Second, "the call is in flight", func() bool { return e.D.Link.InFlight() > 0 })
		killed := time.Now()
		if err := syscall.Kill(e.Server.PID(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errc:
			if !fault.Is(err, fault.Timeout) || !fault.MaybeApplied(err) {
				t.Fatalf("in-flight change: want a Timeout that may have been applied, got %v", err)
			}
			t.Logf("in-flight call failed %s after the server died: %v", time.Since(killed), err)
		case <-time.After(2 * time.Second):
			t.Fatal("the in-flight call did not fail within 2s of the server dying")
		}
		eventually(t, 2*time.Second, "/readyz 503 after the server died", notReady)
		if err := e.Server.Stop(); err != nil {
			t.Logf("stop after kill: %v", err)
		}
		if err := e.Server.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		took = eventually(t, 5*time.Second, "reattach after the server was killed", ready)
		t.Logf("%s restarted after a kill: /readyz 200 after %s", kind, took)
		if err := e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: e.user("after"), Password: "pw"}); err != nil {
			t.Fatalf("add-user after reattaching: %v", err)
		}
		if err := e.canLogIn(e.user("after"), "pw"); err != nil {
			t.Fatalf("login after reattaching: %v", err)
		}
	})
}

func TestComponentMessageReachesClient(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		carol := e.user("carol")
		if err := e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: carol, Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		client, err := c2stest.Login(ctx, e.c2sOpts(), carol, "pw", "desk")
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		if err := client.SendPresence(ctx); err != nil {
			t.Fatal(err)
		}
		err = e.D.Link.Send(ctx, component.Stanza{Name: "message", To: client.JID(), Type: "chat",
			Payload: `<body>hello from the component</body>`})
		if err != nil {
			t.Fatal(err)
		}
		m, err := client.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "hello from the component" })
		if err != nil {
			t.Fatal(err)
		}
		if m.From != e.Server.ComponentJID {
			t.Errorf("from = %q, want the component %q", m.From, e.Server.ComponentJID)
		}
	})
}

// The component answers disco#info and ping, and service-unavailable to
// anything else, as seen by a user of the server.
func TestComponentAnswersIQs(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dave := e.user("dave")
		if err := e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: dave, Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		client, err := c2stest.Login(ctx, e.c2sOpts(), dave, "pw", "")
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		to := e.Server.ComponentJID
		for _, tc := range []struct{ iq, want string }{
			{`<iq type='get' to='` + to + `'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`, `category="component"`},
			{`<iq type='get' to='` + to + `'><ping xmlns='urn:xmpp:ping'/></iq>`, `type="result"`},
			{`<iq type='get' to='` + to + `'><query xmlns='jabber:iq:version'/></iq>`, `service-unavailable`},
			{`<iq type='set' to='` + to + `'><query xmlns='urn:example:nothing'/></iq>`, `service-unavailable`},
		} {
			reply, err := client.IQ(ctx, tc.iq)
			if err != nil {
				t.Fatalf("%s: %v", tc.iq, err)
			}
			if !strings.Contains(reply, tc.want) {
				t.Errorf("%s\n  reply %s\n  want %s", tc.iq, reply, tc.want)
			}
		}
	})
}
