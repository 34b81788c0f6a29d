package e2e

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"xmpprest/adhoc"
	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// cwPrefix is where the multi-domain user API is served.
const cwPrefix = "/api/1.0"

// cwUser is a user as the multi-domain API answers it.
type cwUser struct {
	Enabled        bool   `json:"enabled"`
	JID            string `json:"jid"`
	Password       string `json:"password"`
	ResourceURI    string `json:"resourceUri"`
	Username       string `json:"username"`
	XMPPDomain     string `json:"xmppDomain"`
	XMPPDomainURI  string `json:"xmppDomainUri"`
	XMPPUserACLURI string `json:"xmppUserAclUri"`
}

type cwList[T any] struct {
	Meta struct {
		Limit      int     `json:"limit"`
		Next       *string `json:"next"`
		Offset     int     `json:"offset"`
		Previous   *string `json:"previous"`
		TotalCount int     `json:"totalCount"`
	} `json:"meta"`
	Objects []T `json:"objects"`
}

type cwError struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
}

// cw calls the multi-domain API with HTTP Basic name:secret.
func (e *env) cw(name, secret, method, path, body string) httpResult {
	e.t.Helper()
	h := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+secret))}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return e.request(method, cwPrefix+path, h, body)
}

func wantCWError(t *testing.T, what string, res httpResult, status int) {
	t.Helper()
	var ce cwError
	wantPA(t, what, res, status, &ce)
	if ce.Code != status || ce.Error == "" {
		t.Errorf("%s: error body %s", what, res.Body)
	}
}

