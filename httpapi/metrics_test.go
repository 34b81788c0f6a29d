package httpapi

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMetricsAccess serves /metrics as each metrics.access value says.
func TestMetricsAccess(t *testing.T) {
	auth := &AdminAuth{Secret: "s3cret"}
	get := func(access Access, authorization string) (int, string) {
		r := NewRouter(Options{Auth: auth, MetricsAccess: access, MaxBodyBytes: 1 << 20})
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, _ := get(AccessOff, "Bearer s3cret"); code != http.StatusNotFound {
		t.Errorf("off: %d, want 404", code)
	}
	if code, body := get(AccessPublic, ""); code != http.StatusOK || !strings.Contains(body, "xmpprest_user_sessions_open") {
		t.Errorf("public: %d without the families", code)
	}
	for _, bad := range []string{"", "Bearer wrong", "s3cret x", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:wrong"))} {
		if code, _ := get(AccessAdmin, bad); code != http.StatusUnauthorized {
			t.Errorf("admin with %q: %d, want 401", bad, code)
		}
	}
	for _, good := range []string{"Bearer s3cret", "s3cret", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:s3cret"))} {
		if code, body := get(AccessAdmin, good); code != http.StatusOK || !strings.Contains(body, "xmpprest_push_deliveries_total") {
			t.Errorf("admin with %q: %d", good, code)
		}
	}
}

// TestMetricsCountUnmatchedRequests: a request no route matches is counted
// under the route "unmatched", never under its path.
func TestMetricsCountUnmatchedRequests(t *testing.T) {
	r := NewRouter(Options{MetricsAccess: AccessPublic, MaxBodyBytes: 1 << 20})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/no/such/alice", nil))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, `xmpprest_http_requests_total{method="GET",route="unmatched",status="404"}`) || strings.Contains(body, "alice") {
		t.Errorf("unmatched request not counted as such:\n%s", body)
	}
}
