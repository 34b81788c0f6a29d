package daemon

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"xmpprest/cmd/internal/config"
)

// request makes one request from the loopback address local with the
// Authorization header auth and returns the answer.
func request(t *testing.T, local, addr, path, auth string) (*http.Response, string) {
	t.Helper()
	c := dialFrom(t, local, addr)
	h := ""
	if auth != "" {
		h = "Authorization: " + auth + "\r\n"
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n%sConnection: close\r\n\r\n", path, h)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", path, local, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func basicAuth(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

// Failed logins are limited per client address and per account: beyond
// limits.login_attempts_per_minute, 429 with Retry-After in the dialect's
// shape, before any credential is checked; other addresses and accounts
// are not affected.
func TestFailedLoginsAreLimited(t *testing.T) {
	d := startDetached(t, func(c *config.Config) { c.Limits.LoginAttemptsPerMinute = 5 })
	const users = "/plugins/restapi/v1/system/properties"
	for i := 0; i < 5; i++ {
		if resp, _ := request(t, "127.0.0.1", d.Addr(), users, "wrong-secret"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed attempt %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, b := request(t, "127.0.0.1", d.Addr(), users, "wrong-secret")
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || ra < 1 || ra > 60 || !strings.Contains(b, `"exception"`) {
		t.Fatalf("sixth failed attempt: %d Retry-After %q %s, want 429 with Retry-After in Openfire's shape", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	if resp, _ := request(t, "127.0.0.1", d.Addr(), users, testSecret); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right secret from the throttled address: %d, want 429 (nothing is checked while throttled)", resp.StatusCode)
	}
	if resp, _ := request(t, "127.0.0.1", d.Addr(), "/plugins/restapi/userservice?type=grouplist&secret=guess", ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the user service from the throttled address: %d, want 429", resp.StatusCode)
	}
	if resp, _ := request(t, "127.0.0.2", d.Addr(), users, testSecret); resp.StatusCode != http.StatusOK {
		t.Fatalf("another address: %d, want 200", resp.StatusCode)
	}

	// One account attacked from many addresses.
	for i := 0; i < 5; i++ {
		request(t, fmt.Sprintf("127.0.0.%d", 10+i), d.Addr(), users, basicAuth("boss@example.org", fmt.Sprintf("guess%d", i)))
	}
	if resp, _ := request(t, "127.0.0.20", d.Addr(), users, basicAuth("boss@example.org", "guess")); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth guess at one account from a fresh address: %d, want 429", resp.StatusCode)
	}
	if resp, _ := request(t, "127.0.0.20", d.Addr(), users, basicAuth("other@example.org", "guess")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another account from that address: %d, want 401", resp.StatusCode)
	}
	// The legacy user service counts wrong secrets too.
	for i := 0; i < 5; i++ {
		request(t, "127.0.0.30", d.Addr(), "/plugins/restapi/userservice?type=grouplist&secret=guess", "")
	}
	if resp, _ := request(t, "127.0.0.30", d.Addr(), "/plugins/restapi/userservice?type=grouplist&secret=guess", ""); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth wrong user-service secret: %d, want 429", resp.StatusCode)
	}
}

// The token guards of the Prosody admin API (Bearer) and of the
// multi-domain API (Basic with the token's name) are limited the same way.
func TestFailedTokenLoginsAreLimited(t *testing.T) {
	d := startDetached(t, func(c *config.Config) { c.Limits.LoginAttemptsPerMinute = 3 })
	for _, c := range []struct{ local, path, auth string }{
		{"127.0.0.40", "/admin_api/groups", "Bearer not-a-token"},
		{"127.0.0.41", "/api/1.0/xmppdomains", basicAuth("some-token", "not-its-secret")},
	} {
		for i := 0; i < 3; i++ {
			if resp, _ := request(t, c.local, d.Addr(), c.path, c.auth); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s failed attempt %d: %d, want 401", c.path, i+1, resp.StatusCode)
			}
		}
		resp, b := request(t, c.local, d.Addr(), c.path, c.auth)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s fourth failed attempt: %d Retry-After %q %s, want 429 with Retry-After", c.path, resp.StatusCode, resp.Header.Get("Retry-After"), b)
		}
	}
}
