package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openSignInTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestUserTokens(t *testing.T) {
	ctx := context.Background()
	s := openSignInTest(t)
	secret, tok, err := s.CreateUserToken(ctx, "alice@example.org", "password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 43 {
		t.Fatalf("token %d characters: want at least 256 bits", len(secret))
	}
	got, err := s.UseUserToken(ctx, secret, time.Minute)
	if err != nil || got.ID != tok.ID || got.JID != "alice@example.org" || got.Method != "password" {
		t.Fatalf("use: %+v, %v", got, err)
	}
	var stored []byte
	s.db.QueryRow(`SELECT token_hash FROM user_tokens WHERE id = ?`, tok.ID).Scan(&stored)
	if string(stored) == secret || len(stored) != 32 {
		t.Fatal("the token is not stored as its hash")
	}
	if _, err := s.UseUserToken(ctx, secret+"x", time.Minute); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	// Idle for longer than allowed: gone, and deleted.
	s.db.Exec(`UPDATE user_tokens SET last_used_at = ? WHERE id = ?`, time.Now().Add(-2*time.Minute).UnixMilli(), tok.ID)
	if _, err := s.UseUserToken(ctx, secret, time.Minute); !errors.Is(err, ErrNotFound) {
		t.Fatalf("idle token: %v", err)
	}
	// Past the absolute expiry, although in use.
	secret, tok, _ = s.CreateUserToken(ctx, "alice@example.org", "totp", time.Hour)
	s.db.Exec(`UPDATE user_tokens SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Second).UnixMilli(), tok.ID)
	if _, err := s.UseUserToken(ctx, secret, time.Hour); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired token: %v", err)
	}
	a, _, _ := s.CreateUserToken(ctx, "alice@example.org", "password", time.Hour)
	s.CreateUserToken(ctx, "alice@example.org", "password", time.Hour)
	s.CreateUserToken(ctx, "bob@example.org", "password", time.Hour)
	if n, _ := s.LiveUserTokens(ctx, "alice@example.org", time.Hour); n != 2 {
		t.Fatalf("%d live tokens of alice, want 2", n)
	}
	s.RevokeUserTokens(ctx, "alice@example.org")
	if _, err := s.UseUserToken(ctx, a, time.Hour); !errors.Is(err, ErrNotFound) {
		t.Fatal("revoked token still works")
	}
	if n, _ := s.LiveUserTokens(ctx, "bob@example.org", time.Hour); n != 1 {
		t.Fatal("revoking alice's tokens touched bob's")
	}
}

func TestTOTPStepsAndChallenges(t *testing.T) {
	ctx := context.Background()
	s := openSignInTest(t)
	if err := s.PutTOTP(ctx, "alice@example.org", []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.AcceptTOTPStep(ctx, "alice@example.org", 100); !ok {
		t.Fatal("first code refused")
	}
	for _, step := range []int64{100, 99} {
		if ok, _ := s.AcceptTOTPStep(ctx, "alice@example.org", step); ok {
			t.Fatalf("step %d accepted after step 100", step)
		}
	}
	if ok, _ := s.AcceptTOTPStep(ctx, "alice@example.org", 101); !ok {
		t.Fatal("next step refused")
	}

	s.PutWebAuthnChallenge(ctx, "alice@example.org", "authenticate", []byte(`{}`), time.Now().Add(time.Minute))
	if _, err := s.TakeWebAuthnChallenge(ctx, "alice@example.org", "authenticate"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeWebAuthnChallenge(ctx, "alice@example.org", "authenticate"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a challenge was taken twice: %v", err)
	}
	s.PutWebAuthnChallenge(ctx, "alice@example.org", "register", []byte(`{}`), time.Now().Add(-time.Second))
	if _, err := s.TakeWebAuthnChallenge(ctx, "alice@example.org", "register"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an expired challenge was taken: %v", err)
	}

	c := WebAuthnCredential{ID: []byte{1, 2}, JID: "alice@example.org", Credential: []byte(`{}`), SignCount: 1}
	if err := s.AddWebAuthnCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.SignCount = 2
	if ok, _ := s.UseWebAuthnCredential(ctx, c); !ok {
		t.Fatal("a growing counter was refused")
	}
	if ok, _ := s.UseWebAuthnCredential(ctx, c); ok {
		t.Fatal("a repeated counter was accepted")
	}
	s.PutSealedCredential(ctx, "alice@example.org", []byte("x"))
	if err := s.ForgetUserSignIn(ctx, "alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.WebAuthnCredentials(ctx, "alice@example.org"); len(cs) != 0 {
		t.Fatal("credentials left after ForgetUserSignIn")
	}
	if _, err := s.SealedCredential(ctx, "alice@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatal("sealed credential left after ForgetUserSignIn")
	}
}
