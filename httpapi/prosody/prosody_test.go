package prosody

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
)

// TestErrorShape checks the error body and status of each fault kind.
func TestErrorShape(t *testing.T) {
	a := &api{}
	for _, c := range []struct {
		err    error
		status int
		typ    string
		cond   string
	}{
		{fault.New(fault.BadRequest, "bad"), 400, "modify", "bad-request"},
		{fault.New(fault.NotFound, "gone"), 404, "cancel", "item-not-found"},
		{fault.New(fault.Conflict, "twice"), 409, "cancel", "conflict"},
		{fault.New(fault.Denied, "not yours"), 403, "auth", "forbidden"},
		{fault.New(fault.NotSupported, "no disable-user"), 501, "cancel", "feature-not-implemented"},
		{fault.New(fault.Unavailable, "down"), 503, "wait", "service-unavailable"},
		{&httpapi.UnsupportedMediaError{ContentType: "text/plain", Accepted: []string{"application/json"}}, 400, "modify", "bad-request"},
	} {
		w := httptest.NewRecorder()
		a.fail(w, httptest.NewRequest("GET", "/admin_api/users", nil), c.err)
		var body errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if w.Code != c.status || body.Code != c.status || body.Type != "error" || body.Error.Type != c.typ || body.Error.Condition != c.cond || body.Error.Text == "" {
			t.Errorf("%v: %d %s", c.err, w.Code, w.Body)
		}
	}
}

// TestDecode checks that bodies must be JSON and say so.
func TestDecode(t *testing.T) {
	req := func(ct, body string) *http.Request {
		r := httptest.NewRequest("POST", "/admin_api/groups", strings.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		return r
	}
	var v struct{ Name string }
	if err := decode(req("application/json", `{"Name":"x"}`), &v, true); err != nil || v.Name != "x" {
		t.Errorf("JSON body: %v %+v", err, v)
	}
	for _, c := range []struct{ ct, body string }{
		{"", `{"Name":"x"}`},
		{"text/plain", `{"Name":"x"}`},
		{"application/json", `{"Name":`},
		{"application/json", ``},
	} {
		if err := decode(req(c.ct, c.body), &v, true); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%q %q: %v, want a bad request", c.ct, c.body, err)
		}
	}
	if err := decode(req("", ""), &v, false); err != nil {
		t.Errorf("optional empty body: %v", err)
	}
}

// TestTTL checks the invitation lifetimes accepted.
func TestTTL(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, bad := range []*float64{f(-1), f(0), f(1e300), f(400 * 24 * 3600)} {
		if _, err := (newInvite{TTL: bad}).ttl(); !fault.Is(err, fault.BadRequest) {
			t.Errorf("ttl %v: %v", *bad, err)
		}
	}
	if d, err := (newInvite{TTL: f(90)}).ttl(); err != nil || d.Seconds() != 90 {
		t.Errorf("ttl 90: %v %v", d, err)
	}
	if d, err := (newInvite{}).ttl(); err != nil || d != nil {
		t.Errorf("no ttl: %v %v", d, err)
	}
}
