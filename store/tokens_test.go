package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	secret, tok, err := s.CreateToken(ctx, "ci", "admin", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 40 || tok.ID == 0 || tok.Name != "ci" || tok.ExpiresAt.Sub(tok.CreatedAt) != time.Hour {
		t.Fatalf("token = %+v, secret of %d characters", tok, len(secret))
	}
	got, err := s.LookupToken(ctx, secret)
	if err != nil || got.ID != tok.ID || got.Scope != "admin" || got.ExpiresAt.IsZero() {
		t.Fatalf("lookup = %+v, %v", got, err)
	}
	if _, err := s.LookupToken(ctx, secret+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a wrong secret: %v", err)
	}
	// Only a hash is kept: the secret itself is nowhere in the table.
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? OR name = ? OR subject = ?",
		secret, secret, secret).Scan(&n); err != nil || n != 0 {
		t.Errorf("the secret is stored as it is (%d rows, %v)", n, err)
	}

	forever, _, err := s.CreateToken(ctx, "forever", "admin", "alice@example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.LookupToken(ctx, forever); err != nil || !got.ExpiresAt.IsZero() || got.Subject != "alice@example.org" {
		t.Errorf("token without expiry = %+v, %v", got, err)
	}

	expired, old, err := s.CreateToken(ctx, "old", "admin", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Its hour has passed.
	if _, err := s.db.ExecContext(ctx, "UPDATE api_tokens SET expires_at = ? WHERE id = ?",
		time.Now().Add(-time.Minute).UnixMilli(), old.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupToken(ctx, expired); !errors.Is(err, ErrNotFound) {
		t.Errorf("an expired token (%+v): %v", old, err)
	}

	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupToken(ctx, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("a revoked token: %v", err)
	}
	if err := s.RevokeToken(ctx, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
}
