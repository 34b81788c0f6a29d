package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/xmppserver"
)

// webauthnOrigin is the web origin the tests' xmpprest accepts for WebAuthn.
const (
	webauthnRPID   = "localhost"
	webauthnOrigin = "https://localhost"
)

// startSparkWeb starts a server of kind and xmpprest with the SparkWeb API
// on (TOTP and WebAuthn included), with the changes of options applied to
// its configuration.
func startSparkWeb(t *testing.T, kind xmppserver.Kind, options ...func(*config.Config)) *env {
	return startSparkWebOn(t, kind, xmppserver.Options{}, options...)
}

// startSparkWebOn is startSparkWeb with a server started with opts.
func startSparkWebOn(t *testing.T, kind xmppserver.Kind, opts xmppserver.Options, options ...func(*config.Config)) *env {
	s := xmppserver.StartT(t, kind, opts)
	cfg := configFor(t, s)
	cfg.SparkWeb.Enabled = true
	cfg.SparkWeb.KeyFile = filepath.Join(t.TempDir(), "sparkweb.key")
	cfg.SparkWeb.WebAuthnRPID = webauthnRPID
	cfg.SparkWeb.WebAuthnOrigins = []string{webauthnOrigin}
	cfg.SparkWeb.Heartbeat.Duration = 200 * time.Millisecond
	for _, o := range options {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return attachConfig(t, s, cfg)
}

// sw makes a SparkWeb API request with token (none when empty) and
// returns status and body.
func (e *env) sw(method, path, token, body string) (int, string) {
	e.t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = token
	}
	return e.raw(method, "/sparkweb/api/rest"+path, h, body)
}

// swJSON is sw with the answer decoded into v, failing unless it is 200.
func (e *env) swJSON(method, path, token, body string, v any) {
	e.t.Helper()
	status, got := e.sw(method, path, token, body)
	if status != http.StatusOK {
		e.t.Fatalf("%s %s: %d %s", method, path, status, got)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(got), v); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
}

// signIn signs in with the password and returns the token.
func (e *env) signIn(username, password string) string {
	e.t.Helper()
	var tok struct{ Token string }
	e.swJSON(http.MethodPost, "/login/"+username, "", password, &tok)
	if len(tok.Token) < 22 {
		e.t.Fatalf("sign-in of %s: token %q", username, tok.Token)
	}
	return tok.Token
}

// wantStatus checks a request's status and that its body is an
// {"error": ...} when it failed.
func (e *env) wantStatus(want int, method, path, token, body string) string {
	e.t.Helper()
	status, got := e.sw(method, path, token, body)
	if status != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, status, got, want)
	}
	if want >= 400 {
		var eb struct{ Error string }
		if json.Unmarshal([]byte(got), &eb) != nil || eb.Error == "" {
			e.t.Fatalf("%s %s: error body %q is not {\"error\": ...}", method, path, got)
		}
		return eb.Error
	}
	return got
}

// sseEvent is one event read from the stream.
type sseEvent struct {
	ID, Name string
	Data     map[string]string
}

// sseStream is an open event stream.
type sseStream struct {
	t      *testing.T
	events chan sseEvent
	ended  chan struct{}
	cancel context.CancelFunc
}

// openEvents opens the event stream with ?token= (as EventSource does),
// sending lastID as Last-Event-ID when not empty.
func (e *env) openEvents(token, lastID string) *sseStream {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/sparkweb/api/sse?token="+token, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		e.t.Fatalf("event stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{t: e.t, events: make(chan sseEvent, 1024), ended: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.ended)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				if strings.Contains(line, "heartbeat") {
					s.events <- sseEvent{Name: "heartbeat"}
				}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Name = line[7:]
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(line[6:]), &ev.Data)
			}
		}
	}()
	e.t.Cleanup(cancel)
	return s
}

// wait returns the first event named name whose data matches.
func (s *sseStream) wait(name string, match func(map[string]string) bool) sseEvent {
	s.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev.Name == name && (match == nil || match(ev.Data)) {
				return ev
			}
		case <-s.ended:
			s.t.Fatalf("event stream ended while waiting for %s", name)
		case <-timeout:
			s.t.Fatalf("no matching %s event", name)
		}
	}
}

// waitEnd waits for the server to end the stream.
func (s *sseStream) waitEnd() {
	s.t.Helper()
	select {
	case <-s.ended:
	case <-time.After(15 * time.Second):
		s.t.Fatal("the event stream was not ended")
	}
}
