package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

// hostileCase is one hostile request; every one must be refused with a 4xx
// in the dialect's error shape, and change nothing.
type hostileCase struct {
	name, method, path, contentType, body string
}

// hostileDialect is what the hostile table needs of a dialect: where its
// bodies go, which field holds a name, and what its errors look like. A
// dialect that lands adds its own.
type hostileDialect struct {
	name string
	// jsonTargets and xmlTargets are requests whose body is a template
	// with one %s: a JSON string value (quoted) or XML text.
	jsonTargets, xmlTargets []hostileTarget
	// pathTargets are path templates with one %s: a path parameter.
	pathTargets []string
	// isError reports whether body is the dialect's error entity with a
	// message.
	isError func(body string) bool
	// auth is the Authorization header of an allowed caller.
	auth string
	// allowed names the cases that are legitimate in this dialect (the
	// multi-domain API creates a user with a generated password from a
	// body without one).
	allowed map[string]bool
}

type hostileTarget struct {
	method, path, template string
	// bodiesOnly: the field is not a key or name (a password), so only
	// the hostile bodies apply.
	bodiesOnly bool
}

// hostileNames are values no key or name may hold, as raw text.
var hostileNames = map[string]string{
	"C0 control":         "pk\u0001",
	"NUL":                "a\u0000b",
	"line feed":          "pk\nx",
	"NEL (C1)":           "nel\u0085x",
	"right-to-left mark": "rlo\u202eevil",
	"zero-width space":   "zw\u200bsp",
	"byte-order mark":    "\ufeffbom",
	"leading space":      " gls",
	"trailing space":     "gls ",
	"only spaces":        "   ",
	"noncharacter":       "non\uffff",
	"replacement char":   "rep\ufffd",
	"very long":          strings.Repeat("n", 2000),
	"ideographic space":  "\u3000x",
}

// hostileJSONBodies are whole JSON bodies no write may accept.
func hostileJSONBodies() map[string]string {
	return map[string]string{
		"100k-deep arrays":      strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"100k-deep objects":     strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000),
		"invalid UTF-8":         "{\"name\":\"g\xff\xfe\"}",
		"truncated UTF-8":       "{\"name\":\"g\xc3\"}",
		"trailing garbage":      `{"name":"x"} trailing`,
		"array":                 `[]`,
		"null":                  `null`,
		"number":                `42`,
		"string":                `"text"`,
		"unterminated":          `{"name":"x"`,
		"over the size limit":   `{"name":"` + strings.Repeat("x", 2<<20) + `"}`,
		"lone surrogate escape": `{"name":"\ud800","key":"\ud800","username":"\ud800","roomName":"\ud800","id":"\ud800","display_name":"\ud800"}`,
		"empty":                 ``,
	}
}

// hostileXMLBodies are whole XML bodies no write may accept.
func hostileXMLBodies() map[string]string {
	return map[string]string{
		"billion laughs": `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><user><username>&lol3;</username><password>p</password></user>`,
		"XXE":            `<?xml version="1.0"?><!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><user><username>&xxe;</username><password>p</password></user>`,
		"100k-deep":      strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000),
		"foreign root":   `<x:user xmlns:x="urn:evil"><username>hostile</username><password>p</password></x:user>`,
		"foreign child":  `<user><x:username xmlns:x="urn:evil">hostile</x:username><password>p</password></user>`,
		"default ns":     `<user xmlns="urn:evil"><username>hostile</username><password>p</password></user>`,
		"invalid UTF-8":  "<user><username>h\xffostile</username><password>p</password></user>",
		"two roots":      `<user><username>hostile</username></user><user/>`,
		"text after":     `<user><username>hostile</username></user>junk`,
		"unclosed":       `<user><username>hostile</username>`,
		"char ref 1":     `<user><username>pk&#1;</username><password>p</password></user>`,
		"oversized":      `<user><username>` + strings.Repeat("x", 2<<20) + `</username></user>`,
		"not XML":        `username=hostile`,
		"empty":          ``,
	}
}

// hostilePathValues are path parameters (already percent-encoded) no
// route may act on.
var hostilePathValues = map[string]string{
	"NUL":           "a%00b",
	"line feed":     "pk%0Ax",
	"invalid UTF-8": "%FF%FE",
	"truncated":     "ab%C3",
	"RLO":           "x%E2%80%AEy",
	"traversal":     "..%2F..%2Fetc",
	"very long":     strings.Repeat("x", 5000),
	"other host":    "x@elsewhere.example",
}

