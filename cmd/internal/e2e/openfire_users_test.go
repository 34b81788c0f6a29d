package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"xmpprest/component/c2s"
	"xmpprest/component/xmppserver"
)

// TestOpenfireUsers creates, reads, lists, updates and deletes users in XML
// and JSON, checking each effect by a real login.
func TestOpenfireUsers(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		for _, f := range wireFormats {
			u := "user-" + f.name()
			var body string
			if f == fmtXML {
				body = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<user><username>` + u + `</username><password>pw-1</password><name>Test User</name><email>t@example.com</email>
<properties><property key="team" value="blue"/><property key="floor" value="3"/></properties></user>`
			} else {
				// The old shape of properties, as clients still send it.
				body = `{"username":"` + u + `","password":"pw-1","name":"Test User","email":"t@example.com",
"properties":{"property":[{"@key":"team","@value":"blue"},{"@key":"floor","@value":"3"}]}}`
			}
			status, resp := e.of("POST", "/users", f, body)
			wantStatus(t, "create "+u, status, resp, 201)
			if resp != "" {
				t.Errorf("create answered a body: %q", resp)
			}
			if err := e.canLogIn(e.user(u), "pw-1"); err != nil {
				t.Fatalf("created user %s cannot log in: %v", u, err)
			}

			status, resp = e.of("POST", "/users", f, body)
			er := wantError(t, f, "create twice", status, resp, 409, "UserAlreadyExistsException")
			if er.Resource != u {
				t.Errorf("conflict resource = %q, want %q", er.Resource, u)
			}

			status, resp = e.of("GET", "/users/"+u, f, "")
			wantStatus(t, "get "+u, status, resp, 200)
			var got ofUser
			decodeAs(t, f, resp, &got)
			if got.Username != u || got.Name != "Test User" || got.Email != "t@example.com" {
				t.Errorf("get %s = %+v", u, got)
			}
			if v, _ := got.property("team"); v != "blue" {
				t.Errorf("property team = %q in %s", v, resp)
			}

			status, resp = e.of("GET", "/users/nobody-"+f.name(), f, "")
			er = wantError(t, f, "get missing user", status, resp, 404, "UserNotFoundException")
			if er.Message != "Could not get user" || er.Resource != "nobody-"+f.name() {
				t.Errorf("missing user error = %+v", er)
			}

			// Update: new password, name, one property changed, email kept.
			if f == fmtXML {
				body = `<user><username>` + u + `</username><password>pw-2</password><name>Renamed Display</name>
<properties><property key="team" value="red"/></properties></user>`
			} else {
				body = `{"username":"` + u + `","password":"pw-2","name":"Renamed Display","email":null,"properties":[{"key":"team","value":"red"}]}`
			}
			status, resp = e.of("PUT", "/users/"+u, f, body)
			wantStatus(t, "update "+u, status, resp, 200)
			if err := e.canLogIn(e.user(u), "pw-2"); err != nil {
				t.Errorf("new password does not work: %v", err)
			}
			if err := e.canLogIn(e.user(u), "pw-1"); !errors.Is(err, c2s.ErrNotAuthorized) {
				t.Errorf("old password still works (err %v)", err)
			}
			_, resp = e.of("GET", "/users/"+u, f, "")
			got = ofUser{}
			decodeAs(t, f, resp, &got)
			if got.Name != "Renamed Display" || got.Email != "t@example.com" {
				t.Errorf("after update: %+v", got)
			}
			if v, _ := got.property("team"); v != "red" {
				t.Errorf("team after update = %q", v)
			}
			if v, _ := got.property("floor"); v != "3" {
				t.Errorf("floor after update = %q (properties not named must stay)", v)
			}

			status, resp = e.of("PUT", "/users/nobody-"+f.name(), f, `{"username":"nobody-`+f.name()+`","name":"x"}`)
			if f == fmtXML {
				status, resp = e.of("PUT", "/users/nobody-"+f.name(), f, `<user><username>nobody-xml</username><name>x</name></user>`)
			}
			wantError(t, f, "update missing user", status, resp, 404, "UserNotFoundException")

			// Listing.
			status, resp = e.of("GET", "/users?search="+f.name(), f, "")
			if !e.listOffered() {
				er := wantError(t, f, "list users without get-registered-users-list", status, resp, 501, "")
				if !strings.Contains(er.Message, "get-registered-users-list") {
					t.Errorf("501 does not name the missing command: %q", er.Message)
				}
			} else {
				wantStatus(t, "list users", status, resp, 200)
				var list ofUsers
				decodeAs(t, f, resp, &list)
				if len(list.Users) != 1 || list.Users[0].Username != u || list.Users[0].Name != "Renamed Display" {
					t.Errorf("search %s = %+v", f.name(), list.Users)
				}
				_, resp = e.of("GET", "/users?propertyKey=team&propertyValue=nomatch", f, "")
				list = ofUsers{}
				decodeAs(t, f, resp, &list)
				if len(list.Users) != 0 {
					t.Errorf("propertyValue filter matched %+v", list.Users)
				}
				_, resp = e.of("GET", "/users/?propertyKey=floor", f, "")
				list = ofUsers{}
				decodeAs(t, f, resp, &list)
				found := false
				for _, lu := range list.Users {
					found = found || lu.Username == u
				}
				if !found {
					t.Errorf("propertyKey=floor does not list %s: %s", u, resp)
				}
			}

			status, resp = e.of("DELETE", "/users/"+u, f, "")
			wantStatus(t, "delete "+u, status, resp, 200)
			if err := e.canLogIn(e.user(u), "pw-2"); !errors.Is(err, c2s.ErrNotAuthorized) {
				t.Errorf("deleted user can still log in (err %v)", err)
			}
			status, resp = e.of("GET", "/users/"+u, f, "")
			wantError(t, f, "get deleted user", status, resp, 404, "UserNotFoundException")
			status, resp = e.of("DELETE", "/users/"+u, f, "")
			wantError(t, f, "delete deleted user", status, resp, 404, "UserNotFoundException")
		}
	})
}

// TestOpenfireUsersBulk creates users with the REST API 1.3.0 list form.
func TestOpenfireUsersBulk(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		status, resp := e.of("POST", "/users", fmtJSON, `{"users":[
			{"username":"bulk1","password":"pw-b1","name":"Bulk One","properties":[{"key":"k","value":"v"}]},
			{"username":"bulk2","password":"pw-b2"}]}`)
		wantStatus(t, "bulk create", status, resp, 201)
		var res struct {
			Success []struct{ Username, ResultType string } `json:"success"`
			Failure []struct{ Username, Message string }    `json:"failure"`
		}
		decodeAs(t, fmtJSON, resp, &res)
		if len(res.Success) != 2 || len(res.Failure) != 0 {
			t.Fatalf("bulk result = %s", resp)
		}
		for i := 1; i <= 2; i++ {
			if err := e.canLogIn(e.user(fmt.Sprintf("bulk%d", i)), fmt.Sprintf("pw-b%d", i)); err != nil {
				t.Errorf("bulk user %d cannot log in: %v", i, err)
			}
		}
		// One new, one existing: per-user results, the new one made.
		status, resp = e.of("POST", "/users", fmtXML, `<users><user><username>bulk3</username><password>pw-b3</password></user>
			<user><username>bulk1</username><password>x</password></user></users>`)
		wantStatus(t, "bulk with a duplicate", status, resp, 200)
		var xres struct {
			Success []string `xml:"success>result>username"`
			Failure []string `xml:"failure>result>username"`
		}
		decodeAs(t, fmtXML, resp, &xres)
		if len(xres.Success) != 1 || xres.Success[0] != "bulk3" || len(xres.Failure) != 1 || xres.Failure[0] != "bulk1" {
			t.Errorf("bulk with duplicate = %s", resp)
		}
		if err := e.canLogIn(e.user("bulk3"), "pw-b3"); err != nil {
			t.Errorf("bulk3 cannot log in: %v", err)
		}
		if err := e.canLogIn(e.user("bulk1"), "pw-b1"); err != nil {
			t.Errorf("bulk1's password was changed by the failed duplicate: %v", err)
		}
	})
}

// TestOpenfireUserRename renames a user by PUT with another username.
func TestOpenfireUserRename(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		status, resp := e.of("POST", "/users", fmtJSON, `{"username":"oldname","password":"pw-old","name":"Old","properties":[{"key":"k","value":"v"}]}`)
		wantStatus(t, "create", status, resp, 201)

		// Without a password the rename cannot be done: refused, nothing changed.
		status, resp = e.of("PUT", "/users/oldname", fmtJSON, `{"username":"newname","name":"New"}`)
		er := wantError(t, fmtJSON, "rename without password", status, resp, 400, "IllegalArgumentException")
		if !strings.Contains(er.Message, "password") {
			t.Errorf("rename refusal does not say why: %q", er.Message)
		}
		if err := e.canLogIn(e.user("oldname"), "pw-old"); err != nil {
			t.Fatalf("refused rename changed the old account: %v", err)
		}

		e.account("taken", "pw-taken")
		status, resp = e.of("PUT", "/users/oldname", fmtXML, `<user><username>taken</username><password>x</password></user>`)
		wantError(t, fmtXML, "rename onto an existing user", status, resp, 409, "UserAlreadyExistsException")

		status, resp = e.of("PUT", "/users/oldname", fmtXML, `<user><username>newname</username><password>pw-new</password><name>New</name></user>`)
		wantStatus(t, "rename", status, resp, 200)
		if err := e.canLogIn(e.user("newname"), "pw-new"); err != nil {
			t.Errorf("renamed user cannot log in: %v", err)
		}
		if err := e.canLogIn(e.user("oldname"), "pw-old"); !errors.Is(err, c2s.ErrNotAuthorized) {
			t.Errorf("old account still logs in (err %v)", err)
		}
		status, resp = e.of("GET", "/users/newname", fmtJSON, "")
		wantStatus(t, "get renamed", status, resp, 200)
		var got ofUser
		decodeAs(t, fmtJSON, resp, &got)
		if got.Name != "New" {
			t.Errorf("renamed user's name = %q", got.Name)
		}
		if v, _ := got.property("k"); v != "v" {
			t.Errorf("properties not carried over: %s", resp)
		}
	})
}
