package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// TestSparkWebUpload: a user gets an upload slot from their server's
// XEP-0363 service, PUTs a file to it and GETs it back (a server without
// an upload service: TestSparkWebRawStanzas).
func TestSparkWebUpload(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := startSparkWeb(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		e.account("alice", "alice-pw")
		token := e.signIn("alice", "alice-pw")

		content := "hello, file"
		var slot struct {
			PutURL, GetURL string
			Headers        map[string]string
		}
		e.swJSON("GET", "/upload/hello%20world.txt/11", token, "", &slot)
		if !strings.HasPrefix(slot.PutURL, "http://127.0.0.1:") || !strings.HasPrefix(slot.GetURL, "http://127.0.0.1:") {
			t.Fatalf("slot %+v", slot)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, slot.PutURL, strings.NewReader(content))
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		for k, v := range slot.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT to the slot: %d", resp.StatusCode)
		}
		resp, err = http.Get(slot.GetURL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(got) != content {
			t.Fatalf("GET the file back: %d %q", resp.StatusCode, got)
		}

		e.wantStatus(http.StatusRequestEntityTooLarge, "GET", "/upload/big.bin/999999999999", token, "")
		e.wantStatus(http.StatusBadRequest, "GET", "/upload/x.txt/-3", token, "")
		e.wantStatus(http.StatusBadRequest, "GET", "/upload/x.txt/lots", token, "")
		e.wantStatus(http.StatusBadRequest, "GET", "/upload/a%2Fb.txt/3", token, "")

	})
}
