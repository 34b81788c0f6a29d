package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

func TestJIDPathParameters(t *testing.T) {
	r := NewRouter(Options{MaxBodyBytes: 1024, RequestTimeout: time.Second})
	r.HandleFunc("/users/{jid}", func(w http.ResponseWriter, r *http.Request) {
		v, err := PathVar(r, "jid")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		io.WriteString(w, v)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	for raw, want := range map[string]string{
		"alice%40example.org%2Fphone": "alice@example.org/phone",
		"alice@example.org":           "alice@example.org",
		"bob%2Fdesk%20top":            "bob/desk top",
		"caf%C3%A9":                   "café",
	} {
		resp, err := http.Get(srv.URL + "/users/" + raw)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != want {
			t.Errorf("%s: got %d %q, want %q", raw, resp.StatusCode, b, want)
		}
	}
	// An unescaped slash is a different path, not part of the parameter.
	resp, err := http.Get(srv.URL + "/users/alice@example.org/phone")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unescaped slash: got %d, want 404", resp.StatusCode)
	}
}

func TestReadyzReportsReason(t *testing.T) {
	var down atomic.Bool
	r := NewRouter(Options{MaxBodyBytes: 1024, RequestTimeout: time.Second, Ready: func(context.Context) error {
		if down.Load() {
			return errors.New("not connected to the XMPP server")
		}
		return nil
	}})
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func() (int, map[string]string) {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]string
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, _ := get(); code != 200 {
		t.Fatalf("ready: got %d", code)
	}
	down.Store(true)
	code, m := get()
	if code != 503 || !strings.Contains(m["reason"], "not connected") {
		t.Fatalf("down: got %d %v", code, m)
	}
}

func TestPanicBecomes500(t *testing.T) {
	r := NewRouter(Options{MaxBodyBytes: 1024, RequestTimeout: time.Second})
	r.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || resp.Header.Get("X-Request-ID") == "" {
		t.Fatalf("got %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-ID"))
	}
}

func TestBodyLimit(t *testing.T) {
	r := NewRouter(Options{MaxBodyBytes: 10, RequestTimeout: time.Second})
	r.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/echo", "text/plain", strings.NewReader(strings.Repeat("x", 100)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d", resp.StatusCode)
	}
}

func TestAdminAuth(t *testing.T) {
	var checks atomic.Int32
	a := &AdminAuth{
		Secret:   "s3cret",
		Admins:   []string{"admin@example.org"},
		CacheTTL: time.Minute,
		Check: func(_ context.Context, user jid.JID, password string) error {
			checks.Add(1)
			if user.String() == "admin@example.org" && password == "right" {
				return nil
			}
			return ErrUnauthorized
		},
	}
	req := func(h string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		return r
	}
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	if p, err := a.Authenticate(req("s3cret")); err != nil || p.Method != "secret" {
		t.Fatalf("secret: %v %v", p, err)
	}
	for _, h := range []string{"", "s3cre", "s3cret ", "Bearer s3cret", basic("admin@example.org", "wrong"),
		basic("other@example.org", "right"), "Basic !!!"} {
		if _, err := a.Authenticate(req(h)); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%q: want ErrUnauthorized, got %v", h, err)
		}
	}
	before := checks.Load()
	for i := 0; i < 3; i++ {
		if p, err := a.Authenticate(req(basic("admin@example.org", "right"))); err != nil || p.Name != "admin@example.org" {
			t.Fatalf("basic: %v %v", p, err)
		}
	}
	if n := checks.Load() - before; n != 1 {
		t.Errorf("a successful login should be cached: %d checks", n)
	}
}

