package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"xmpprest/component/fault"
)

// Every 503 carries Retry-After: the fault's own hint when a dialect's
// handler returns one, the router's hint for any other 503.
func TestEvery503HasRetryAfter(t *testing.T) {
	r := NewRouter(Options{MaxBodyBytes: 1024, RequestTimeout: time.Second,
		RetryAfter: func() time.Duration { return 7 * time.Second }})
	plain503 := func(w http.ResponseWriter, _ *http.Request) error {
		w.WriteHeader(http.StatusServiceUnavailable)
		return nil
	}
	hinted := func(http.ResponseWriter, *http.Request) error {
		return &fault.Error{Kind: fault.Unavailable, Message: "down", RetryAfter: 3 * time.Second}
	}
	Dialect{Name: "test-retry", Prefix: "/retry", Routes: []Route{
		{Method: http.MethodGet, Path: "/plain", Handler: plain503, Public: true},
		{Method: http.MethodGet, Path: "/hinted", Handler: hinted, Public: true},
	}, Errors: func(w http.ResponseWriter, _ *http.Request, err error) {
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	}}.Mount(r)
	r.HandleFunc("/down", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	for path, want := range map[string]string{"/retry/plain": "7", "/retry/hinted": "3", "/down": "7", "/readyz": ""} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("Retry-After"); got != want {
			t.Errorf("%s answered %d with Retry-After %q, want %q", path, rec.Code, got, want)
		}
	}
}
