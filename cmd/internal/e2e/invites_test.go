package e2e

import (
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// paInvite is an invitation as Prosody's admin API answers it.
type paInvite struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Reusable    bool     `json:"reusable"`
	JID         string   `json:"jid"`
	Token       string   `json:"token"`
	URI         string   `json:"uri"`
	LandingPage string   `json:"landing_page"`
	CreatedAt   int64    `json:"created_at"`
	Expires     *int64   `json:"expires"`
	Groups      []string `json:"groups"`
	Source      string   `json:"source"`
	Reset       bool     `json:"reset"`
}

func (e *env) invite(t *testing.T, tok, kind, body string) paInvite {
	t.Helper()
	var inv paInvite
	wantPA(t, "create "+kind+" invite", e.pa(tok, "POST", "/invites/"+kind, body), 200, &inv)
	if inv.ID == "" || inv.Token == "" || !strings.HasPrefix(inv.LandingPage, e.D.PublicURL()+"/invite?") {
		t.Fatalf("invite = %+v", inv)
	}
	return inv
}

// formClient posts the landing page's form as a browser would: it reads
// the page (getting the form token and its cookie) and posts it back.
type formClient struct {
	t      *testing.T
	client *http.Client
}

func newFormClient(t *testing.T) *formClient {
	jar, _ := cookiejar.New(nil)
	return &formClient{t: t, client: &http.Client{Jar: jar}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (f *formClient) get(page string) (int, http.Header, string) {
	f.t.Helper()
	resp, err := f.client.Get(page)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// submit fetches page, then posts the form with the fields (and extra
// headers).
func (f *formClient) submit(page string, fields url.Values, headers map[string]string) (int, string) {
	f.t.Helper()
	status, _, body := f.get(page)
	if status != 200 {
		f.t.Fatalf("GET %s: %d %s", page, status, body)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		f.t.Fatalf("no form token in %s", body)
	}
	fields = maps.Clone(fields)
	if fields.Get("csrf") == "" {
		fields.Set("csrf", m[1])
	}
	req, _ := http.NewRequest("POST", page, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestProsodyInvites makes, lists, reads and revokes invitations through
// /admin_api and redeems them through the landing page's form (as posted by
// a browser), on both servers.
func TestProsodyInvites(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		tok := e.token(ops.ScopeAdmin, "ops", "", 0)
		host := e.Server.Hosts[0]

		acct := e.invite(t, tok, "account", `{"username":"inv-fixed","ttl":3600}`)
		if acct.Type != "register" || acct.Reusable || acct.JID != "inv-fixed@"+host || acct.Expires == nil || *acct.Expires-acct.CreatedAt != 3600 ||
			!strings.HasPrefix(acct.URI, "xmpp:inv-fixed@"+host+"?register;preauth=") || acct.Source != "admin_api/token ops (#1)" {
			t.Errorf("account invite = %+v", acct)
		}
		open := e.invite(t, tok, "account", "")
		if open.JID != host || open.Expires == nil || *open.Expires-open.CreatedAt != int64(ops.DefaultAccountInviteTTL.Seconds()) {
			t.Errorf("default account invite = %+v", open)
		}
		group := e.invite(t, tok, "group", "")
		if !group.Reusable || group.Expires != nil || len(group.Groups) != 1 {
			t.Errorf("group invite = %+v", group)
		}

		var list []paInvite
		wantPA(t, "list", e.pa(tok, "GET", "/invites", ""), 200, &list)
		if len(list) != 3 || list[0].Token != "" || list[0].LandingPage != "" {
			t.Errorf("list (secrets must not be shown again) = %+v", list)
		}
		var one paInvite
		wantPA(t, "get", e.pa(tok, "GET", "/invites/"+acct.ID, ""), 200, &one)
		if one.ID != acct.ID || one.JID != acct.JID {
			t.Errorf("get = %+v", one)
		}

		// The landing page: security headers, no script.
		fc := newFormClient(t)
		status, h, body := fc.get(acct.LandingPage)
		if status != 200 || !strings.Contains(body, "inv-fixed@"+host) || strings.Contains(body, "<script") {
			t.Fatalf("landing page: %d %s", status, body)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
			if h.Get(k) != want {
				t.Errorf("%s = %q, want %q", k, h.Get(k), want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP = %q", csp)
		}

		// A form posted from another site is refused, and nothing happens.
		form := url.Values{"password": {"pw-invited-1"}, "password2": {"pw-invited-1"}}
		if status, body := fc.submit(acct.LandingPage, form, map[string]string{"Origin": "http://evil.example"}); status != 403 {
			t.Errorf("cross-origin post: %d %s", status, body)
		}
		if status, body := newFormClient(t).submit(acct.LandingPage, url.Values{"csrf": {"forged"}, "password": {"pw-invited-1"}, "password2": {"pw-invited-1"}}, nil); status != 403 {
			t.Errorf("post without the form's cookie: %d %s", status, body)
		}
		e.wantLoginFails(t, "inv-fixed", "pw-invited-1")

		if status, body := fc.submit(acct.LandingPage, url.Values{"password": {"pw-invited-1"}, "password2": {"pw-invited-2"}}, nil); status != 400 || !strings.Contains(body, "differ") {
			t.Errorf("passwords that differ: %d %s", status, body)
		}
		if status, body := fc.submit(acct.LandingPage, url.Values{"password": {"short"}, "password2": {"short"}}, nil); status != 400 || !strings.Contains(body, "at least") {
			t.Errorf("short password: %d %s", status, body)
		}
		if status, body := fc.submit(acct.LandingPage, form, nil); status != 200 || !strings.Contains(body, "inv-fixed@"+host) {
			t.Fatalf("accept: %d %s", status, body)
		}
		if err := e.canLogIn(e.user("inv-fixed"), "pw-invited-1"); err != nil {
			t.Fatalf("invited account cannot log in: %v", err)
		}
		if status, _, body := fc.get(acct.LandingPage); status != 410 || !strings.Contains(body, "used") {
			t.Errorf("used invite page: %d %s", status, body)
		}
		wantPAError(t, "get a used invite", e.pa(tok, "GET", "/invites/"+acct.ID, ""), 404, "item-not-found")

		// A username taken shows the form again with the reason.
		if status, body := fc.submit(open.LandingPage, url.Values{"username": {"inv-fixed"}, "password": {"pw-other-1"}, "password2": {"pw-other-1"}}, nil); status != 409 || !strings.Contains(body, "taken") || !strings.Contains(body, `name="password"`) {
			t.Errorf("taken username: %d %s", status, body)
		}
		e.wantLoginFails(t, "inv-fixed", "pw-other-1")

		wantPA(t, "revoke", e.pa(tok, "DELETE", "/invites/"+open.ID, ""), 200, nil)
		if status, _, body := fc.get(open.LandingPage); status != 410 || !strings.Contains(body, "withdrawn") {
			t.Errorf("revoked invite page: %d %s", status, body)
		}
		wantPAError(t, "revoke twice", e.pa(tok, "DELETE", "/invites/"+open.ID, ""), 404, "item-not-found")
		if status, _, _ := fc.get(e.D.PublicURL() + "/invite?not-a-secret"); status != 404 {
			t.Errorf("unknown invite page: %d", status)
		}

		reset := e.invite(t, tok, "reset", `{"username":"inv-fixed"}`)
		if !reset.Reset || reset.Expires == nil || *reset.Expires-reset.CreatedAt != 86400 {
			t.Errorf("reset invite = %+v", reset)
		}
		if status, body := fc.submit(reset.LandingPage, url.Values{"password": {"pw-reset-1"}, "password2": {"pw-reset-1"}}, nil); status != 200 {
			t.Fatalf("reset: %d %s", status, body)
		}
		if err := e.canLogIn(e.user("inv-fixed"), "pw-reset-1"); err != nil {
			t.Errorf("reset password: %v", err)
		}
		e.wantLoginFails(t, "inv-fixed", "pw-invited-1")
	})
}

// TestInviteExpiry shows the expiry page of an invitation whose ttl has
// passed.
func TestInviteExpiry(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	tok := e.token(ops.ScopeAdmin, "ops", "", 0)
	inv := e.invite(t, tok, "account", `{"ttl":1}`)
	fc := newFormClient(t)
	eventually(t, 5*time.Second, "invite expired", func() bool {
		status, _, body := fc.get(inv.LandingPage)
		return status == 410 && strings.Contains(body, "expired")
	})
}
