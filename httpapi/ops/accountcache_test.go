package ops

import (
	"context"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

func jidOf(t *testing.T, s string) jid.JID {
	t.Helper()
	j, err := jid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestAccountCacheOff(t *testing.T) {
	s, f := fakeService(t)
	ctx := context.Background()
	f.addAccount("ann@a.example")
	if _, err := s.UserGroups(ctx, admin, "ann@a.example"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	delete(f.accounts, "ann@a.example") // deleted outside xmpprest
	f.mu.Unlock()
	if _, err := s.UserGroups(ctx, admin, "ann@a.example"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("without a cache, an account deleted on the server: got %v, want NotFound", err)
	}
}

func TestAccountCacheRemembersExistenceForItsTTL(t *testing.T) {
	s, f := fakeService(t)
	s.AccountCacheTTL = time.Hour
	ctx := context.Background()
	if _, err := s.GetUser(ctx, admin, "bob@a.example"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("missing account: got %v, want NotFound", err)
	}
	f.addAccount("bob@a.example") // made outside xmpprest: absence is never remembered
	if _, err := s.GetUser(ctx, admin, "bob@a.example"); err != nil {
		t.Fatalf("an account made on the server must be seen at once: %v", err)
	}
	f.failing("UserExists", "*", fault.New(fault.Unavailable, "server asked"))
	f.mu.Lock()
	delete(f.accounts, "bob@a.example") // deleted outside xmpprest, within the TTL
	f.mu.Unlock()
	if _, err := s.UserGroups(ctx, admin, "bob@a.example"); err != nil {
		t.Fatalf("within the TTL the server must not be asked again: %v", err)
	}
	s.accounts.remember(jidOf(t, "bob@a.example"), time.Now().Add(-2*time.Hour))
	if _, err := s.UserGroups(ctx, admin, "bob@a.example"); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("an answer older than the TTL must make the server asked again: got %v, want the failure of UserExists", err)
	}
}

func TestAccountCacheForgetsAccountsDeletedThroughXmpprest(t *testing.T) {
	s, f := fakeService(t)
	s.AccountCacheTTL = time.Hour
	ctx := context.Background()
	f.addAccount("cy@a.example")
	if _, err := s.GetUser(ctx, admin, "cy@a.example"); err != nil {
		t.Fatal(err)
	}
	asked := time.Now()
	if err := s.DeleteUser(ctx, admin, "cy@a.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserGroups(ctx, admin, "cy@a.example"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("after DELETE: got %v, want NotFound", err)
	}
	// An answer the server gave before the deletion, arriving after it.
	s.accounts.remember(jidOf(t, "cy@a.example"), asked)
	if _, err := s.GetUser(ctx, admin, "cy@a.example"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("an existence answer from before the deletion was kept: got %v, want NotFound", err)
	}
}