// The access log names the caller that authentication found on a derived
// request, and never its secret.
func TestAccessLogNamesActor(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	auth := &AdminAuth{Secret: "s3cret-value"}
	r := NewRouter(Options{Logger: log, MaxBodyBytes: 1 << 10, RequestTimeout: time.Second})
	r.Handle("/who", auth.Middleware(
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) },
		func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusServiceUnavailable) },
	)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})))
	req := httptest.NewRequest(http.MethodGet, "/who", nil)
	req.Header.Set("Authorization", "s3cret-value")
	r.ServeHTTP(httptest.NewRecorder(), req)
	if !strings.Contains(buf.String(), `"actor":"secret"`) {
		t.Errorf("access log %q does not name the actor", buf.String())
	}
	if strings.Contains(buf.String(), "s3cret-value") {
		t.Errorf("access log %q holds the secret", buf.String())
	}
}

// A route declared as streaming keeps a context without the request
// deadline; the others get it.
func TestStreamingRouteHasNoDeadline(t *testing.T) {
	r := NewRouter(Options{MaxBodyBytes: 1 << 10, RequestTimeout: time.Minute})
	seen := map[string]bool{}
	probe := func(w http.ResponseWriter, r *http.Request) error {
		_, has := r.Context().Deadline()
		seen[r.URL.Path] = has
		return nil
	}
	Dialect{Name: "t", Prefix: "/t", Errors: func(http.ResponseWriter, *http.Request, error) {},
		Routes: []Route{
			{Method: http.MethodGet, Path: "/events", Handler: probe, Streams: true},
			{Method: http.MethodGet, Path: "/plain", Handler: probe},
		}}.Mount(r)
	for _, p := range []string{"/t/events", "/t/plain"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	if seen["/t/events"] || !seen["/t/plain"] {
		t.Errorf("deadlines seen: %v (want none on the stream, one on the plain route)", seen)
	}
}

// A dialect with its own not-found answer gets it for every unknown path
// under its prefix (and only there); a route with TrailingSlash also
// answers with the slash, the others do not; a streaming route on the
// dialect's subrouter still has no deadline.
func TestDialectNotFoundAndTrailingSlash(t *testing.T) {
	r := NewRouter(Options{MaxBodyBytes: 1 << 10, RequestTimeout: time.Minute})
	answer := func(text string) Handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			_, deadline := r.Context().Deadline()
			io.WriteString(w, text+map[bool]string{true: " deadline", false: ""}[deadline])
			return nil
		}
	}
	Dialect{Name: "t", Prefix: "/t", Errors: func(w http.ResponseWriter, _ *http.Request, err error) { http.Error(w, err.Error(), 500) },
		NotFound: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "dialect 404", 404) }),
		Routes: []Route{
			{Method: http.MethodGet, Path: "/items", Handler: answer("items"), TrailingSlash: true},
			{Method: http.MethodGet, Path: "/items/{id}", Handler: answer("item")},
			{Method: http.MethodGet, Path: "/events", Handler: answer("events"), Streams: true},
		}}.Mount(r)
	for path, want := range map[string]string{
		"/t/items":    "items deadline",
		"/t/items/":   "items deadline",
		"/t/items/1":  "item deadline",
		"/t/events":   "events",
		"/t/items/1/": "dialect 404\n",
		"/t/nothing":  "dialect 404\n",
		"/other":      `{"error":"no such endpoint: /other"}` + "\n",
	} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Body.String() != want {
			t.Errorf("%s: %d %q, want %q", path, w.Code, w.Body.String(), want)
		}
	}
}

// A path parameter declared secret is logged as "*"; the rest of the path
// stays readable.
func TestAccessLogHidesSecretPathParameters(t *testing.T) {
	var buf bytes.Buffer
	r := NewRouter(Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), MaxBodyBytes: 1 << 10, RequestTimeout: time.Second})
	Dialect{Name: "t", Prefix: "/t", Errors: func(http.ResponseWriter, *http.Request, error) {},
		Routes: []Route{{Method: http.MethodPost, Path: "/code/{user}/{code}", Secrets: []string{"code"},
			Handler: func(http.ResponseWriter, *http.Request) error { return nil }}}}.Mount(r)
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/t/code/alice/493817", nil))
	if strings.Contains(buf.String(), "493817") || !strings.Contains(buf.String(), `"path":"/t/code/alice/*"`) {
		t.Errorf("access log %q", buf.String())
	}
}
