package e2e

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"xmpprest/adhoc"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// paUser is a user as Prosody's admin API answers it.
type paUser struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Enabled     bool     `json:"enabled"`
	LastActive  *int64   `json:"last_active"`
	Groups      []string `json:"groups"`
}

// paGroup is a group as Prosody's admin API answers it.
type paGroup struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	MUCJID  string   `json:"muc_jid"`
	Members []string `json:"members"`
	Chats   []struct {
		ID  string `json:"id"`
		JID string `json:"jid"`
	} `json:"chats"`
}

// TestProsodyUsers reads, changes, locks out and deletes accounts through
// /admin_api, checking each effect by a real login, and sees the change
// through the Openfire dialect.
func TestProsodyUsers(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		tok := e.token(ops.ScopeAdmin, "ops", "", 0)
		e.account("pa-alice", "pw-alice-1")
		e.account("pa-bob", "pw-bob-1")

		var list []paUser
		wantPA(t, "list users", e.pa(tok, "GET", "/users", ""), 200, &list)
		names := map[string]bool{}
		for _, u := range list {
			names[u.Username] = true
		}
		if !names["pa-alice"] || !names["pa-bob"] {
			t.Errorf("list lacks the accounts: %+v", list)
		}

		var u paUser
		wantPA(t, "get user", e.pa(tok, "GET", "/users/pa-alice", ""), 200, &u)
		if u.Username != "pa-alice" || !u.Enabled || u.Groups == nil || len(u.Groups) != 0 {
			t.Errorf("user = %+v", u)
		}
		if kind == xmppserver.Ejabberd && u.LastActive == nil {
			t.Errorf("ejabberd tells the last login, yet last_active is missing")
		}
		if kind == xmppserver.Prosody && u.LastActive != nil {
			t.Errorf("Prosody cannot tell the last login, yet last_active = %d", *u.LastActive)
		}

		wantPA(t, "patch display name", e.pa(tok, "PATCH", "/users/pa-alice", `{"display_name":"Alice A."}`), 200, &u)
		if u.DisplayName != "Alice A." {
			t.Errorf("after PATCH: %+v", u)
		}
		// The same user through the Openfire dialect.
		status, body := e.of("GET", "/users/pa-alice", fmtJSON, "")
		var of ofUser
		wantStatus(t, "openfire get", status, body, 200)
		decodeAs(t, fmtJSON, body, &of)
		if of.Name != "Alice A." {
			t.Errorf("Openfire dialect sees name %q", of.Name)
		}

		wantPA(t, "put password", e.pa(tok, "PUT", "/users/pa-alice", `{"display_name":"Alice","password":"pw-alice-2"}`), 200, &u)
		if err := e.canLogIn(e.user("pa-alice"), "pw-alice-2"); err != nil {
			t.Errorf("new password: %v", err)
		}
		e.wantLoginFails(t, "pa-alice", "pw-alice-1")

		res := e.pa(tok, "PATCH", "/users/pa-bob", `{"enabled":false}`)
		if e.offers(adhoc.NodeDisableUser) {
			wantPA(t, "disable", res, 200, &u)
			if u.Enabled {
				t.Errorf("disabled user shows enabled")
			}
			e.wantLoginFails(t, "pa-bob", "pw-bob-1")
			wantPA(t, "enable", e.pa(tok, "PATCH", "/users/pa-bob", `{"enabled":true}`), 200, &u)
			if !u.Enabled {
				t.Errorf("re-enabled user shows disabled")
			}
			if err := e.canLogIn(e.user("pa-bob"), "pw-bob-1"); err != nil {
				t.Errorf("re-enabled user cannot log in: %v", err)
			}
		} else {
			pe := wantPAError(t, "disable without the command", res, 501, "feature-not-implemented")
			if !strings.Contains(pe.Error.Text, "disable-user") {
				t.Errorf("501 does not name the missing command: %q", pe.Error.Text)
			}
			if err := e.canLogIn(e.user("pa-bob"), "pw-bob-1"); err != nil {
				t.Errorf("a refused lockout changed the account: %v", err)
			}
		}

		// Sessions: a logged-in client shows up in debug.
		c := e.client(e.user("pa-bob"), "pw-bob-1")
		var dbg struct {
			Sessions []struct {
				FullJID string `json:"full_jid"`
				IP      string `json:"ip"`
			} `json:"sessions"`
		}
		eventually(t, 5*time.Second, "session in debug", func() bool {
			wantPA(t, "debug", e.pa(tok, "GET", "/users/pa-bob/debug", ""), 200, &dbg)
			return len(dbg.Sessions) == 1 && dbg.Sessions[0].FullJID == c.JID().String()
		})

		wantPAError(t, "missing user", e.pa(tok, "GET", "/users/nobody-here", ""), 404, "item-not-found")
		wantPAError(t, "missing user debug", e.pa(tok, "GET", "/users/nobody-here/debug", ""), 404, "item-not-found")
		wantPAError(t, "missing user patch", e.pa(tok, "PATCH", "/users/nobody-here", `{"display_name":"x"}`), 404, "item-not-found")

		wantPA(t, "delete", e.pa(tok, "DELETE", "/users/pa-alice", ""), 200, nil)
		e.wantLoginFails(t, "pa-alice", "pw-alice-2")
		wantPAError(t, "deleted user", e.pa(tok, "GET", "/users/pa-alice", ""), 404, "item-not-found")
	})
}