// openfireHostile is the Openfire dialect's part of the table.
func openfireHostile() hostileDialect {
	return hostileDialect{
		name: "openfire",
		jsonTargets: []hostileTarget{
			{"POST", ofPrefix + "/users", `{"username":"hostile","password":"pw","name":%s}`, false},
			{"PUT", ofPrefix + "/users/victim", `{"name":%s}`, false},
			{"POST", ofPrefix + "/users", `{"username":"hostile","password":"pw","properties":{"property":[{"@key":%s,"@value":"v"}]}}`, false},
			{"POST", ofPrefix + "/groups", `{"name":%s,"description":"d"}`, false},
			{"POST", ofPrefix + "/system/properties", `{"key":%s,"value":"v"}`, false},
			{"POST", ofPrefix + "/users/victim/roster", `{"jid":"friend@localhost","nickname":%s}`, false},
		},
		xmlTargets: []hostileTarget{
			{"POST", ofPrefix + "/users", `<user><username>hostile</username><password>pw</password><name>%s</name></user>`, false},
			{"POST", ofPrefix + "/groups", `<group><name>%s</name><description>d</description></group>`, false},
			{"POST", ofPrefix + "/system/properties", `<property key="%s" value="v"/>`, false},
		},
		pathTargets: []string{ofPrefix + "/users/%s", ofPrefix + "/groups/%s", ofPrefix + "/system/properties/%s", ofPrefix + "/chatrooms/%s"},
		isError: func(b string) bool {
			return (strings.Contains(b, "<exception>") || strings.Contains(b, `"exception":`)) &&
				!strings.Contains(b, "<message></message>") && !strings.Contains(b, `"message":""`)
		},
	}
}

// prosodyHostile is the Prosody admin API's part of the table; token is an
// admin-scope API token.
func prosodyHostile(token string) hostileDialect {
	return hostileDialect{
		name: "prosody-admin",
		jsonTargets: []hostileTarget{
			{"POST", "/admin_api/groups", `{"id":%s}`, false},
			{"PATCH", "/admin_api/users/victim", `{"display_name":%s}`, false},
		},
		pathTargets: []string{"/admin_api/users/%s", "/admin_api/groups/%s"},
		isError: func(b string) bool {
			return strings.Contains(b, `"condition":`) && !strings.Contains(b, `"text":""`)
		},
		auth: "Bearer " + token,
	}
}

// chatwithHostile is the multi-domain API's part of the table; name and
// token are a chatwith-scope API token.
func chatwithHostile(host, name, token string) hostileDialect {
	base := "/api/1.0/xmppdomains/" + host
	return hostileDialect{
		name: "chatwith",
		jsonTargets: []hostileTarget{
			{"POST", base + "/users/hostile", `{"password":%s}`, true},
			{"PUT", base + "/users/victim", `{"password":"pw","enabled":%s}`, false},
		},
		pathTargets: []string{base + "/users/%s"},
		isError: func(b string) bool {
			return strings.Contains(b, `"error":`) && !strings.Contains(b, `"error":""`)
		},
		auth:    "Basic " + b64(name+":"+token),
		allowed: map[string]bool{"JSON body empty": true, "JSON body lone surrogate escape": true},
	}
}

// cases expands the dialect's table.
func (d hostileDialect) cases() []hostileCase {
	var out []hostileCase
	for _, tg := range d.jsonTargets {
		for name, v := range hostileNames {
			if tg.bodiesOnly {
				break
			}
			out = append(out, hostileCase{"JSON " + name, tg.method, tg.path, "application/json", fmt.Sprintf(tg.template, jsonString(v))})
		}
		for name, body := range hostileJSONBodies() {
			out = append(out, hostileCase{"JSON body " + name, tg.method, tg.path, "application/json", body})
		}
	}
	for _, tg := range d.xmlTargets {
		for name, v := range hostileNames {
			if strings.ContainsAny(v, "\u0000\u0001") {
				continue // not even expressible in XML: covered by the bodies below
			}
			out = append(out, hostileCase{"XML " + name, tg.method, tg.path, "application/xml", fmt.Sprintf(tg.template, xmlEsc(v))})
		}
		for name, body := range hostileXMLBodies() {
			out = append(out, hostileCase{"XML body " + name, tg.method, tg.path, "application/xml", body})
		}
	}
	for _, p := range d.pathTargets {
		for name, v := range hostilePathValues {
			for _, m := range []string{http.MethodGet, http.MethodDelete} {
				out = append(out, hostileCase{"path " + name, m, fmt.Sprintf(p, v), "", ""})
			}
		}
	}
	out = slices.DeleteFunc(out, func(c hostileCase) bool { return d.allowed[c.name] })
	sort.Slice(out, func(i, j int) bool {
		return out[i].method+out[i].path+out[i].name < out[j].method+out[j].path+out[j].name
	})
	return out
}

