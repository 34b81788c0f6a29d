package e2e

import (
	"errors"
	"strings"
	"testing"

	"xmpprest/component/c2s"
	"xmpprest/component/xmppserver"
)

// TestOpenfireBadInput sends broken and invalid requests: each gets a 4xx
// with Openfire's error body in the right format, and nothing changes.
func TestOpenfireBadInput(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)

		// Authentication: 401 with an empty body.
		for _, h := range []map[string]string{nil, {"Authorization": "wrong-secret"}, {"Authorization": "Basic !!!"}} {
			status, body := e.raw("GET", ofPrefix+"/users/alice", h, "")
			if status != 401 || body != "" {
				t.Errorf("credentials %v: %d %q, want 401 with an empty body", h, status, body)
			}
		}
		status, body := e.raw("GET", ofPrefix+"/no/such/endpoint", nil, "")
		if status != 401 || body != "" {
			t.Errorf("unknown path without credentials: %d %q", status, body)
		}
		status, body = e.of("GET", "/no/such/endpoint", fmtJSON, "")
		wantError(t, fmtJSON, "unknown endpoint", status, body, 404, "")

		cases := []struct {
			name        string
			method      string
			path        string
			contentType string
			body        string
			status      int
			exception   string
			mention     string // the message must mention this
		}{
			{"broken XML", "POST", "/users", "application/xml", `<user><username>x</username>`, 400, "IllegalArgumentException", "XML"},
			{"broken JSON", "POST", "/users", "application/json", `{"username":"x",`, 400, "IllegalArgumentException", "JSON"},
			{"wrong JSON type", "POST", "/users", "application/json", `{"username":"x","password":5}`, 400, "IllegalArgumentException", "password"},
			{"JSON array", "POST", "/users", "application/json", `[]`, 400, "IllegalArgumentException", ""},
			{"empty body", "POST", "/users", "application/json", ``, 400, "IllegalArgumentException", "body"},
			{"wrong root", "POST", "/users", "application/xml", `<group><name>x</name></group>`, 400, "IllegalArgumentException", "user"},
			{"two roots", "POST", "/users", "application/xml", `<user><username>two1</username><password>p</password></user><user/>`, 400, "IllegalArgumentException", "root"},
			{"invalid username", "POST", "/users", "application/json", `{"username":"bad user@","password":"pw"}`, 400, "IllegalArgumentException", "bad user@"},
			{"username of another host", "POST", "/users", "application/json", `{"username":"x@elsewhere.example","password":"pw"}`, 400, "IllegalArgumentException", "elsewhere.example"},
			{"no username", "POST", "/users", "application/json", `{"password":"pw"}`, 400, "IllegalArgumentException", "username"},
			{"no password", "POST", "/users", "application/json", `{"username":"nopw"}`, 400, "IllegalArgumentException", "password"},
			{"duplicate property", "POST", "/users", "application/json", `{"username":"dup","password":"pw","properties":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}`, 400, "IllegalArgumentException", "twice"},
			{"unsupported content type", "POST", "/users", "text/plain", `username=x`, 415, "", "Content-Type"},
			{"form content type", "POST", "/system/properties", "application/x-www-form-urlencoded", `key=a&value=b`, 415, "", "Content-Type"},
			{"property without key", "POST", "/system/properties", "application/json", `{"value":"v"}`, 400, "IllegalArgumentException", "key"},
			{"escaped slash in a username", "GET", "/users/a%2Fb", "", ``, 400, "IllegalArgumentException", "a/b"},
			{"bad audit time", "GET", "/logs/security?startTime=yesterday", "", ``, 400, "IllegalArgumentException", "startTime"},
			{"propertyValue alone", "GET", "/users?propertyValue=x", "", ``, 400, "", "propertyKey"},
		}
		for _, c := range cases {
			for _, f := range wireFormats {
				if c.status == 415 && f == fmtJSON {
					continue // the error format follows Accept; tested once
				}
				status, body := e.do(c.method, ofPrefix+c.path, c.contentType, string(f), c.body)
				if c.path == "/users?propertyValue=x" && !e.listOffered() {
					continue // the missing command is reported first
				}
				er := wantError(t, f, c.name, status, body, c.status, c.exception)
				if c.mention != "" && !strings.Contains(er.Message, c.mention) {
					t.Errorf("%s: message %q does not mention %q", c.name, er.Message, c.mention)
				}
			}
		}
		// Nothing was created by any of them.
		for _, u := range []string{"x", "two1", "nopw", "dup"} {
			if err := e.canLogIn(e.user(u), "pw"); !errors.Is(err, c2s.ErrNotAuthorized) {
				t.Errorf("a refused request created %s (err %v)", u, err)
			}
		}
		status, body = e.of("GET", "/system/properties/a", fmtXML, "")
		wantError(t, fmtXML, "property from a refused request", status, body, 404, "PropertyNotFoundException")

		// The error format: Accept with one concrete type wins; else the
		// Content-Type; else XML.
		status, body = e.do("POST", ofPrefix+"/users", "application/json", "", `{"username":"x",`)
		if status != 400 || !strings.HasPrefix(body, "{") {
			t.Errorf("error for a JSON request without Accept: %d %s", status, body)
		}
		status, body = e.do("POST", ofPrefix+"/users", "application/json", "application/xml", `{"username":"x",`)
		if status != 400 || !strings.Contains(body, "<error>") {
			t.Errorf("error with Accept: application/xml: %d %s", status, body)
		}
		status, body = e.do("GET", ofPrefix+"/users/nobody", "", "*/*", ``)
		if status != 404 || !strings.Contains(body, "<exception>UserNotFoundException</exception>") {
			t.Errorf("error with Accept */*: %d %s", status, body)
		}
		// Old-style empty bodies on GET and DELETE are ignored.
		status, body = e.do("GET", ofPrefix+"/system/properties", "application/json", "application/json", `[]`)
		wantStatus(t, "GET with a [] body", status, body, 200)
	})
}