// TestProsodyGroups makes a group with a chat room through /admin_api, adds
// members, and checks the rosters, the room's members and the Openfire
// dialect's view.
func TestProsodyGroups(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		e.awaitPrivileges()
		tok := e.token(ops.ScopeAdmin, "ops", "", 0)
		alice := e.account("g-alice", "pw-alice")
		bob := e.account("g-bob", "pw-bob")

		var g paGroup
		wantPA(t, "create group", e.pa(tok, "POST", "/groups", `{"name":"Team Blue","create_muc":true}`), 200, &g)
		if g.ID != "Team Blue" || g.Name != "Team Blue" || g.MUCJID == "" || len(g.Chats) != 1 {
			t.Fatalf("created group = %+v", g)
		}
		id := url.PathEscape(g.ID)
		wantPAError(t, "create twice", e.pa(tok, "POST", "/groups", `{"name":"Team Blue"}`), 409, "conflict")

		wantPA(t, "add alice", e.pa(tok, "PUT", "/groups/"+id+"/members/g-alice", ""), 204, nil)
		res := e.pa(tok, "PUT", "/groups/"+id+"/members/g-bob", "")
		sharedWorks := kind == xmppserver.Prosody
		if sharedWorks {
			wantPA(t, "add bob", res, 204, nil)
			roster := ownRoster(t, e.client(alice, "pw-alice"))
			if it, ok := roster[bob.String()]; !ok || it.Subscription != "both" {
				t.Errorf("bob is not alice's contact: %+v", roster)
			}
		} else {
			// ejabberd 23.01 cannot set rosters: the shared group refuses a
			// second member rather than half-apply it.
			wantPAError(t, "add bob on ejabberd 23.01", res, 501, "feature-not-implemented")
		}
		wantPAError(t, "add to a missing group", e.pa(tok, "PUT", "/groups/nope/members/g-alice", ""), 404, "item-not-found")
		wantPAError(t, "add a missing user", e.pa(tok, "PUT", "/groups/"+id+"/members/nobody-here", ""), 404, "item-not-found")

		var ug []string
		wantPA(t, "user groups", e.pa(tok, "GET", "/users/g-alice/groups", ""), 200, &ug)
		if !reflect.DeepEqual(ug, []string{"Team Blue"}) {
			t.Errorf("groups of alice = %v", ug)
		}

		// The Openfire dialect sees the same group and members.
		status, og := e.getGroup(fmtJSON, "Team Blue")
		if status != 200 || !og.Shared || !contains(og.Members, alice.String()) {
			t.Errorf("Openfire dialect sees %d %+v", status, og)
		}
		// The group's room has the members as members.
		room := strings.SplitN(g.MUCJID, "@", 2)
		r := e.getRoom(fmtJSON, room[0], "?expandGroups=true&servicename="+url.QueryEscape(room[1]))
		if !r.MembersOnly || !contains(r.Members, alice.String()) {
			t.Errorf("room %s: members-only %v, members %v, want alice", g.MUCJID, r.MembersOnly, r.Members)
		}

		wantPA(t, "rename display", e.pa(tok, "PUT", "/groups/"+id, `{"name":"The Blue Team"}`), 200, &g)
		if g.Name != "The Blue Team" || g.ID != "Team Blue" {
			t.Errorf("after rename: %+v", g)
		}
		var chat struct{ ID, JID string }
		wantPA(t, "second chat", e.pa(tok, "POST", "/groups/"+id+"/chats", `{"name":"blue-two"}`), 201, &chat)
		wantPA(t, "get group", e.pa(tok, "GET", "/groups/"+id, ""), 200, &g)
		if len(g.Chats) != 2 {
			t.Errorf("chats = %+v", g.Chats)
		}
		wantPA(t, "delete chat", e.pa(tok, "DELETE", "/groups/"+id+"/chats/blue-two", ""), 204, nil)
		wantPAError(t, "delete a chat not the group's", e.pa(tok, "DELETE", "/groups/"+id+"/chats/blue-two", ""), 404, "item-not-found")

		wantPA(t, "remove alice", e.pa(tok, "DELETE", "/groups/"+id+"/members/g-alice", ""), 204, nil)
		wantPA(t, "user groups after", e.pa(tok, "GET", "/users/g-alice/groups", ""), 200, &ug)
		if len(ug) != 0 {
			t.Errorf("alice still in %v", ug)
		}
		var all []paGroup
		wantPA(t, "list groups", e.pa(tok, "GET", "/groups", ""), 200, &all)
		if len(all) != 1 || all[0].ID != "Team Blue" {
			t.Errorf("groups = %+v", all)
		}
		wantPA(t, "delete group", e.pa(tok, "DELETE", "/groups/"+id, ""), 200, nil)
		wantPAError(t, "deleted group", e.pa(tok, "GET", "/groups/"+id, ""), 404, "item-not-found")
		if status, _ := e.getGroup(fmtJSON, "Team Blue"); status != 404 {
			t.Errorf("Openfire dialect still sees the group: %d", status)
		}
	})
}