// TestChatwithUsers runs the multi-domain user API against one server with
// two virtual hosts: domains, paging, creation with generated and given
// names and passwords (checked by logging in), updates, deletion, host
// scope and bad input.
func TestChatwithUsers(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := xmppserver.StartT(t, kind, xmppserver.Options{Hosts: []string{"a.test", "b.test"}})
		e := attach(t, s)
		secret := e.token(ops.ScopeChatwith, "api", "", 0)
		cw := func(method, path, body string) httpResult { return e.cw("api", secret, method, path, body) }

		var domains cwList[struct{ FQDN string }]
		wantPA(t, "domains", cw("GET", "/xmppdomains", ""), 200, &domains)
		if len(domains.Objects) != 2 || domains.Objects[0].FQDN != "a.test" || domains.Objects[1].FQDN != "b.test" || domains.Meta.TotalCount != 2 {
			t.Errorf("domains = %+v", domains)
		}
		wantPA(t, "one domain", cw("GET", "/xmppdomains/b.test?format=json", ""), 200, nil)
		wantCWError(t, "unknown domain", cw("GET", "/xmppdomains/c.test", ""), 404)
		wantCWError(t, "users of an unknown domain", cw("GET", "/xmppdomains/c.test/users", ""), 404)

		// Generated name and password, returned once.
		var gen cwUser
		wantPA(t, "create generated", cw("POST", "/xmppdomains/a.test/users/", ""), 200, &gen)
		if len(gen.Username) != 36 || len(gen.Password) != 36 || gen.JID != gen.Username+"@a.test" || !gen.Enabled {
			t.Fatalf("generated user = %+v", gen)
		}
		if err := e.canLogIn(e.userOn(gen.Username, "a.test"), gen.Password); err != nil {
			t.Errorf("generated user cannot log in: %v", err)
		}
		var carol cwUser
		wantPA(t, "create carol on a", cw("POST", "/xmppdomains/a.test/users/carol", `{"password":"pw-carol-a"}`), 200, &carol)
		if carol.Password != "pw-carol-a" || carol.ResourceURI != "/api/1.0/xmppdomains/a.test/users/carol?format=json" ||
			carol.XMPPDomainURI != "/api/1.0/xmppdomains/a.test?format=json" || carol.XMPPUserACLURI != "/api/1.0/xmppdomains/a.test/users/carol/acl?format=json" {
			t.Errorf("carol = %+v", carol)
		}
		wantPA(t, "create carol on b", cw("POST", "/xmppdomains/b.test/users/carol", ""), 200, &carol)
		if err := e.canLogIn(e.userOn("carol", "b.test"), carol.Password); err != nil {
			t.Errorf("carol@b.test cannot log in with her generated password: %v", err)
		}
		if err := e.canLogIn(e.userOn("carol", "a.test"), carol.Password); err == nil {
			t.Errorf("b.test's password opens carol@a.test")
		}
		wantCWError(t, "create twice", cw("POST", "/xmppdomains/a.test/users/carol", `{"password":"x"}`), 409)

		var got cwUser
		wantPA(t, "get", cw("GET", "/xmppdomains/a.test/users/carol", ""), 200, &got)
		if got.Password != "" || got.JID != "carol@a.test" || !got.Enabled {
			t.Errorf("get = %+v (the password must never be shown again)", got)
		}

		for _, name := range []string{"dave", "erin"} {
			wantPA(t, "create "+name, cw("POST", "/xmppdomains/a.test/users/"+name, ""), 200, nil)
		}
		var page cwList[cwUser]
		wantPA(t, "page 1", cw("GET", "/xmppdomains/a.test/users?limit=2", ""), 200, &page)
		if page.Meta.TotalCount != 4 || len(page.Objects) != 2 || page.Meta.Next == nil || page.Meta.Previous != nil || page.Meta.Limit != 2 {
			t.Fatalf("page 1 = %+v", page)
		}
		next, _ := url.Parse(*page.Meta.Next)
		wantPA(t, "page 2", cw("GET", strings.TrimPrefix(next.Path, cwPrefix)+"?"+next.RawQuery, ""), 200, &page)
		if len(page.Objects) != 2 || page.Meta.Next != nil || page.Meta.Previous == nil || page.Meta.Offset != 2 {
			t.Errorf("page 2 = %+v", page)
		}
		wantPA(t, "b's users", cw("GET", "/xmppdomains/b.test/users", ""), 200, &page)
		if page.Meta.TotalCount != 1 || page.Objects[0].JID != "carol@b.test" || page.Meta.Limit != 20 {
			t.Errorf("b.test users = %+v", page)
		}

		wantPA(t, "new password", cw("PUT", "/xmppdomains/a.test/users/carol", `{"password":"pw-carol-2"}`), 200, &got)
		if err := e.canLogIn(e.userOn("carol", "a.test"), "pw-carol-2"); err != nil {
			t.Errorf("new password: %v", err)
		}
		res := cw("PUT", "/xmppdomains/a.test/users/carol", `{"enabled":false}`)
		if e.offers(adhoc.NodeDisableUser) {
			wantPA(t, "disable", res, 200, &got)
			if got.Enabled {
				t.Errorf("disabled user shows enabled")
			}
			if err := e.canLogIn(e.userOn("carol", "a.test"), "pw-carol-2"); err == nil {
				t.Errorf("disabled user can log in")
			}
			wantPA(t, "enable", cw("PUT", "/xmppdomains/a.test/users/carol", `{"enabled":true}`), 200, &got)
		} else {
			wantCWError(t, "disable without disable-user", res, 501)
		}

		wantPA(t, "delete", cw("DELETE", "/xmppdomains/a.test/users/carol", ""), 200, nil)
		wantCWError(t, "deleted", cw("GET", "/xmppdomains/a.test/users/carol", ""), 404)
		if err := e.canLogIn(e.userOn("carol", "b.test"), carol.Password); err != nil {
			t.Errorf("deleting carol@a.test touched carol@b.test: %v", err)
		}

		// A token of b.test sees and changes b.test only.
		bSecret := e.token(ops.ScopeChatwith, "api-b", "b.test", 0)
		wantPA(t, "b domains", e.cw("api-b", bSecret, "GET", "/xmppdomains", ""), 200, &domains)
		if len(domains.Objects) != 1 || domains.Objects[0].FQDN != "b.test" {
			t.Errorf("b token sees %+v", domains)
		}
		wantCWError(t, "b token on a", e.cw("api-b", bSecret, "GET", "/xmppdomains/a.test/users", ""), 403)
		wantCWError(t, "b token creates on a", e.cw("api-b", bSecret, "POST", "/xmppdomains/a.test/users/mallory", ""), 403)
		wantCWError(t, "b token, user JID of a", e.cw("api-b", bSecret, "DELETE", "/xmppdomains/b.test/users/dave@a.test", ""), 400)

		// Credentials.
		wantCWError(t, "no credentials", e.request("GET", cwPrefix+"/xmppdomains", nil, ""), 401)
		wantCWError(t, "wrong name", e.cw("other", secret, "GET", "/xmppdomains", ""), 401)
		wantCWError(t, "bearer", e.request("GET", cwPrefix+"/xmppdomains", map[string]string{"Authorization": "Bearer " + secret}, ""), 401)
		wantCWError(t, "Openfire secret", e.request("GET", cwPrefix+"/xmppdomains", map[string]string{"Authorization": apiSecret}, ""), 401)
		wantCWError(t, "admin token", e.cw("ops", e.token(ops.ScopeAdmin, "ops", "", 0), "GET", "/xmppdomains", ""), 403)
		short := e.token(ops.ScopeChatwith, "short", "", time.Millisecond)
		time.Sleep(5 * time.Millisecond) // the expiry itself is what is tested
		wantCWError(t, "expired token", e.cw("short", short, "GET", "/xmppdomains", ""), 401)
		if r := e.request("GET", ofPrefix+"/users", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+secret))}, ""); r.Status != 401 {
			t.Errorf("chatwith token on the Openfire dialect: %d", r.Status)
		}

		// Bad input changes nothing.
		for _, c := range []struct{ what, method, path, body string }{
			{"limit too big", "GET", "/xmppdomains/a.test/users?limit=51", ""},
			{"limit not a number", "GET", "/xmppdomains/a.test/users?limit=ten", ""},
			{"negative offset", "GET", "/xmppdomains/a.test/users?offset=-1", ""},
			{"XML asked for", "GET", "/xmppdomains/a.test/users?format=xml", ""},
			{"XML asked for on create", "POST", "/xmppdomains/a.test/users/frank?format=xml", `{"password":"pw-frank"}`},
			{"invalid username", "POST", "/xmppdomains/a.test/users/" + url.PathEscape("bad name\u0007"), ""},
			{"malformed JSON", "POST", "/xmppdomains/a.test/users/frank", `{"password":`},
			{"password not a string", "POST", "/xmppdomains/a.test/users/frank", `{"password":12}`},
			{"empty password", "POST", "/xmppdomains/a.test/users/frank", `{"password":""}`},
			{"invalid UTF-8", "POST", "/xmppdomains/a.test/users/frank", "{\"password\":\"\xfe\"}"},
			{"nothing to change", "PUT", "/xmppdomains/a.test/users/dave", `{}`},
			{"JID of another domain", "POST", "/xmppdomains/a.test/users/frank@b.test", ""},
		} {
			wantCWError(t, c.what, cw(c.method, c.path, c.body), 400)
		}
		wantPA(t, "after bad input", cw("GET", "/xmppdomains/a.test/users", ""), 200, &page)
		if page.Meta.TotalCount != 3 {
			t.Errorf("bad input changed the accounts: %+v", page)
		}
		e.wantLoginFailsOn(t, "frank", "a.test", "")
		e.wantLoginFailsOn(t, "frank", "b.test", "")
	})
}

