package ops

import (
	"context"
	"errors"
	"testing"
	"time"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// Accounts on a host: paging, scope, the host of a name, generated names
// and lockouts.
func TestAccounts(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	for _, j := range []string{"a1@a.example", "a2@a.example", "a3@a.example", "b1@b.example"} {
		f.addAccount(j)
	}
	page, total, err := s.Accounts(ctx, admin, "a.example", 1, 1)
	if err != nil || total != 3 || len(page) != 1 || page[0].Username != "a2" || !page[0].Enabled {
		t.Fatalf("page = %+v, total %d, %v", page, total, err)
	}
	if page, total, _ := s.Accounts(ctx, admin, "a.example", 5, 2); len(page) != 0 || total != 3 {
		t.Errorf("page past the end = %+v, %d", page, total)
	}
	bAdmin := hostAdmin("b.example")
	if _, _, err := s.Accounts(ctx, bAdmin, "a.example", 0, 0); !fault.Is(err, fault.Denied) {
		t.Errorf("b's admin lists a: %v", err)
	}
	if _, _, err := s.Accounts(ctx, admin, "c.example", 0, 0); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown host: %v", err)
	}
	if page, _, _ := s.Accounts(ctx, bAdmin, "", 0, 0); len(page) != 1 || page[0].Username != "b1" {
		t.Errorf("b's admin, its own host = %+v", page)
	}
	if _, err := s.AccountJID(admin, "b.example", "a1@a.example"); !fault.Is(err, fault.BadRequest) {
		t.Errorf("a JID of a under host b: %v", err)
	}
	if _, err := s.AccountJID(bAdmin, "", "a1@a.example"); !fault.Is(err, fault.Denied) {
		t.Errorf("b's admin on a1@a: %v", err)
	}

	j, pw, err := s.CreateAccount(ctx, bAdmin, "", NewUser{})
	if err != nil || j.Domainpart() != "b.example" || len(j.Localpart()) != 36 || len(pw) != 36 || !f.hasAccount(j.String()) {
		t.Fatalf("generated account %s / %q: %v", j, pw, err)
	}

	disabled := false
	if err := s.ChangeAccount(ctx, admin, "a.example", "a1", AccountChange{Enabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if acc, err := s.Account(ctx, admin, "a.example", "a1"); err != nil || acc.Enabled {
		t.Errorf("locked account = %+v, %v", acc, err)
	}
	bad := "a\x07b"
	if err := s.ChangeAccount(ctx, admin, "a.example", "a2", AccountChange{Enabled: &disabled, Name: &bad}); !fault.Is(err, fault.BadRequest) {
		t.Errorf("bad name with a lockout: %v", err)
	}
	if acc, _ := s.Account(ctx, admin, "a.example", "a2"); !acc.Enabled {
		t.Errorf("a refused change locked a2 out")
	}
	if err := s.DeleteAccount(ctx, admin, "a.example", "a1"); err != nil {
		t.Fatal(err)
	}
	f.addAccount("a1@a.example")
	if acc, _ := s.Account(ctx, admin, "a.example", "a1"); !acc.Enabled {
		t.Errorf("a new account of a deleted locked one's name starts locked")
	}
}

// Invitations: scope, checks, redemption once, a taken name leaves the
// invitation usable, groups joined, resets, expiry.
func TestInvites(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	bAdmin := hostAdmin("b.example")
	day := 24 * time.Hour
	zero := time.Duration(0)

	for what, spec := range map[string]InviteSpec{
		"another host":        {Kind: store.InviteAccount, Host: "a.example"},
		"another host's user": {Kind: store.InviteReset, Username: "alice@a.example"},
	} {
		if _, _, err := s.CreateInvite(ctx, bAdmin, spec); !fault.Is(err, fault.Denied) {
			t.Errorf("%s: %v", what, err)
		}
	}
	for what, spec := range map[string]InviteSpec{
		"no kind":            {},
		"reset without user": {Kind: store.InviteReset},
		"zero ttl":           {Kind: store.InviteAccount, TTL: &zero},
		"unknown host":       {Kind: store.InviteAccount, Host: "c.example"},
	} {
		if _, _, err := s.CreateInvite(ctx, admin, spec); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%s: %v", what, err)
		}
	}
	if _, _, err := s.CreateInvite(ctx, admin, InviteSpec{Kind: store.InviteAccount, Groups: []string{"nope"}}); !fault.Is(err, fault.NotFound) {
		t.Errorf("missing group: %v", err)
	}
	if _, _, err := s.CreateInvite(ctx, admin, InviteSpec{Kind: store.InviteAccount, Username: "alice"}); !fault.Is(err, fault.Conflict) {
		t.Errorf("account invite for an existing name: %v", err)
	}

	if err := s.CreateGroup(ctx, admin, Group{Host: "a.example", Name: "Team", Shared: true}); err != nil {
		t.Fatal(err)
	}
	inv, secret, err := s.CreateInvite(ctx, admin, InviteSpec{Kind: store.InviteAccount, Groups: []string{"Team"}, TTL: &day})
	if err != nil || inv.Host != "a.example" || inv.Expires.Sub(inv.Created) != day {
		t.Fatalf("invite = %+v, %v", inv, err)
	}
	if _, err := s.RedeemInvite(ctx, secret, "bob", "short"); !fault.Is(err, fault.BadRequest) {
		t.Errorf("short password: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, secret, "alice", "long-enough"); !fault.Is(err, fault.Conflict) || errors.Is(err, ErrInviteUnusable) {
		t.Errorf("taken name: %v", err)
	}
	j, err := s.RedeemInvite(ctx, secret, "bob", "long-enough")
	if err != nil || j.String() != "bob@a.example" || !f.hasAccount("bob@a.example") {
		t.Fatalf("redeem = %s, %v", j, err)
	}
	if g, _ := s.GetGroup(ctx, admin, "a.example", "Team"); !contains(g.Members, "bob@a.example") {
		t.Errorf("bob did not join the group: %+v", g)
	}
	if _, err := s.RedeemInvite(ctx, secret, "carol", "long-enough"); !errors.Is(err, ErrInviteUnusable) {
		t.Errorf("second use: %v", err)
	}
	if is, _ := s.Invites(ctx, admin); len(is) != 0 {
		t.Errorf("a used invite is still pending: %+v", is)
	}

	group, gsecret, err := s.CreateInvite(ctx, bAdmin, InviteSpec{Kind: store.InviteGroup})
	if err != nil || len(group.Groups) != 1 || !group.Expires.IsZero() {
		t.Fatalf("group invite = %+v, %v", group, err)
	}
	for _, name := range []string{"x1", "x2"} {
		if _, err := s.RedeemInvite(ctx, gsecret, name, "long-enough"); err != nil {
			t.Fatalf("group invite for %s: %v", name, err)
		}
	}
	if g, _ := s.GetGroup(ctx, bAdmin, "b.example", group.Groups[0]); len(g.Members) != 2 {
		t.Errorf("the group invite's group = %+v", g)
	}
	if is, _ := s.Invites(ctx, admin); len(is) != 1 {
		t.Errorf("pending = %+v", is)
	}
	if is, _ := s.Invites(ctx, hostAdmin("a.example")); len(is) != 0 {
		t.Errorf("a's admin sees b's invites: %+v", is)
	}
	if err := s.RevokeInvite(ctx, hostAdmin("a.example"), group.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("a's admin revokes b's invite: %v", err)
	}
	if err := s.RevokeInvite(ctx, bAdmin, group.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemInvite(ctx, gsecret, "x3", "long-enough"); !errors.Is(err, ErrInviteUnusable) {
		t.Errorf("revoked: %v", err)
	}

	_, rsecret, err := s.CreateInvite(ctx, admin, InviteSpec{Kind: store.InviteReset, Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := s.RedeemInvite(ctx, rsecret, "ignored", "new-password"); err != nil || j.String() != "alice@a.example" {
		t.Errorf("reset = %s, %v", j, err)
	}
	if f.accounts["alice@a.example"] != "new-password" {
		t.Errorf("the reset did not set the password")
	}
	if _, err := s.RedeemInvite(ctx, "not-a-secret", "x", "long-enough"); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown secret: %v", err)
	}
}