// TestProsodyAuthAndBadInput shows the refusals of /admin_api: missing,
// wrong, revoked, expired and wrong-scope credentials, the Openfire secret,
// a token of another host, and bad bodies; nothing changes.
func TestProsodyAuthAndBadInput(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{Hosts: []string{"one.test", "two.test"}})
	e := attach(t, s)
	tok := e.token(ops.ScopeAdmin, "ops", "", 0)
	e.account("bi-user", "pw-bad-input")

	res := e.request("GET", paPrefix+"/users", nil, "")
	wantPAError(t, "no credentials", res, 401, "not-authorized")
	if got := res.Header.Get("WWW-Authenticate"); got != `Bearer realm="one.test/http_admin_api"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	wantPAError(t, "Openfire shared secret", e.request("GET", paPrefix+"/users", map[string]string{"Authorization": apiSecret}, ""), 401, "not-authorized")
	wantPAError(t, "unknown token", e.pa("not-a-token", "GET", "/users", ""), 401, "not-authorized")
	wantPAError(t, "chatwith token", e.pa(e.token(ops.ScopeChatwith, "api", "", 0), "GET", "/users", ""), 403, "forbidden")
	// And the other way round: an admin token on the Openfire dialect.
	if r := e.request("GET", ofPrefix+"/users", map[string]string{"Authorization": "Bearer " + tok}, ""); r.Status != 401 {
		t.Errorf("admin token on the Openfire dialect: %d", r.Status)
	}

	short := e.token(ops.ScopeAdmin, "short", "", time.Millisecond)
	time.Sleep(5 * time.Millisecond) // the expiry itself is what is tested
	wantPAError(t, "expired token", e.pa(short, "GET", "/users", ""), 401, "not-authorized")

	revoked := e.token(ops.ScopeAdmin, "gone", "", 0)
	ts, _ := e.D.Ops.Tokens(context.Background(), ops.ServiceAdmin("test"))
	for _, tk := range ts {
		if tk.Name == "gone" {
			if err := e.D.Ops.RevokeToken(context.Background(), ops.ServiceAdmin("test"), tk.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	wantPAError(t, "revoked token", e.pa(revoked, "GET", "/users", ""), 401, "not-authorized")

	// A token of two.test acts on two.test only.
	two := e.token(ops.ScopeAdmin, "two", "two.test", 0)
	wantPAError(t, "other host's user", e.pa(two, "GET", "/users/bi-user@one.test", ""), 403, "forbidden")
	wantPAError(t, "other host's user delete", e.pa(two, "DELETE", "/users/bi-user@one.test", ""), 403, "forbidden")
	var list []paUser
	wantPA(t, "list on two.test", e.pa(two, "GET", "/users", ""), 200, &list)
	if len(list) != 0 {
		t.Errorf("a two.test token lists %+v", list)
	}
	wantPAError(t, "other host's invite", e.pa(two, "POST", "/invites/reset", `{"username":"bi-user@one.test"}`), 403, "forbidden")
	// Groups are their host's: the same name on each host, neither seen
	// from the other.
	var g paGroup
	wantPA(t, "group on two.test", e.pa(two, "POST", "/groups", `{"name":"Same"}`), 200, &g)
	var groupsOfOne []paGroup
	wantPA(t, "groups of one.test", e.pa(tok, "GET", "/groups", ""), 200, &groupsOfOne)
	if len(groupsOfOne) != 0 {
		t.Errorf("one.test sees two.test's group: %+v", groupsOfOne)
	}
	wantPA(t, "group on one.test", e.pa(tok, "POST", "/groups", `{"name":"Same"}`), 200, &g)
	wantPA(t, "delete two.test's group", e.pa(two, "DELETE", "/groups/Same", ""), 200, nil)
	wantPA(t, "one.test's group stays", e.pa(tok, "GET", "/groups/Same", ""), 200, &g)
	wantPA(t, "delete one.test's group", e.pa(tok, "DELETE", "/groups/Same", ""), 200, nil)

	// Using a token is recorded.
	ts, _ = e.D.Ops.Tokens(context.Background(), ops.ServiceAdmin("test"))
	for _, tk := range ts {
		if tk.Name == "two" && tk.LastUsed.IsZero() {
			t.Errorf("token two was used but shows no last use")
		}
	}

	for _, c := range []struct {
		what, method, path, ct, body, cond string
		status                             int
	}{
		{"non-JSON content type", "PATCH", "/users/bi-user", "text/plain", `{"display_name":"x"}`, "bad-request", 400},
		{"malformed JSON", "PATCH", "/users/bi-user", "application/json", `{"display_name":`, "bad-request", 400},
		{"wrong type", "PATCH", "/users/bi-user", "application/json", `{"enabled":"maybe"}`, "bad-request", 400},
		{"invalid UTF-8", "PATCH", "/users/bi-user", "application/json", "{\"display_name\":\"\xff\"}", "bad-request", 400},
		{"no body", "PATCH", "/users/bi-user", "application/json", ``, "bad-request", 400},
		{"control character in the name, with a lockout", "PATCH", "/users/bi-user", "application/json", `{"enabled":false,"display_name":"a\u0007b"}`, "bad-request", 400},
		{"invalid username", "GET", "/users/" + url.PathEscape("a b\u0000"), "", ``, "bad-request", 400},
		{"host not administered", "GET", "/users/x@elsewhere.test", "", ``, "bad-request", 400},
		{"negative ttl", "POST", "/invites/account", "application/json", `{"ttl":-5}`, "bad-request", 400},
		{"absurd ttl", "POST", "/invites/account", "application/json", `{"ttl":1e300}`, "bad-request", 400},
		{"ttl not a number", "POST", "/invites/account", "application/json", `{"ttl":"soon"}`, "bad-request", 400},
		{"reset without username", "POST", "/invites/reset", "application/json", `{}`, "bad-request", 400},
		{"reset on a host not administered", "POST", "/invites/reset", "application/json", `{"username":"x@elsewhere.test"}`, "bad-request", 400},
		{"reset of a missing user", "POST", "/invites/reset", "application/json", `{"username":"nobody-here"}`, "item-not-found", 404},
		{"invite to a missing group", "POST", "/invites/account", "application/json", `{"groups":["no-such-group"]}`, "item-not-found", 404},
		{"group without a name", "POST", "/groups", "application/json", `{"create_muc":true}`, "bad-request", 400},
		{"group name with a control character", "POST", "/groups", "application/json", `{"name":"a\u0001b"}`, "bad-request", 400},
		{"announcement without body", "POST", "/server/announcement", "application/json", `{"recipients":"online"}`, "bad-request", 400},
		{"announcement to nobody known", "POST", "/server/announcement", "application/json", `{"body":"hi","recipients":"everyone"}`, "bad-request", 400},
		{"unknown endpoint", "GET", "/nothing-here", "", ``, "item-not-found", 404},
	} {
		h := map[string]string{"Authorization": "Bearer " + tok}
		if c.ct != "" {
			h["Content-Type"] = c.ct
		}
		wantPAError(t, c.what, e.request(c.method, paPrefix+c.path, h, c.body), c.status, c.cond)
	}
	var u paUser
	wantPA(t, "user unchanged", e.pa(tok, "GET", "/users/bi-user", ""), 200, &u)
	if u.DisplayName != "" || !u.Enabled {
		t.Errorf("refused requests changed the user: %+v", u)
	}
	if err := e.canLogIn(e.user("bi-user"), "pw-bad-input"); err != nil {
		t.Errorf("refused requests locked the user out: %v", err)
	}
	var invites []map[string]any
	wantPA(t, "no invites made", e.pa(tok, "GET", "/invites", ""), 200, &invites)
	if len(invites) != 0 {
		t.Errorf("refused requests made invites: %v", invites)
	}
	var groups []paGroup
	wantPA(t, "no groups made", e.pa(tok, "GET", "/groups", ""), 200, &groups)
	if len(groups) != 0 {
		t.Errorf("refused requests made groups: %+v", groups)
	}
}

// TestProsodyServer reads the server info and metrics and sends
// announcements that arrive.
func TestProsodyServer(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		tok := e.token(ops.ScopeAdmin, "ops", "", 0)
		alice := e.account("an-alice", "pw-alice")
		e.account("an-bob", "pw-bob")
		c := e.client(alice, "pw-alice")
		if err := c.SendPresence(context.Background()); err != nil {
			t.Fatal(err)
		}

		res := e.pa(tok, "GET", "/server/info", "")
		wantPA(t, "info", res, 200, nil)
		if !strings.Contains(res.Body, `"site_name":"`+e.Server.Hosts[0]+`"`) {
			t.Errorf("info = %s", res.Body)
		}
		var m struct {
			UsersOnline int  `json:"users_online"`
			Accounts    *int `json:"accounts"`
			Uptime      int64
		}
		eventually(t, 5*time.Second, "alice online in metrics", func() bool {
			wantPA(t, "metrics", e.pa(tok, "GET", "/server/metrics", ""), 200, &m)
			return m.UsersOnline == 1
		})
		if m.Accounts == nil || *m.Accounts < 2 {
			t.Errorf("accounts = %v", m.Accounts)
		}

		wantPA(t, "announce online", e.pa(tok, "POST", "/server/announcement", `{"body":"maintenance at noon","recipients":"online"}`), 201, nil)
		waitMessage(t, c, "online announcement", func(msg c2stest.Message) bool { return strings.Contains(msg.Body, "maintenance at noon") })
		wantPA(t, "announce to JIDs", e.pa(tok, "POST", "/server/announcement", `{"body":"just for you","recipients":["an-alice"]}`), 201, nil)
		waitMessage(t, c, "direct announcement", func(msg c2stest.Message) bool { return msg.Body == "just for you" })
		var sent struct{ Sent int }
		wantPA(t, "announce to all", e.pa(tok, "POST", "/server/announcement", `{"body":"to everyone","recipients":"all"}`), 201, &sent)
		if sent.Sent < 2 {
			t.Errorf("announcement to all sent %d messages, want one per account", sent.Sent)
		}
		if kind == xmppserver.Ejabberd {
			// With assume_mam_usage the message waits in bob's archive,
			// not in offline storage replayed at login.
			return
		}
		// bob was offline: the message waits for him.
		bob := e.client(e.user("an-bob"), "pw-bob")
		if err := bob.SendPresence(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitMessage(t, bob, "offline announcement", func(msg c2stest.Message) bool { return msg.Body == "to everyone" })
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
