package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

// BenchmarkAdminAuth is the check every admin request passes: the shared
// secret, a Basic login found in the cache, and wrong credentials.
func BenchmarkAdminAuth(b *testing.B) {
	checks := 0
	a := &AdminAuth{
		Secret:   "the-api-secret-of-this-service",
		Admins:   []string{"admin@example.org"},
		CacheTTL: time.Hour,
		Check: func(context.Context, jid.JID, string) error {
			checks++
			return nil
		},
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin@example.org:pass"))
	for _, tc := range []struct {
		name, header string
		err          error
	}{
		{"secret", a.Secret, nil},
		{"basic-cached", basic, nil},
		{"wrong-secret", "the-api-secret-of-this-servicf", ErrUnauthorized},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/plugins/restapi/v1/users", nil)
			r.Header.Set("Authorization", tc.header)
			if _, err := a.Authenticate(r); !errors.Is(err, tc.err) { // fills the cache
				b.Fatalf("err = %v, want %v", err, tc.err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(r); !errors.Is(err, tc.err) {
					b.Fatalf("err = %v, want %v", err, tc.err)
				}
			}
		})
	}
	if checks != 1 {
		b.Fatalf("the password was checked %d times; the cache should answer after the first", checks)
	}
}

// BenchmarkRouterFloor is one request through the router's middleware
// (request ID, access log, recovery, body limit, timeout) to a handler
// that writes a small JSON answer: what every endpoint costs before its own
// work, without the network.
func BenchmarkRouterFloor(b *testing.B) {
	r := NewRouter(Options{
		Logger:         slog.New(slog.NewJSONHandler(io.Discard, nil)),
		MaxBodyBytes:   1 << 20,
		RequestTimeout: 30 * time.Second,
	})
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
