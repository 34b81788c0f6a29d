package ops

import (
	"context"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

func hostAdmin(host string) Actor {
	return Actor{Name: "token-" + host, Role: RoleHostAdmin, Host: host}
}

func signedIn(user string) Actor { return Actor{Name: user, Role: RoleUser, User: jid.MustParse(user)} }

// Every operation other than chat rooms refuses, with fault.Denied and
// without changing anything, a host-scoped actor on another host and a
// signed-in user on another user's account.
func TestScopeRefusals(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	for _, j := range []string{"alice@a.example", "bob@a.example", "carol@b.example"} {
		f.addAccount(j)
	}
	if err := s.CreateGroup(ctx, admin, Group{Host: "b.example", Name: "G", Members: []string{"carol"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSystemProperty(ctx, admin, "b.example", "k", "v", false); err != nil {
		t.Fatal(err)
	}
	// Each operation acts on the account target (a bare JID) or on its
	// host.
	ops := map[string]func(a Actor, target jid.JID) error{
		"ListUsers": func(a Actor, t jid.JID) error {
			_, err := s.ListUsers(ctx, a, UserFilter{Host: t.Domainpart()})
			return err
		},
		"GetUser": func(a Actor, t jid.JID) error { _, err := s.GetUser(ctx, a, t.String()); return err },
		"CreateUser": func(a Actor, t jid.JID) error {
			return s.CreateUser(ctx, a, NewUser{Username: "new@" + t.Domainpart(), Password: "pw"})
		},
		"UpdateUser": func(a Actor, t jid.JID) error {
			name := "x"
			return s.UpdateUser(ctx, a, t.String(), UserChange{Name: &name})
		},
		"RenameUser": func(a Actor, t jid.JID) error {
			to, pw := "renamed@"+t.Domainpart(), "pw"
			return s.UpdateUser(ctx, a, t.String(), UserChange{Username: &to, Password: &pw})
		},
		"DeleteUser": func(a Actor, t jid.JID) error { return s.DeleteUser(ctx, a, t.String()) },
		"Sessions": func(a Actor, t jid.JID) error {
			_, err := s.Sessions(ctx, a, t.Domainpart())
			return err
		},
		"SessionTotal": func(a Actor, t jid.JID) error {
			_, err := s.SessionTotal(ctx, a, t.Domainpart())
			return err
		},
		"UserSessions": func(a Actor, t jid.JID) error { _, err := s.UserSessions(ctx, a, t.String()); return err },
		"KickUser":     func(a Actor, t jid.JID) error { return s.KickUser(ctx, a, t.String()) },
		"ListGroups": func(a Actor, t jid.JID) error {
			_, err := s.ListGroups(ctx, a, t.Domainpart())
			return err
		},
		"GetGroup": func(a Actor, t jid.JID) error {
			_, err := s.GetGroup(ctx, a, t.Domainpart(), "G")
			return err
		},
		"CreateGroup": func(a Actor, t jid.JID) error {
			return s.CreateGroup(ctx, a, Group{Host: t.Domainpart(), Name: "H"})
		},
		"UpdateGroup": func(a Actor, t jid.JID) error {
			d := "d"
			return s.UpdateGroup(ctx, a, t.Domainpart(), "G", GroupChange{Description: &d})
		},
		"DeleteGroup": func(a Actor, t jid.JID) error { return s.DeleteGroup(ctx, a, t.Domainpart(), "G") },
		"UserGroups":  func(a Actor, t jid.JID) error { _, err := s.UserGroups(ctx, a, t.String()); return err },
		"AddUserToGroups": func(a Actor, t jid.JID) error {
			return s.AddUserToGroups(ctx, a, t.String(), []string{"H"})
		},
		"RemoveUserFromGroups": func(a Actor, t jid.JID) error {
			return s.RemoveUserFromGroups(ctx, a, t.String(), []string{"G"})
		},
		"SetUserGroups": func(a Actor, t jid.JID) error { return s.SetUserGroups(ctx, a, t.String(), nil) },
		"Roster":        func(a Actor, t jid.JID) error { _, err := s.Roster(ctx, a, t.String()); return err },
		"AddRosterItem": func(a Actor, t jid.JID) error {
			return s.AddRosterItem(ctx, a, t.String(), RosterItem{JID: "zed@elsewhere.example"})
		},
		"UpdateRosterItem": func(a Actor, t jid.JID) error {
			return s.UpdateRosterItem(ctx, a, t.String(), "zed@elsewhere.example", RosterChange{})
		},
		"DeleteRosterItem": func(a Actor, t jid.JID) error {
			return s.DeleteRosterItem(ctx, a, t.String(), "zed@elsewhere.example")
		},
		"VCard": func(a Actor, t jid.JID) error { _, _, err := s.VCard(ctx, a, t.String()); return err },
		"SetVCard": func(a Actor, t jid.JID) error {
			return s.SetVCard(ctx, a, t.String(), []byte(`<vCard xmlns="vcard-temp"/>`))
		},
		"DeleteVCard": func(a Actor, t jid.JID) error {
			return s.DeleteVCard(ctx, a, t.String())
		},
		"LockOut": func(a Actor, t jid.JID) error { return s.LockOut(ctx, a, t.String()) },
		"Unlock":  func(a Actor, t jid.JID) error { return s.Unlock(ctx, a, t.String()) },
		"SystemProperties": func(a Actor, t jid.JID) error {
			_, err := s.SystemProperties(ctx, a, t.Domainpart())
			return err
		},
		"SystemProperty": func(a Actor, t jid.JID) error {
			_, err := s.SystemProperty(ctx, a, t.Domainpart(), "k")
			return err
		},
		"SetSystemProperty": func(a Actor, t jid.JID) error {
			return s.SetSystemProperty(ctx, a, t.Domainpart(), "k", "changed", true)
		},
		"DeleteSystemProperty": func(a Actor, t jid.JID) error {
			return s.DeleteSystemProperty(ctx, a, t.Domainpart(), "k")
		},
		"Broadcast": func(a Actor, t jid.JID) error { return s.Broadcast(ctx, a, t.Domainpart(), "", "hello") },
		"AuditLog": func(a Actor, t jid.JID) error {
			_, err := s.AuditLog(ctx, a, AuditQuery{Host: t.Domainpart()})
			return err
		},
	}
	carol, bob := jid.MustParse("carol@b.example"), jid.MustParse("bob@a.example")
	for name, op := range ops {
		if err := op(hostAdmin("a.example"), carol); !fault.Is(err, fault.Denied) {
			t.Errorf("%s: an administrator of a.example on b.example: %v, want Denied", name, err)
		}
		if err := op(signedIn("alice@a.example"), bob); !fault.Is(err, fault.Denied) {
			t.Errorf("%s: alice on bob's account: %v, want Denied", name, err)
		}
		if err := op(Actor{Name: "nobody"}, bob); !fault.Is(err, fault.Denied) {
			t.Errorf("%s: an actor without a role: %v, want Denied", name, err)
		}
	}
	// Nothing was changed by the refusals.
	if g, err := s.GetGroup(ctx, admin, "b.example", "G"); err != nil || g.Description != "" || len(g.Members) != 1 {
		t.Errorf("group after refusals: %+v, %v", g, err)
	}
	if v, err := s.SystemProperty(ctx, admin, "b.example", "k"); v != "v" || err != nil {
		t.Errorf("property after refusals: %q, %v", v, err)
	}
	for _, j := range []string{"new@b.example", "renamed@a.example", "renamed@b.example"} {
		if f.hasAccount(j) {
			t.Errorf("a refused call created %s", j)
		}
	}
	if !f.hasAccount("carol@b.example") || !f.hasAccount("bob@a.example") {
		t.Error("a refused call deleted an account")
	}
}

// What each scope may do: a host administrator on its host; a user on its
// own account, but not the administrator's business even there.
func TestScopeAllows(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	if err := s.CreateUser(ctx, hostAdmin("a.example"), NewUser{Username: "dave@a.example", Password: "pw"}); err != nil {
		t.Errorf("host admin creates a user on its host: %v", err)
	}
	if err := s.CreateGroup(ctx, hostAdmin("a.example"), Group{Host: "a.example", Name: "G"}); err != nil {
		t.Errorf("host admin creates a group on its host: %v", err)
	}
	alice := signedIn("alice@a.example")
	name := "Alice"
	if err := s.UpdateUser(ctx, alice, "alice@a.example", UserChange{Name: &name}); err != nil {
		t.Errorf("alice changes her name: %v", err)
	}
	if _, err := s.Roster(ctx, alice, "alice@a.example"); err != nil {
		t.Errorf("alice reads her roster: %v", err)
	}
	if err := s.DeleteUser(ctx, alice, "alice@a.example"); !fault.Is(err, fault.Denied) {
		t.Errorf("alice deletes her account: %v, want Denied (an administrator's business)", err)
	}
	if err := s.LockOut(ctx, alice, "alice@a.example"); !fault.Is(err, fault.Denied) {
		t.Errorf("alice locks herself out: %v, want Denied", err)
	}
	// The audit log of a host administrator is its host's.
	recs, err := s.AuditLog(ctx, hostAdmin("a.example"), AuditQuery{})
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit log of a.example: %v, %v", recs, err)
	}
	for _, r := range recs {
		if r.Host != "a.example" {
			t.Errorf("a.example's administrator sees a record of %q: %+v", r.Host, r)
		}
	}
	if _, err := s.AuditLog(ctx, hostAdmin("a.example"), AuditQuery{}); err != nil {
		t.Error(err)
	}
	// A group across hosts needs an administrator of every host.
	if err := s.CreateGroup(ctx, hostAdmin("a.example"), Group{Host: "a.example", Name: "All", Shared: true, AllHosts: true}); !fault.Is(err, fault.Denied) {
		t.Errorf("host admin makes a group across hosts: %v, want Denied", err)
	}
	if err := s.Broadcast(ctx, hostAdmin("a.example"), "", "", "to all hosts"); !fault.Is(err, fault.Denied) {
		t.Errorf("host admin broadcasts to every host: %v, want Denied", err)
	}
}
