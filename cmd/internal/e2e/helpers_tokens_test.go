package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/httpapi/ops"
)

// paPrefix is where Prosody's admin API is served.
const paPrefix = "/admin_api"

// token makes an API token the way "xmpprest token create" does and
// returns its secret.
func (e *env) token(scope, name, host string, ttl time.Duration) string {
	e.t.Helper()
	secret, _, err := e.D.Ops.CreateToken(context.Background(), ops.ServiceAdmin("test"), ops.TokenSpec{Name: name, Scope: scope, Host: host, TTL: ttl})
	if err != nil {
		e.t.Fatalf("create %s token: %v", scope, err)
	}
	return secret
}

// httpResult is an answer: status, headers and body.
type httpResult struct {
	Status int
	Header http.Header
	Body   string
}

// request sends method path with the given headers and body.
func (e *env) request(method, path string, headers map[string]string, body string) httpResult {
	e.t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// pa calls Prosody's admin API with a Bearer token; a body is sent as JSON.
func (e *env) pa(token, method, path, body string) httpResult {
	e.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + token}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return e.request(method, paPrefix+path, h, body)
}

// paError is Prosody's error answer.
type paError struct {
	Type  string `json:"type"`
	Error struct {
		Type      string `json:"type"`
		Condition string `json:"condition"`
		Text      string `json:"text"`
	} `json:"error"`
	Code int `json:"code"`
}

// wantPA checks an answer's status and decodes its JSON body into v (nil:
// not decoded).
func wantPA(t *testing.T, what string, res httpResult, status int, v any) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, res.Status, status, res.Body)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(res.Body), v); err != nil {
			t.Fatalf("%s: answer %q is not the expected JSON: %v", what, res.Body, err)
		}
	}
}

// wantPAError checks a Prosody error answer: status, condition and a text.
func wantPAError(t *testing.T, what string, res httpResult, status int, condition string) paError {
	t.Helper()
	var pe paError
	wantPA(t, what, res, status, &pe)
	if pe.Type != "error" || pe.Code != status || pe.Error.Condition != condition || pe.Error.Text == "" {
		t.Errorf("%s: error body %s, want condition %s and a text", what, res.Body, condition)
	}
	return pe
}

// wantLoginFails checks that user cannot log in with password.
func (e *env) wantLoginFails(t *testing.T, user, password string) {
	t.Helper()
	if err := e.canLogIn(e.user(user), password); !errors.Is(err, c2s.ErrNotAuthorized) {
		t.Errorf("%s can still log in with %q (err %v)", user, password, err)
	}
}

// userOn returns the bare JID local@host.
func (e *env) userOn(local, host string) jid.JID {
	e.t.Helper()
	j, err := jid.New(local, host, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return j
}

// wantLoginFailsOn checks that local@host cannot log in with password.
func (e *env) wantLoginFailsOn(t *testing.T, local, host, password string) {
	t.Helper()
	if err := e.canLogIn(e.userOn(local, host), password); !errors.Is(err, c2s.ErrNotAuthorized) {
		t.Errorf("%s@%s can log in with %q (err %v)", local, host, password, err)
	}
}