// jsonString quotes s as a JSON string, escaping nothing that JSON allows
// raw (so invalid bytes stay invalid).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// snapshot is the state a hostile request must not change: the audit log,
// the victim, the groups, the system properties, the rooms.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	audit, err := e.D.Store.AuditLog(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "audit=%d\n", len(audit))
	for _, p := range []string{"/users/victim", "/users/victim/roster", "/groups", "/system/properties", "/chatrooms"} {
		status, body := e.of("GET", p, fmtJSON, "")
		fmt.Fprintf(&b, "%s %d %s\n", p, status, body)
	}
	exists, err := e.D.Ops.Adhoc.UserExists(ctx, e.user("hostile"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "hostile exists=%v\n", exists)
	return b.String()
}

// TestHostileInput sends the hostile table: every case answered 4xx with
// a message in the dialect's shape, the process alive, nothing changed on
// the server or in the store.
func TestHostileInput(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	e.account("victim", "victim-pw")
	if s, b := e.of("POST", "/groups", fmtJSON, `{"name":"vgroup","description":"d"}`); s != 201 {
		t.Fatalf("group: %d %s", s, b)
	}
	if s, b := e.of("POST", "/system/properties", fmtJSON, `{"key":"vprop","value":"v"}`); s != 201 {
		t.Fatalf("property: %d %s", s, b)
	}
	before := e.snapshot(t)
	total, refused := 0, 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adminToken, _, err := e.D.Store.IssueToken(ctx, store.Token{Name: "hostile-admin", Scope: ops.ScopeAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	chatwithToken, _, err := e.D.Store.IssueToken(ctx, store.Token{Name: "hostile-chatwith", Scope: ops.ScopeChatwith}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	usedSecret(adminToken)
	usedSecret(chatwithToken)
	dialects := []hostileDialect{openfireHostile(), prosodyHostile(adminToken), chatwithHostile(e.Server.Hosts[0], "hostile-chatwith", chatwithToken)}
	perDialect := map[string]int{}
	for _, d := range dialects {
		for _, c := range d.cases() {
			perDialect[d.name]++
			total++
			req, err := http.NewRequest(c.method, e.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			req.Header.Set("Authorization", apiSecret)
			if d.auth != "" {
				req.Header.Set("Authorization", d.auth)
			}
			req.Header.Set("Accept", "application/json")
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("%s %s %s: no answer: %v", c.method, shortPath(c.path), c.name, err)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode < 400 || resp.StatusCode > 499 || resp.StatusCode == 401 || !d.isError(string(b)) {
				t.Errorf("%s %s %s: %d %.200s, want a 4xx with the %s error entity", c.method, shortPath(c.path), c.name, resp.StatusCode, b, d.name)
				continue
			}
			refused++
		}
	}
	if status := getJSON(t, e.URL+"/healthz", nil); status != 200 {
		t.Fatalf("after the hostile table /healthz answered %d", status)
	}
	if after := e.snapshot(t); after != before {
		t.Errorf("the hostile table changed the state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := e.canLogIn(e.user("victim"), "victim-pw"); err != nil {
		t.Errorf("the victim can no longer log in: %v", err)
	}
	if total < 150 {
		t.Errorf("the hostile table has %d cases; keep at least 150", total)
	}
	t.Logf("RELIABILITY hostile cases=%d refused_4xx=%d per_dialect=%v", total, refused, perDialect)
}

func shortPath(p string) string {
	if len(p) > 80 {
		return p[:80] + "…"
	}
	return p
}

// credentialKinds are credentials that must not open a guarded route.
func credentialKinds(basicNonAdmin, basicWrongPassword string) map[string]string {
	return map[string]string{
		"none":                           "",
		"wrong secret":                   "not-the-secret",
		"secret with one more character": apiSecret + "x",
		"secret in upper case":           strings.ToUpper(apiSecret),
		"secret as a bearer token":       "Bearer " + apiSecret,
		"secret as Basic":                "Basic " + b64(apiSecret+":"+apiSecret),
		"Basic of a non-admin":           basicNonAdmin,
		"Basic of an admin, wrong pw":    basicWrongPassword,
		"garbage Basic":                  "Basic !!!",
	}
}

// The route walk: every route the router declares, with every kind of
// wrong credentials, is refused (401/403, or the legacy user service's
// RequestNotAuthorised), except the routes declared public.
func TestRouteWalkRefusesWrongCredentials(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	cfg := configFor(t, s)
	cfg.Auth.Admins = []string{"walker@" + s.Hosts[0]}
	cfg.Limits.LoginAttemptsPerMinute = 100000 // the walk is not a brute-force attack
	cfg.SparkWeb.Enabled = true                // every dialect's routes are walked
	cfg.SparkWeb.KeyFile = filepath.Join(t.TempDir(), "sparkweb.key")
	e := attachConfig(t, s, cfg)
	e.account("walker", "walker-pw")
	e.account("plain", "plain-pw")
	creds := credentialKinds("Basic "+b64("plain@"+s.Hosts[0]+":plain-pw"), "Basic "+b64("walker@"+s.Hosts[0]+":wrong"))
	// Credentials of the wrong kind: a user's token on the admin API, the
	// admin secret on a user API.
	status, userToken := e.raw("POST", "/sparkweb/api/rest/login/plain", map[string]string{"Content-Type": "text/plain"}, "plain-pw")
	if status != 200 || !strings.Contains(userToken, "token") {
		t.Fatalf("user sign-in for the walk: %d %s", status, userToken)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal([]byte(userToken), &tok); err != nil || tok.Token == "" {
		t.Fatalf("user token: %v %s", err, userToken)
	}
	usedSecret(tok.Token)

	seen := map[string]bool{}
	walked, public := 0, 0
	for _, rt := range httpapi.DeclaredRoutes() {
		id := rt.Method + " " + rt.Prefix + rt.Path
		if seen[id] {
			continue
		}
		seen[id] = true
		if rt.Public {
			public++
			continue
		}
		walked++
		path := fillTemplate(rt.Prefix + rt.Path)
		// The admin dialect and the service's own operator routes (status,
		// metrics, capabilities: no prefix) take the admin secret, the
		// latter also as Bearer or Basic; the user and token dialects must
		// refuse it.
		wrongKind := map[string]string{"a user's token": tok.Token, "a user's Bearer token": "Bearer " + tok.Token}
		kinds := creds
		switch {
		case rt.Prefix == "":
			kinds = maps.Clone(creds)
			delete(kinds, "secret as a bearer token")
			delete(kinds, "secret as Basic")
		case !strings.HasPrefix(rt.Prefix, "/plugins/restapi"):
			wrongKind = map[string]string{"the admin secret": apiSecret}
		}
		for kind, h := range merged(kinds, wrongKind) {
			headers := map[string]string{"Content-Type": "application/json"}
			if h != "" {
				headers["Authorization"] = h
			}
			status, body := e.raw(rt.Method, path, headers, `{}`)
			if status != 401 && status != 403 && status != 429 && !strings.Contains(body, "RequestNotAuthorised") {
				t.Errorf("%s %s with %s credentials: %d %.200s, want it refused", rt.Method, path, kind, status, body)
			}
		}
	}
	// The public routes that authenticate themselves (the legacy user
	// service) refuse them too.
	for kind, h := range creds {
		status, body := e.raw("GET", "/plugins/restapi/userservice?type=add&username=walkeruser&password=x", map[string]string{"Authorization": h}, "")
		if !strings.Contains(body, "RequestNotAuthorised") {
			t.Errorf("user service with %s credentials: %d %s", kind, status, body)
		}
	}
	if walked < 50 {
		t.Errorf("only %d guarded routes were declared; the walk reads the router's declarations", walked)
	}
	t.Logf("RELIABILITY route-walk routes=%d guarded=%d public=%d credential_kinds=%d", walked+public, walked, public, len(creds)+2)
}

func merged(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// fillTemplate replaces every {param} or {param:regexp} of a route
// template with a plausible value.
func fillTemplate(p string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		j := strings.IndexByte(p[i:], '}')
		b.WriteString(p[:i])
		param := p[i+1 : i+j]
		name, re, _ := strings.Cut(param, ":")
		switch {
		case re != "":
			b.WriteString(strings.Split(re, "|")[0])
		case name == "affiliation":
			b.WriteString("owners")
		default:
			b.WriteString("walker")
		}
		p = p[i+j+1:]
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
