package userops

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestSealer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	s, err := OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v: want 0600", fi.Mode().Perm(), err)
	}
	sealed := s.Seal("alice@example.org", []byte("secret-pw"))
	again, err := OpenKeyFile(path) // the same key, read back
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Open("alice@example.org", sealed)
	if err != nil || string(got) != "secret-pw" {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := again.Open("bob@example.org", sealed); err == nil {
		t.Fatal("a value sealed for alice opened for bob")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := again.Open("alice@example.org", sealed); err == nil {
		t.Fatal("a tampered value opened")
	}
	os.Chmod(path, 0o644)
	if _, err := OpenKeyFile(path); err == nil {
		t.Fatal("a key file readable by others was accepted")
	}
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := OpenKeyFile(path); err == nil {
		t.Fatal("a key file without a key was accepted")
	}
}

func TestMatchTOTP(t *testing.T) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "x", AccountName: "alice@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_015, 0)
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		code, _ := totp.GenerateCode(key.Secret(), now.Add(d))
		step, ok := matchTOTP(key.Secret(), code, now)
		if !ok || step != now.Add(d).Unix()/30 {
			t.Fatalf("code of %v: step %d ok %v", d, step, ok)
		}
	}
	code, _ := totp.GenerateCode(key.Secret(), now.Add(-90*time.Second))
	if _, ok := matchTOTP(key.Secret(), code, now); ok {
		t.Fatal("a code three steps old was accepted")
	}
}

func TestLimiter(t *testing.T) {
	var l limiter
	for i := 0; i < maxFailures; i++ {
		if err := l.check("alice", "10.0.0.1"); err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
		l.fail("alice", "10.0.0.1")
	}
	if err := l.check("alice", "10.0.0.2"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("after %d failures: %v, want rate limited", maxFailures, err)
	}
	if err := l.check("bob", "10.0.0.1"); err != nil {
		t.Fatalf("another user from the same address: %v", err)
	}
	l.succeed("alice")
	if err := l.check("alice", "10.0.0.1"); err != nil {
		t.Fatalf("after a success: %v", err)
	}
}
