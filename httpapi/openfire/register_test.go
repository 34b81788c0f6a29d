package openfire

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"xmpprest/httpapi"
)

// An unknown path under the prefix is 401 for strangers and Openfire's 404
// for callers with credentials; a known path with another method is 405;
// collections answer with a trailing slash too, single items do not.
func TestRegisterUnknownPathsAndSlashes(t *testing.T) {
	r := mux.NewRouter().UseEncodedPath()
	Register(r, nil, &httpapi.AdminAuth{Secret: "s3cret"})
	for _, c := range []struct {
		method, path, auth string
		status             int
		body               string
	}{
		{"GET", Prefix + "/no/such/thing", "", 401, ""},
		{"GET", Prefix + "/no/such/thing", "s3cret", 404, "NotFoundException"},
		{"PATCH", Prefix + "/users/alice", "", 401, ""},
		{"PATCH", Prefix + "/users/alice", "s3cret", 405, "NotAllowedException"}, // a known path: 405 with Allow
		{"GET", Prefix + "/clustering/status", "", 401, ""},
		{"GET", Prefix + "/clustering/status", "s3cret", 200, "Disabled"},
		{"GET", Prefix + "/clustering/status/", "s3cret", 404, "NotFoundException"},
		{"GET", Prefix + "/system/liveness", "", 200, "UP"},
		{"GET", Prefix + "/system/readiness/plugins", "", 200, "plugins"},
		{"GET", Prefix + "/userservice?type=add&username=x", "", 200, "RequestNotAuthorised"},
		{"GET", UserServicePath + "?type=add&username=x", "", 200, "RequestNotAuthorised"},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.body) || (c.body == "" && w.Body.Len() != 0) {
			t.Errorf("%s %s (auth %q): %d %q, want %d with %q", c.method, c.path, c.auth, w.Code, w.Body.String(), c.status, c.body)
		}
	}
	// The collection's slash form reaches its handler (which needs the
	// operations: a decode failure of an empty body shows it was reached).
	req := httptest.NewRequest("POST", Prefix+"/groups/", nil)
	req.Header.Set("Authorization", "s3cret")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "no body") {
		t.Errorf("POST /groups/: %d %s", w.Code, w.Body.String())
	}
}
