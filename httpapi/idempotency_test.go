package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// A retry that arrives while the first request with its key is still
// being served is refused with 409, in the dialect's shape; once the
// first is answered, retries get its answer.
func TestIdempotencyKeyInFlight(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := NewRouter(Options{MaxBodyBytes: 1 << 16, RequestTimeout: 10 * time.Second,
		Idempotency: &Idempotency{Store: st, TTL: time.Hour}})
	entered, release := make(chan struct{}), make(chan struct{})
	calls := 0
	slow := func(w http.ResponseWriter, r *http.Request) error {
		calls++
		entered <- struct{}{}
		<-release
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
		return nil
	}
	guard := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), Principal{Name: "tester"})))
		})
	}
	Dialect{Name: "test-idem", Prefix: "/idem", Guard: guard,
		Routes: []Route{{Method: http.MethodPost, Path: "/things", Handler: slow}},
		Errors: func(w http.ResponseWriter, _ *http.Request, err error) {
			WriteJSON(w, map[fault.Kind]int{fault.Conflict: 409, fault.BadRequest: 400}[fault.KindOf(err)], map[string]string{"dialectError": fault.Message(err)})
		}}.Mount(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	post := func() (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/idem/things", strings.NewReader("{}"))
		req.Header.Set("Idempotency-Key", "k1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return nil, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	first := make(chan int)
	go func() {
		resp, _ := post()
		first <- resp.StatusCode
	}()
	<-entered
	resp, b := post()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(b, "dialectError") {
		t.Fatalf("retry while the first is served: %d %s, want 409 in the dialect's shape", resp.StatusCode, b)
	}
	close(release)
	if s := <-first; s != http.StatusCreated {
		t.Fatalf("first: %d", s)
	}
	resp, b = post()
	if resp.StatusCode != http.StatusCreated || b != "made" || resp.Header.Get(ReplayedHeader) != "true" || calls != 1 {
		t.Fatalf("retry after the answer: %d %q replayed=%q calls=%d", resp.StatusCode, b, resp.Header.Get(ReplayedHeader), calls)
	}
}
