package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"xmpprest/adhoc"
	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

type ofSession struct {
	SessionID   string `xml:"sessionId" json:"sessionId"`
	Username    string `xml:"username" json:"username"`
	Resource    string `xml:"resource" json:"resource"`
	Node        string `xml:"node" json:"node"`
	HostAddress string `xml:"hostAddress" json:"hostAddress"`
}

type ofSessions struct {
	Sessions []ofSession `xml:"session" json:"sessions"`
}

// TestOpenfireSessions lists sessions of users logged in over c2s, counts
// them, and kicks one user, whose connections close.
func TestOpenfireSessions(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		alice := e.account("alice", "pw-a")
		bob := e.account("bob", "pw-b")
		var clients []*c2stest.Client
		for _, res := range []string{"desk", "phone"} {
			c, err := c2stest.Login(ctx, e.c2sOpts(), alice, "pw-a", res)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.SendPresence(ctx); err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
		cb, err := c2stest.Login(ctx, e.c2sOpts(), bob, "pw-b", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		defer cb.Close()

		for _, f := range wireFormats {
			status, resp := e.of("GET", "/sessions", f, "")
			wantStatus(t, "list sessions", status, resp, 200)
			var all ofSessions
			decodeAs(t, f, resp, &all)
			ids := map[string]ofSession{}
			for _, s := range all.Sessions {
				ids[s.SessionID] = s
			}
			for _, want := range []string{alice.String() + "/desk", alice.String() + "/phone", bob.String() + "/laptop"} {
				s, ok := ids[want]
				if !ok {
					t.Fatalf("%s: session %s missing from %s", f.name(), want, resp)
				}
				if s.HostAddress != "127.0.0.1" || s.Node != "Local" || s.Resource == "" || s.Username == "" {
					t.Errorf("%s: session %+v", f.name(), s)
				}
			}

			status, resp = e.of("GET", "/sessions/alice", f, "")
			wantStatus(t, "alice's sessions", status, resp, 200)
			var mine ofSessions
			decodeAs(t, f, resp, &mine)
			if len(mine.Sessions) != 2 || mine.Sessions[0].Username != "alice" {
				t.Errorf("%s: alice's sessions = %s", f.name(), resp)
			}

			status, resp = e.of("GET", "/sessions/nobody", f, "")
			wantStatus(t, "sessions of a missing user", status, resp, 200)
			var none ofSessions
			decodeAs(t, f, resp, &none)
			if len(none.Sessions) != 0 {
				t.Errorf("sessions of nobody = %s", resp)
			}

			status, resp = e.of("GET", "/system/statistics/sessions", f, "")
			wantStatus(t, "session statistics", status, resp, 200)
			var count struct {
				Local   int `xml:"localSessions" json:"localSessions"`
				Cluster int `xml:"clusterSessions" json:"clusterSessions"`
			}
			decodeAs(t, f, resp, &count)
			if count.Local != 3 || count.Cluster != 3 {
				t.Errorf("%s: statistics = %s, want 3 sessions", f.name(), resp)
			}
		}

		status, resp := e.of("DELETE", "/sessions/alice", fmtXML, "")
		wantStatus(t, "kick alice", status, resp, 200)
		for _, c := range clients {
			select {
			case <-c.Done():
			case <-ctx.Done():
				t.Fatalf("alice's session %s was not closed", c.JID())
			}
		}
		select {
		case <-cb.Done():
			t.Fatal("kicking alice closed bob's session")
		default:
		}
		// The server drops its session record just after the stream closes.
		eventually(t, 5*time.Second, "alice's sessions gone from /sessions/alice", func() bool {
			_, resp := e.of("GET", "/sessions/alice", fmtJSON, "")
			var after ofSessions
			decodeAs(t, fmtJSON, resp, &after)
			return len(after.Sessions) == 0
		})
	})
}

// TestOpenfireBroadcast sends a broadcast and checks that a logged-in
// client receives it.
func TestOpenfireBroadcast(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		alice := e.account("alice", "pw-a")
		c := e.client(alice, "pw-a")
		if err := c.SendPresence(ctx); err != nil {
			t.Fatal(err)
		}
		for _, f := range wireFormats {
			text := "maintenance at noon (" + f.name() + ")"
			body := `<message><body>` + text + `</body></message>`
			if f == fmtJSON {
				body = `{"body":"` + text + `"}`
			}
			status, resp := e.of("POST", "/messages/users", f, body)
			wantStatus(t, "broadcast", status, resp, 201)
			if _, err := c.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == text }); err != nil {
				t.Fatalf("broadcast %q did not arrive: %v", text, err)
			}
			status, resp = e.of("POST", "/messages/users", f, strings.Replace(body, text, "", 1))
			wantError(t, f, "broadcast without body", status, resp, 400, "IllegalArgumentException")
		}
	})
}

// TestOpenfireLockouts locks a user out and unlocks it where the server
// offers disable-user, and checks the 501 naming the command elsewhere.
func TestOpenfireLockouts(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		alice := e.account("alice", "pw-a")
		c := e.client(alice, "pw-a")

		status, resp := e.of("POST", "/lockouts/nobody", fmtJSON, "")
		wantError(t, fmtJSON, "lock out a missing user", status, resp, 404, "UserNotFoundException")

		status, resp = e.of("POST", "/lockouts/alice", fmtXML, "")
		if !e.offers(adhoc.NodeDisableUser) {
			er := wantError(t, fmtXML, "lockout without disable-user", status, resp, 501, "")
			if !strings.Contains(er.Message, "disable-user") {
				t.Errorf("501 does not name disable-user: %q", er.Message)
			}
			if err := e.canLogIn(alice, "pw-a"); err != nil {
				t.Errorf("a refused lockout changed the account: %v", err)
			}
			status, resp = e.of("DELETE", "/lockouts/alice", fmtJSON, "")
			er = wantError(t, fmtJSON, "unlock without reenable-user", status, resp, 501, "")
			if !strings.Contains(er.Message, "reenable-user") {
				t.Errorf("501 does not name reenable-user: %q", er.Message)
			}
			return
		}
		wantStatus(t, "lock out alice", status, resp, 201)
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("the locked-out user's session stayed open")
		}
		if err := e.canLogIn(alice, "pw-a"); !errors.Is(err, c2s.ErrNotAuthorized) {
			t.Errorf("locked-out user can log in (err %v)", err)
		}
		status, resp = e.of("DELETE", "/lockouts/alice", fmtJSON, "")
		wantStatus(t, "unlock alice", status, resp, 200)
		if err := e.canLogIn(alice, "pw-a"); err != nil {
			t.Errorf("unlocked user cannot log in: %v", err)
		}
	})
}
