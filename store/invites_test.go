package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTokensHostAndLastUsed(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	secret, tok, err := s.IssueToken(ctx, Token{Name: "ops", Scope: "admin", Host: "a.test"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.LookupToken(ctx, secret)
	if err != nil || got.Host != "a.test" || got.Scope != "admin" || got.ID != tok.ID || !got.LastUsed.IsZero() {
		t.Fatalf("lookup = %+v, %v", got, err)
	}
	now := time.Now()
	if err := s.TouchToken(ctx, tok.ID, now); err != nil {
		t.Fatal(err)
	}
	// A second use within the minute is not written.
	if err := s.TouchToken(ctx, tok.ID, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].LastUsed.UnixMilli() != now.UnixMilli() {
		t.Fatalf("tokens = %+v, %v", list, err)
	}
	if _, err := s.LookupToken(ctx, secret+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong secret: %v", err)
	}
	expired, _, err := s.IssueToken(ctx, Token{Name: "old", Scope: "admin"}, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // the expiry itself is what is tested
	if _, err := s.LookupToken(ctx, expired); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired token: %v", err)
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupToken(ctx, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: %v", err)
	}
}

func TestInviteLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	now := time.Now()
	put := func(i Invite, secret string) {
		t.Helper()
		i.Created = now
		if err := s.Update(ctx, func(tx *Tx) error { return tx.PutInvite(ctx, i, secret) }); err != nil {
			t.Fatal(err)
		}
	}
	put(Invite{ID: "one", Kind: InviteAccount, Host: "a.test", Groups: []string{"team"}, Expires: now.Add(time.Hour)}, "s1")
	put(Invite{ID: "many", Kind: InviteGroup, Host: "b.test"}, "s2")
	put(Invite{ID: "gone", Kind: InviteReset, Host: "a.test", Username: "bob", Expires: now.Add(-time.Second)}, "s3")

	i, err := s.InviteBySecret(ctx, "s1")
	if err != nil || i.ID != "one" || len(i.Groups) != 1 || i.Groups[0] != "team" || i.State(now) != InviteValid {
		t.Fatalf("by secret = %+v, %v", i, err)
	}
	if i, _ := s.Invite(ctx, "gone"); i.State(now) != InviteExpired {
		t.Errorf("expired invite state = %s", i.State(now))
	}
	pending, err := s.PendingInvites(ctx, []string{"a.test"}, now)
	if err != nil || len(pending) != 1 || pending[0].ID != "one" {
		t.Fatalf("pending on a.test = %+v, %v", pending, err)
	}

	if err := s.ClaimInvite(ctx, "one", now); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimInvite(ctx, "one", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("second claim of a single-use invite: %v", err)
	}
	if err := s.ReleaseInvite(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimInvite(ctx, "one", now); err != nil {
		t.Errorf("claim after release: %v", err)
	}
	if i, _ := s.Invite(ctx, "one"); i.State(now) != InviteUsed {
		t.Errorf("used invite state = %s", i.State(now))
	}
	for n := 0; n < 3; n++ {
		if err := s.ClaimInvite(ctx, "many", now); err != nil {
			t.Fatalf("reusable claim %d: %v", n, err)
		}
	}
	if i, _ := s.Invite(ctx, "many"); i.Uses != 3 || i.State(now) != InviteValid {
		t.Errorf("reusable invite = %+v", i)
	}
	if err := s.ClaimInvite(ctx, "gone", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim of an expired invite: %v", err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.RevokeInvite(ctx, "many", now) }); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimInvite(ctx, "many", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim of a revoked invite: %v", err)
	}
	if i, _ := s.Invite(ctx, "many"); i.State(now) != InviteRevoked {
		t.Errorf("revoked invite state = %s", i.State(now))
	}
}
