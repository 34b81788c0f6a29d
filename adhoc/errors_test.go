package adhoc

import (
	"context"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

var (
	alice      = jid.MustParse("alice@example.org")
	bob        = jid.MustParse("bob@example.org")
	nobody     = jid.MustParse("nobody@example.org")
	exampleOrg = jid.MustParse("example.org")
)

// Both servers' ways of saying "already exists", "bad input" and "done"
// come out as the same kinds.
func TestAddUserErrorConventions(t *testing.T) {
	for _, server := range []string{"prosody", "ejabberd"} {
		t.Run(server, func(t *testing.T) {
			rec := replay(t, server+"-add-user-conflict")
			c := NewClient(rec, nil)
			ctx := context.Background()
			err := c.AddUser(ctx, NewUser{JID: alice, Password: "pw"})
			if !fault.Is(err, fault.Conflict) {
				t.Fatalf("existing account: want Conflict, got %v", err)
			}
			if fe := err.(*fault.Error); fe.Resource != "alice" {
				t.Errorf("resource = %q, want alice", fe.Resource)
			}
			if err := c.AddUser(ctx, NewUser{JID: bob, Password: "pw"}); !fault.Is(err, fault.BadRequest) {
				t.Fatalf("rejected input: want BadRequest, got %v", err)
			}
			if err := c.AddUser(ctx, NewUser{JID: bob, Password: "pw"}); err != nil {
				t.Fatalf("success: %v", err)
			}
			// The form was learned once; later runs are one round trip.
			if len(rec.sent) != 4 {
				t.Errorf("sent %d IQs, want 4 (learn + 3 one-shot submits)", len(rec.sent))
			}
			if !strings.Contains(rec.sent[1], `action="complete"`) || strings.Contains(rec.sent[2], "sessionid") {
				t.Errorf("one-shot submit expected without a session id: %s", rec.sent[2])
			}
		})
	}
}

func TestEmptyPasswordRefusedBeforeAnyRoundTrip(t *testing.T) {
	rec := &recorded{t: t}
	c := NewClient(rec, nil)
	if err := c.AddUser(context.Background(), NewUser{JID: alice}); !fault.Is(err, fault.BadRequest) {
		t.Fatalf("want BadRequest, got %v", err)
	}
	if len(rec.sent) != 0 {
		t.Fatal("an IQ was sent for an empty password (Prosody would report success and create nothing)")
	}
}

func TestMissingUserIsNotFound(t *testing.T) {
	ctx := context.Background()
	t.Run("prosody", func(t *testing.T) {
		c := NewClient(replay(t, "prosody-missing-user"), nil)
		if err := c.DeleteUser(ctx, nobody); !fault.Is(err, fault.NotFound) {
			t.Errorf("delete-user: want NotFound, got %v", err)
		}
		if err := c.ChangePassword(ctx, nobody, "x"); !fault.Is(err, fault.NotFound) {
			t.Errorf("change-user-password: want NotFound, got %v", err)
		}
		ok, err := c.UserExists(ctx, nobody)
		if err != nil || ok {
			t.Errorf("user-stats existence check: got %v, %v", ok, err)
		}
	})
	t.Run("ejabberd", func(t *testing.T) {
		c := NewClient(replay(t, "ejabberd-missing-user"), hostsOffering(NodeDeleteUser, NodeChangeUserPassword, NodeGetUserLastLogin, NodeUserStats))
		if err := c.DeleteUser(ctx, nobody); !fault.Is(err, fault.NotFound) {
			t.Errorf("delete-user: want NotFound, got %v", err)
		}
		if err := c.ChangePassword(ctx, nobody, "x"); !fault.Is(err, fault.NotFound) {
			t.Errorf("change-user-password: want NotFound, got %v", err)
		}
		ok, err := c.UserExists(ctx, nobody)
		if err != nil || ok {
			t.Errorf("lastlogin existence check: got %v, %v", ok, err)
		}
	})
}

// The same typed call fills the field names each server uses.
func TestFieldNamesPerServer(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ file, session, announce string }{
		{"field-names", `<field var="accountjids"><value>alice@example.org</value></field>`, `<field var="announcement"><value>line one</value><value>line two</value></field>`},
		{"field-names-ejabberd", `<field var="accountjid"><value>alice@example.org</value></field>`, `<field var="body"><value>line one</value><value>line two</value></field>`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rec := replay(t, tc.file)
			c := NewClient(rec, nil)
			if err := c.EndSessions(ctx, alice); err != nil {
				t.Fatal(err)
			}
			if err := c.Announce(ctx, exampleOrg, "Hello", "line one\nline two\n"); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.sent[1], tc.session) {
				t.Errorf("end-user-session submitted %s, want %s", rec.sent[1], tc.session)
			}
			if !strings.Contains(rec.sent[3], tc.announce) {
				t.Errorf("announce submitted %s, want %s", rec.sent[3], tc.announce)
			}
		})
	}
}

func TestCommandNotOfferedIsRefusedBeforeAnyRoundTrip(t *testing.T) {
	rec := &recorded{t: t}
	c := NewClient(rec, hostsOffering(NodeAddUser))
	_, err := c.RegisteredUsers(context.Background(), exampleOrg)
	if !fault.Is(err, fault.NotSupported) {
		t.Fatalf("want NotSupported, got %v", err)
	}
	if !strings.Contains(err.Error(), "get-registered-users-list") {
		t.Errorf("the error does not name the missing command: %v", err)
	}
	if len(rec.sent) != 0 {
		t.Fatal("an IQ was sent for a command the host does not offer")
	}
}

func TestForbiddenSaysWhatToConfigure(t *testing.T) {
	c := NewClient(replay(t, "forbidden"), nil)
	err := c.AddUser(context.Background(), NewUser{JID: alice, Password: "pw"})
	if !fault.Is(err, fault.Forbidden) {
		t.Fatalf("want Forbidden, got %v", err)
	}
	if !strings.Contains(err.Error(), "admins") || !strings.Contains(err.Error(), "configure") {
		t.Errorf("the error does not say what to configure: %v", err)
	}
}
