package daemon

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/store"
)

// callKeyed makes one request with an Idempotency-Key and the credentials
// auth.
func callKeyed(t *testing.T, d *Daemon, method, path, key, auth, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+d.Addr()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func auditCount(t *testing.T, d *Daemon) int {
	t.Helper()
	es, err := d.Store.AuditLog(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// A write retried with the same Idempotency-Key gets the first answer
// again and is not done twice; the same key for another request, or from
// other credentials, is not replayed; a 5xx is not kept, so a retry runs
// again.
func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	d := startDetached(t, nil)
	const path = "/plugins/restapi/v1/system/properties"
	body := `{"key":"retry.me","value":"1"}`

	resp, _ := callKeyed(t, d, http.MethodPost, path, "key-1", testSecret, body)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first POST: %d replayed=%q", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"))
	}
	audits := auditCount(t, d)
	for i := 0; i < 3; i++ {
		resp, b := callKeyed(t, d, http.MethodPost, path, "key-1", testSecret, body)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry %d: %d %s replayed=%q, want the first 201 replayed", i, resp.StatusCode, b, resp.Header.Get("Idempotent-Replayed"))
		}
	}
	if got := auditCount(t, d); got != audits {
		t.Fatalf("retries with the same key were done again: %d audit records, want %d", got, audits)
	}
	// Without the key the same request is a new one, done again.
	if resp, _ := callKeyed(t, d, http.MethodPost, path, "", testSecret, body); resp.StatusCode/100 != 2 || auditCount(t, d) != audits+1 {
		t.Fatalf("the same POST without a key: %d and %d audit records, want it done again (%d)", resp.StatusCode, auditCount(t, d), audits+1)
	}
	// The same key for another request is refused, in the dialect's shape.
	resp, b := callKeyed(t, d, http.MethodPost, path, "key-1", testSecret, `{"key":"other","value":"2"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "Idempotency-Key") || !strings.Contains(b, `"exception"`) {
		t.Fatalf("the key reused for another body: %d %s", resp.StatusCode, b)
	}
	// Other (wrong) credentials with the same key get no replay.
	if resp, _ := callKeyed(t, d, http.MethodPost, path, "key-1", "wrong-secret", body); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the key with wrong credentials: %d, want 401", resp.StatusCode)
	}
	// A bad key is refused.
	if resp, _ := callKeyed(t, d, http.MethodPost, path, "bad key\u00e9", testSecret, body); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a key with a space: %d, want 400", resp.StatusCode)
	}
	// The XMPP server is absent: a 503 is not kept, the retry runs again.
	for i := 0; i < 2; i++ {
		resp, _ := callKeyed(t, d, http.MethodPost, "/plugins/restapi/v1/users", "key-2", testSecret, `{"username":"u","password":"p"}`)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Idempotent-Replayed") != "" || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("create while detached, try %d: %d replayed=%q Retry-After=%q", i, resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), resp.Header.Get("Retry-After"))
		}
	}
	// Kept answers expire.
	if n, err := d.Store.PurgeIdempotentAnswers(context.Background(), time.Now().Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("purge: %d %v, want 1 answer forgotten", n, err)
	}
}
