package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/cmd/internal/daemon"
	"xmpprest/component/xmppserver"
)

// TestLogsCarryRequestIDsAndNoSecrets runs xmpprest with JSON logs at debug
// level, creates a user with a caller-chosen X-Request-ID, and checks that
// every line is JSON, that the access line and the XMPP lines of that
// request carry its ID, and that no secret (API secret, component secret,
// the user's password) was logged.
func TestLogsCarryRequestIDsAndNoSecrets(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	cfg := configFor(t, s)
	cfg.Log.Format, cfg.Log.Level = "json", "debug"
	var sink lockedBuffer
	e := attachWith(t, s, cfg, daemon.NewLogger(cfg, &sink))

	const password = "pw-never-logged-7f3a"
	req, _ := http.NewRequest(http.MethodPost, e.URL+ofPrefix+"/users",
		strings.NewReader(`{"username":"logged","password":"`+password+`"}`))
	req.Header.Set("Authorization", apiSecret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "req-logtest-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Request-ID") != "req-logtest-1" {
		t.Fatalf("create user: status %d, X-Request-ID %q", resp.StatusCode, resp.Header.Get("X-Request-ID"))
	}
	if err := e.canLogIn(e.user("logged"), password); err != nil {
		t.Fatalf("the user was not created: %v", err)
	}

	var accessLine, iqLines int
	eventually(t, 5*time.Second, "the access line of the request", func() bool {
		return strings.Contains(sink.String(), `"msg":"http"`)
	})
	out := sink.String()
	for _, secret := range []string{apiSecret, s.Secret, password} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds a secret (%q)", secret)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if rec["request_id"] != "req-logtest-1" {
			continue
		}
		switch rec["msg"] {
		case "http":
			accessLine++
			if rec["actor"] != "secret" || rec["status"] != float64(http.StatusCreated) {
				t.Errorf("access line %v", rec)
			}
		case "iq":
			iqLines++
		}
	}
	if accessLine != 1 || iqLines == 0 {
		t.Errorf("lines with the request's ID: %d access line(s), %d IQ line(s); want 1 and some\n%s", accessLine, iqLines, out)
	}
}
