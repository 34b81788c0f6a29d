// Package e2e holds the end-to-end tests: real Prosody and ejabberd started
// by component/xmppserver, xmpprest attached to each, and the effects
// checked on the server itself.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/component/c2s"
	"xmpprest/component/xmppserver"
)

// apiSecret is the shared secret the tests' xmpprest accepts.
const apiSecret = "test-api-secret"

// env is one server with xmpprest attached to it.
type env struct {
	t      *testing.T
	Server *xmppserver.Server
	D      *daemon.Daemon
	Cfg    config.Config
	URL    string // http://127.0.0.1:port
}

// kinds runs f once per server kind, in parallel.
func kinds(t *testing.T, f func(t *testing.T, kind xmppserver.Kind)) {
	for _, k := range []xmppserver.Kind{xmppserver.Prosody, xmppserver.Ejabberd} {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			f(t, k)
		})
	}
}

// configFor returns an xmpprest configuration attached to s.
func configFor(t *testing.T, s *xmppserver.Server) config.Config {
	cfg := daemon.TestServerConfig(s, t.TempDir(), apiSecret)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	usedSecret(s.Secret)
	return cfg
}

// testLogger logs at debug level into the run's log, which TestMain
// searches for secrets at the end (and to stderr with XMPPREST_TEST_LOG).
func testLogger(t *testing.T) *slog.Logger {
	var w io.Writer = &runLog
	if os.Getenv("XMPPREST_TEST_LOG") != "" {
		w = io.MultiWriter(&runLog, os.Stderr)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// start starts a server of kind and xmpprest attached to it, and waits until
// xmpprest is ready.
func start(t *testing.T, kind xmppserver.Kind) *env {
	s := xmppserver.StartT(t, kind, xmppserver.Options{})
	return attach(t, s)
}

func attach(t *testing.T, s *xmppserver.Server) *env {
	return attachConfig(t, s, configFor(t, s))
}

// attachConfig starts xmpprest with cfg attached to s.
func attachConfig(t *testing.T, s *xmppserver.Server, cfg config.Config) *env {
	return attachWith(t, s, cfg, testLogger(t))
}

// attachWith starts xmpprest with cfg and log, attached to s.
func attachWith(t *testing.T, s *xmppserver.Server, cfg config.Config, log *slog.Logger) *env {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := daemon.Start(ctx, cfg, log)
	if err != nil {
		t.Fatalf("start xmpprest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	if err := d.Link.WaitUp(ctx); err != nil {
		t.Fatalf("xmpprest did not attach to %s: %v", s.Kind, err)
	}
	return &env{t: t, Server: s, D: d, Cfg: cfg, URL: "http://" + d.Addr()}
}

// c2sOpts says how test clients reach the server.
func (e *env) c2sOpts() c2s.Options { return daemon.C2SOptions(e.Cfg) }

// user returns a bare JID on the default host.
func (e *env) user(local string) jid.JID {
	j, err := jid.New(local, e.Server.Hosts[0], "")
	if err != nil {
		e.t.Fatal(err)
	}
	return j
}

// canLogIn checks the password by a real c2s login.
func (e *env) canLogIn(user jid.JID, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c2s.CheckPassword(ctx, e.c2sOpts(), user, password)
}

// do makes an HTTP request with the API secret and returns status and body.
func (e *env) do(method, path, contentType, accept, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", apiSecret)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// getJSON fetches path (no auth) and decodes the JSON answer.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// eventually polls cond every 20ms until it is true or within has passed.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		<-tick.C
	}
	return time.Since(start)
}
