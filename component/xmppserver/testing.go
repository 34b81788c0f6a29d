package xmppserver

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// startTTimeout covers a first apt-get install on a fresh machine.
const startTTimeout = 10 * time.Minute

// StartT starts a server for a test and closes it when the test ends.
//
// If the server cannot be started the test fails when the environment
// variable CI is "true", and is skipped, loudly, otherwise (e.g. on a laptop
// without the packages and without root).
func StartT(t testing.TB, kind Kind, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTTimeout)
	defer cancel()
	s, err := Start(ctx, kind, opts)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot start %s: %v", kind, err)
		}
		bar := strings.Repeat("!", 72)
		t.Skipf("\n%s\nSKIPPED: cannot start %s: %v\n(set CI=true to make this a failure)\n%s", bar, kind, err, bar)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("closing %s: %v", kind, err)
		}
	})
	return s
}