// TestCrossDialect makes a user through the multi-domain API, a group
// through the Openfire dialect and a membership through Prosody's admin API,
// and reads each through the other two dialects.
func TestCrossDialect(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		host := e.Server.Hosts[0]
		cwSecret := e.token(ops.ScopeChatwith, "api", "", 0)
		admin := e.token(ops.ScopeAdmin, "ops", "", 0)

		// A user made through the multi-domain API ...
		wantPA(t, "create", e.cw("api", cwSecret, "POST", "/xmppdomains/"+host+"/users/xd-user", `{"password":"pw-xd-user"}`), 200, nil)
		// ... is seen through the Openfire dialect and Prosody's API.
		status, body := e.of("GET", "/users/xd-user", fmtJSON, "")
		wantStatus(t, "openfire get", status, body, 200)
		var u paUser
		wantPA(t, "prosody get", e.pa(admin, "GET", "/users/xd-user", ""), 200, &u)
		if u.Username != "xd-user" {
			t.Errorf("Prosody API sees %+v", u)
		}

		// A group made through the Openfire dialect ...
		status, body = e.of("POST", "/groups", fmtJSON, groupBody(fmtJSON, "xd-group", "Cross", false, nil, nil))
		wantStatus(t, "openfire create group", status, body, 201)
		// ... gets a member through Prosody's API ...
		wantPA(t, "prosody add member", e.pa(admin, "PUT", "/groups/xd-group/members/xd-user", ""), 204, nil)
		var g paGroup
		wantPA(t, "prosody get group", e.pa(admin, "GET", "/groups/xd-group", ""), 200, &g)
		if g.Name != "Cross" || !contains(g.Members, "xd-user") {
			t.Errorf("Prosody API sees group %+v", g)
		}
		// ... which the Openfire dialect shows.
		if groups := e.userGroups(fmtJSON, "xd-user"); !contains(groups, "xd-group") {
			t.Errorf("Openfire dialect: groups of xd-user = %v", groups)
		}
		// A user deleted through Prosody's API is gone for the others.
		wantPA(t, "prosody delete", e.pa(admin, "DELETE", "/users/xd-user", ""), 200, nil)
		wantCWError(t, "multi-domain get deleted", e.cw("api", cwSecret, "GET", "/xmppdomains/"+host+"/users/xd-user", ""), 404)
		status, _ = e.of("GET", "/users/xd-user", fmtJSON, "")
		if status != 404 {
			t.Errorf("Openfire dialect still sees the deleted user: %d", status)
		}
		if _, og := e.getGroup(fmtJSON, "xd-group"); contains(og.Members, "xd-user@"+host) {
			t.Errorf("deleted user still in the group: %+v", og)
		}
	})
}
