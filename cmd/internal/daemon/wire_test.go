package daemon

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/cmd/internal/config"
)

// call makes one request to d with the shared secret.
func call(t *testing.T, d *Daemon, method, path, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+d.Addr()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", testSecret)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// A body over the limit gets one answer, 413 in the dialect's error shape,
// whether its size is announced or it comes chunked.
func TestOversizedBodiesAre413InTheDialectsShape(t *testing.T) {
	d := startDetached(t, func(c *config.Config) { c.HTTP.MaxBodyBytes = 1000 })
	big := `{"name":"` + strings.Repeat("x", 5000) + `"}`
	for _, chunked := range []bool{false, true} {
		for _, path := range []string{"/plugins/restapi/v1/groups", "/plugins/restapi/v1/users", "/plugins/restapi/v1/users/alice/vcard"} {
			var body io.Reader = strings.NewReader(big)
			if chunked {
				body = io.MultiReader(strings.NewReader(big)) // no length known: sent chunked
			}
			method, ct := http.MethodPost, "application/json"
			if strings.HasSuffix(path, "vcard") {
				method, ct = http.MethodPut, "application/xml"
			}
			resp, b := call(t, d, method, path, ct, body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !isOpenfireError(b) || !strings.Contains(b, "larger than the limit") {
				t.Errorf("%s %s (chunked %v): %d %s, want 413 with Openfire's error body", method, path, chunked, resp.StatusCode, b)
			}
		}
	}
}

// A known path with a method it does not serve is 405 with Allow; OPTIONS
// lists the methods.
func TestKnownPathOtherMethodIs405(t *testing.T) {
	d := startDetached(t, nil)
	for path, want := range map[string]string{
		"/plugins/restapi/v1/users":             "GET, POST",
		"/plugins/restapi/v1/groups/staff":      "GET, PUT, DELETE",
		"/plugins/restapi/v1/system/properties": "GET, POST",
	} {
		resp, b := call(t, d, http.MethodPatch, path, "", nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != want || !isOpenfireError(b) {
			t.Errorf("PATCH %s: %d Allow %q %s, want 405 Allow %q in Openfire's shape", path, resp.StatusCode, resp.Header.Get("Allow"), b, want)
		}
		resp, _ = call(t, d, http.MethodOptions, path, "", nil)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Allow") != want {
			t.Errorf("OPTIONS %s: %d Allow %q, want 204 Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"), want)
		}
	}
	if resp, _ := call(t, d, http.MethodGet, "/plugins/restapi/v1/no-such-thing", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d, want 404", resp.StatusCode)
	}
}

// An XML entity in a foreign namespace is not read as the entity, and a
// path parameter that is not UTF-8 is refused.
func TestForeignNamespacesAndBadPathBytesAre400(t *testing.T) {
	d := startDetached(t, nil)
	for _, body := range []string{
		`<x:group xmlns:x="urn:evil"><name>g</name></x:group>`,
		`<group xmlns="urn:evil"><name>g</name></group>`,
		`<group><x:name xmlns:x="urn:evil">g</x:name></group>`,
	} {
		resp, b := call(t, d, http.MethodPost, "/plugins/restapi/v1/groups", "application/xml", strings.NewReader(body))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "namespace") {
			t.Errorf("%s: %d %s, want 400 naming the namespace", body, resp.StatusCode, b)
		}
	}
	resp, b := call(t, d, http.MethodGet, "/plugins/restapi/v1/groups/%FF%FE", "", nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "UTF-8") {
		t.Errorf("invalid UTF-8 in a path parameter: %d %s", resp.StatusCode, b)
	}
	resp, b = call(t, d, http.MethodPost, "/plugins/restapi/v1/groups", "application/json", bytes.NewReader([]byte("{\"name\":\"g\xff\"}")))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b, "UTF-8") {
		t.Errorf("invalid UTF-8 in a JSON body: %d %s", resp.StatusCode, b)
	}
}

// isOpenfireError reports whether b is Openfire's error entity, as XML or
// JSON.
func isOpenfireError(b string) bool {
	return strings.Contains(b, "<exception>") || strings.Contains(b, `"exception":`)
}
