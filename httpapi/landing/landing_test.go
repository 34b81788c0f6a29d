package landing

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

// newPages serves the landing pages over a store holding one invitation of
// each state; the XMPP side is not needed to show them.
func newPages(t *testing.T) (*mux.Router, map[string]string) {
	return newPagesOn(t, mux.NewRouter())
}

func newPagesOn(t *testing.T, r *mux.Router) (*mux.Router, map[string]string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	secrets := map[string]string{}
	for _, c := range []struct {
		state string
		inv   store.Invite
	}{
		{"valid", store.Invite{Kind: store.InviteAccount, Groups: []string{"Team"}}},
		{"expired", store.Invite{Kind: store.InviteAccount, Expires: now.Add(-time.Hour)}},
		{"used", store.Invite{Kind: store.InviteAccount}},
		{"revoked", store.Invite{Kind: store.InviteGroup}},
		{"reset", store.Invite{Kind: store.InviteReset, Username: "alice"}},
	} {
		secret, _ := store.NewSecret()
		c.inv.ID, c.inv.Host, c.inv.Created = c.state, "example.org", now.Add(-2*time.Hour)
		if err := st.Update(ctx, func(tx *store.Tx) error { return tx.PutInvite(ctx, c.inv, secret) }); err != nil {
			t.Fatal(err)
		}
		secrets[c.state] = secret
	}
	if err := st.ClaimInvite(ctx, "used", now); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx *store.Tx) error { return tx.RevokeInvite(ctx, "revoked", now) }); err != nil {
		t.Fatal(err)
	}
	r.UseEncodedPath()
	Register(r, &ops.Service{Store: st}, Options{PublicURL: func() string { return "https://chat.example.org" }})
	return r, secrets
}

func serve(r http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

// TestPages checks each state's page and the security headers.
func TestPages(t *testing.T) {
	r, secrets := newPages(t)
	for _, c := range []struct {
		secret string
		status int
		want   string
	}{
		{secrets["valid"], 200, "Team"},
		{secrets["reset"], 200, "alice@example.org"},
		{secrets["expired"], 410, "expired"},
		{secrets["used"], 410, "used"},
		{secrets["revoked"], 410, "withdrawn"},
		{"no-such-secret", 404, "not valid"},
	} {
		w := serve(r, httptest.NewRequest("GET", URL("", c.secret), nil))
		body := w.Body.String()
		if w.Code != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %d with %q: %s", c.secret, w.Code, c.status, c.want, body)
		}
		h := w.Header()
		if h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || strings.Contains(body, "<script") {
			t.Errorf("%s: headers %v", c.secret, h)
		}
		if !strings.Contains(body, `name="viewport"`) {
			t.Errorf("%s: no viewport for phones", c.secret)
		}
	}
	if w := serve(r, httptest.NewRequest("GET", "/invite-assets/style.css", nil)); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("style sheet: %d %v", w.Code, w.Header())
	}
}

// TestCrossSiteForm checks that forms not posted from the page itself are
// refused before anything is done.
func TestCrossSiteForm(t *testing.T) {
	r, secrets := newPages(t)
	page := URL("", secrets["valid"])
	w := serve(r, httptest.NewRequest("GET", page, nil))
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == csrfCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || !cookie.Secure {
		t.Fatalf("form cookie = %+v", cookie)
	}
	post := func(csrf string, withCookie bool, headers map[string]string) int {
		form := url.Values{"csrf": {csrf}, "username": {"bob"}, "password": {"pw-long-enough"}, "password2": {"pw-long-enough"}}
		req := httptest.NewRequest("POST", page, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			req.AddCookie(cookie)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return serve(r, req).Code
	}
	for what, status := range map[string]int{
		"no cookie":           post(cookie.Value, false, nil),
		"wrong token":         post("forged", true, nil),
		"other origin":        post(cookie.Value, true, map[string]string{"Origin": "https://evil.example"}),
		"cross-site fetch":    post(cookie.Value, true, map[string]string{"Sec-Fetch-Site": "cross-site"}),
		"other scheme (http)": post(cookie.Value, true, map[string]string{"Origin": "http://chat.example.org"}),
	} {
		if status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", what, status)
		}
	}
	// A same-origin post with different passwords gets the form again
	// (the passwords are checked before the XMPP side is asked).
	form := url.Values{"csrf": {cookie.Value}, "username": {"bob"}, "password": {"pw-long-enough"}, "password2": {"pw-different"}}
	req := httptest.NewRequest("POST", page, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://chat.example.org")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(cookie)
	if w := serve(r, req); w.Code != 400 || !strings.Contains(w.Body.String(), "differ") {
		t.Errorf("same-origin post with differing passwords: %d %s", w.Code, w.Body)
	}
}

// TestSecretNotLogged checks that the access log does not record an
// invitation's secret.
func TestSecretNotLogged(t *testing.T) {
	var log bytes.Buffer
	r, secrets := newPagesOn(t, httpapi.NewRouter(httpapi.Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	if w := serve(r, httptest.NewRequest("GET", URL("", secrets["valid"]), nil)); w.Code != 200 {
		t.Fatalf("page: %d", w.Code)
	}
	if !strings.Contains(log.String(), "/invite") {
		t.Fatalf("no access log line: %q", log.String())
	}
	if strings.Contains(log.String(), secrets["valid"]) {
		t.Errorf("the access log shows the secret: %s", log.String())
	}
}
