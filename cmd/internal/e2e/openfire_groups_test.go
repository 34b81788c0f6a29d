package e2e

import (
	"context"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// ofGroup is a group as the Openfire API answers it.
type ofGroup struct {
	Name        string   `xml:"name" json:"name"`
	Description string   `xml:"description" json:"description"`
	Admins      []string `xml:"admins>admin" json:"admins"`
	Members     []string `xml:"members>member" json:"members"`
	Shared      bool     `xml:"shared" json:"shared"`
}

type ofGroups struct {
	Groups []ofGroup `xml:"group" json:"groups"`
}

type ofUserGroups struct {
	Names []string `xml:"groupname" json:"groupnames"`
}

// groupBody writes a group in format f.
func groupBody(f wireFormat, name, description string, shared bool, admins, members []string) string {
	if f == fmtJSON {
		return jsonOf(map[string]any{"name": name, "description": description, "shared": shared, "admins": admins, "members": members})
	}
	x := "<group><name>" + xmlEsc(name) + "</name><description>" + xmlEsc(description) + "</description>"
	if admins != nil {
		x += "<admins>"
		for _, a := range admins {
			x += "<admin>" + xmlEsc(a) + "</admin>"
		}
		x += "</admins>"
	}
	if members != nil {
		x += "<members>"
		for _, m := range members {
			x += "<member>" + xmlEsc(m) + "</member>"
		}
		x += "</members>"
	}
	return x + "<shared>" + strconv.FormatBool(shared) + "</shared></group>"
}

func userGroupsBody(f wireFormat, names ...string) string {
	if f == fmtJSON {
		return jsonOf(map[string]any{"groupnames": names})
	}
	x := "<groups>"
	for _, n := range names {
		x += "<groupname>" + xmlEsc(n) + "</groupname>"
	}
	return x + "</groups>"
}

func (e *env) getGroup(f wireFormat, name string) (int, ofGroup) {
	e.t.Helper()
	status, body := e.of("GET", "/groups/"+url.PathEscape(name), f, "")
	var g ofGroup
	if status == 200 {
		decodeAs(e.t, f, body, &g)
	}
	return status, g
}

func (e *env) userGroups(f wireFormat, username string) []string {
	e.t.Helper()
	status, body := e.of("GET", "/users/"+url.PathEscape(username)+"/groups", f, "")
	wantStatus(e.t, "GET user groups of "+username, status, body, 200)
	var g ofUserGroups
	decodeAs(e.t, f, body, &g)
	sort.Strings(g.Names)
	return g.Names
}

func TestOpenfireGroups(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		for _, f := range wireFormats {
			sfx := "_" + f.name()
			alice := e.account("alice"+sfx, "pw")
			bob := e.account("bob"+sfx, "pw")
			carol := e.account("carol"+sfx, "pw")
			team, extra := "Team "+f.name(), "Extra/"+f.name()

			status, body := e.of("POST", "/groups", f, groupBody(f, team, "the team", false,
				[]string{carol.Localpart()}, []string{alice.String(), bob.Localpart(), carol.String()}))
			wantStatus(t, "create group", status, body, 201)
			if body != "" {
				t.Errorf("create group: body %q, want empty", body)
			}
			status, g := e.getGroup(f, team)
			wantStatus(t, "get group", status, "", 200)
			want := ofGroup{Name: team, Description: "the team", Admins: []string{carol.String()},
				Members: []string{alice.String(), bob.String()}}
			if !reflect.DeepEqual(g, want) {
				t.Fatalf("group (%s) = %+v, want %+v", f.name(), g, want)
			}
			status, body = e.of("GET", "/groups/", f, "")
			wantStatus(t, "list groups", status, body, 200)
			var all ofGroups
			decodeAs(t, f, body, &all)
			found := false
			for _, g := range all.Groups {
				found = found || g.Name == team
			}
			if !found {
				t.Fatalf("list (%s) lacks %q: %s", f.name(), team, body)
			}

			status, body = e.of("POST", "/groups", f, groupBody(f, team, "again", false, nil, nil))
			wantError(t, f, "create existing group", status, body, 409, "GroupAlreadyExistsException")

			// Path and body names differ: 400, nothing changed.
			status, body = e.of("PUT", "/groups/"+url.PathEscape(team), f, groupBody(f, "Other", "changed", false, nil, nil))
			wantError(t, f, "update with another name", status, body, 400, "IllegalArgumentException")
			if _, g := e.getGroup(f, team); g.Description != "the team" {
				t.Fatalf("refused update changed the group: %+v", g)
			}

			status, body = e.of("PUT", "/groups/"+url.PathEscape(team), f, groupBody(f, team, "new description", false, nil, []string{alice.Localpart()}))
			wantStatus(t, "update group", status, body, 200)
			_, g = e.getGroup(f, team)
			if g.Description != "new description" || !reflect.DeepEqual(g.Members, []string{alice.String()}) || !reflect.DeepEqual(g.Admins, []string{carol.String()}) {
				t.Fatalf("updated group = %+v", g)
			}

			// A user's groups.
			if got := e.userGroups(f, bob.Localpart()); len(got) != 0 {
				t.Fatalf("bob's groups after leaving = %v", got)
			}
			status, body = e.of("POST", "/users/"+bob.Localpart()+"/groups", f, userGroupsBody(f, team, extra))
			wantStatus(t, "add user to groups", status, body, 201)
			if got := e.userGroups(f, bob.Localpart()); !reflect.DeepEqual(got, sortedStrings(team, extra)) {
				t.Fatalf("bob's groups = %v", got)
			}
			if status, g := e.getGroup(f, extra); status != 200 || !reflect.DeepEqual(g.Members, []string{bob.String()}) {
				t.Fatalf("group created by membership: %d %+v", status, g)
			}
			status, body = e.of("DELETE", "/users/"+bob.Localpart()+"/groups/"+url.PathEscape(extra), f, "")
			wantStatus(t, "remove user from group", status, body, 200)
			status, body = e.of("POST", "/users/"+alice.Localpart()+"/groups/"+url.PathEscape(extra), f, "")
			wantStatus(t, "add user to group", status, body, 201)
			if got := e.userGroups(f, alice.String()); !reflect.DeepEqual(got, sortedStrings(team, extra)) {
				t.Fatalf("alice's groups = %v", got)
			}
			status, body = e.of("DELETE", "/users/"+alice.Localpart()+"/groups", f, userGroupsBody(f, team, extra))
			wantStatus(t, "remove user from groups", status, body, 200)
			if got := e.userGroups(f, alice.Localpart()); len(got) != 0 {
				t.Fatalf("alice's groups after removal = %v", got)
			}

			status, body = e.of("DELETE", "/groups/"+url.PathEscape(team), f, "")
			wantStatus(t, "delete group", status, body, 200)
			status, body = e.of("GET", "/groups/"+url.PathEscape(team), f, "")
			e404 := wantError(t, f, "get deleted group", status, body, 404, "GroupNotFoundException")
			if e404.Resource != team {
				t.Errorf("404 resource = %q, want %q", e404.Resource, team)
			}
			if got := e.userGroups(f, carol.Localpart()); len(got) != 0 {
				t.Fatalf("carol still in a deleted group: %v", got)
			}
		}

		// Every change is in the security audit log.
		status, body := e.of("GET", "/logs/security", fmtJSON, "")
		wantStatus(t, "security log", status, body, 200)
		for _, want := range []string{"created group Team xml", "updated group Team json", "added bob_xml@", "removed alice_json@", "deleted group Team json"} {
			if !strings.Contains(body, want) {
				t.Errorf("security log lacks %q: %s", want, body)
			}
		}

		// Deleting an account takes it out of its groups.
		dave := e.account("dave", "pw")
		status, body = e.of("POST", "/users/"+dave.Localpart()+"/groups/Leavers", fmtXML, "")
		wantStatus(t, "dave joins", status, body, 201)
		status, body = e.of("DELETE", "/users/"+dave.Localpart(), fmtXML, "")
		wantStatus(t, "delete dave", status, body, 200)
		if _, g := e.getGroup(fmtXML, "Leavers"); len(g.Members) != 0 {
			t.Fatalf("deleted user still a member: %+v", g)
		}
	})
}

func TestOpenfireGroupsBadInput(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice := e.account("alice", "pw")
		for _, f := range wireFormats {
			broken := map[wireFormat]string{fmtXML: "<group><name>x</name>", fmtJSON: `{"name":`}[f]
			status, body := e.of("POST", "/groups", f, broken)
			wantError(t, f, "broken body", status, body, 400, "")
			status, body = e.of("POST", "/groups", f, groupBody(f, "", "no name", false, nil, nil))
			wantError(t, f, "group without a name", status, body, 400, "IllegalArgumentException")
			status, body = e.of("POST", "/groups", f, groupBody(f, "bad "+f.name(), "", false, nil, []string{"a@b@c"}))
			wantError(t, f, "invalid member", status, body, 400, "IllegalArgumentException")
			status, body = e.of("POST", "/groups", f, groupBody(f, "ghost "+f.name(), "", false, nil, []string{"nobody"}))
			wantError(t, f, "missing member", status, body, 404, "UserNotFoundException")
			if f == fmtJSON { // XML cannot carry a control character at all
				status, body = e.of("POST", "/groups", f, groupBody(f, "ctl\x01", "", false, nil, nil))
				wantError(t, f, "control character in a name", status, body, 400, "IllegalArgumentException")
			}
			for _, name := range []string{"bad " + f.name(), "ghost " + f.name()} {
				if status, _ := e.getGroup(f, name); status != 404 {
					t.Fatalf("refused group %q exists (status %d)", name, status)
				}
			}
			status, body = e.of("GET", "/users/nobody/groups", f, "")
			wantError(t, f, "groups of a missing user", status, body, 404, "UserNotFoundException")
			status, body = e.of("DELETE", "/users/"+alice.Localpart()+"/groups/nosuch", f, "")
			wantError(t, f, "leave a missing group", status, body, 404, "GroupNotFoundException")
			status, body = e.of("PUT", "/groups/nosuch", f, groupBody(f, "nosuch", "", false, nil, nil))
			wantError(t, f, "update a missing group", status, body, 404, "GroupNotFoundException")
			status, body = e.of("DELETE", "/groups/nosuch", f, "")
			wantError(t, f, "delete a missing group", status, body, 404, "GroupNotFoundException")
		}
		// Old JSON shapes: {"groupname":[...]} and a single name; shared
		// given as a string; members wrapped as {"member":[...]}.
		status, body := e.of("POST", "/users/"+alice.Localpart()+"/groups", fmtJSON, `{"groupname":["Old1"]}`)
		wantStatus(t, "old groupname list", status, body, 201)
		status, body = e.of("POST", "/users/"+alice.Localpart()+"/groups", fmtJSON, `{"groupname":"Old2"}`)
		wantStatus(t, "old single groupname", status, body, 201)
		if got := e.userGroups(fmtJSON, alice.Localpart()); !reflect.DeepEqual(got, []string{"Old1", "Old2"}) {
			t.Fatalf("groups from old shapes = %v", got)
		}
		status, body = e.of("POST", "/groups", fmtJSON, `{"name":"Wrapped","description":null,"shared":"false","members":{"member":["`+alice.Localpart()+`"]}}`)
		wantStatus(t, "wrapped members", status, body, 201)
		if _, g := e.getGroup(fmtXML, "Wrapped"); !reflect.DeepEqual(g.Members, []string{alice.String()}) {
			t.Fatalf("wrapped members = %+v", g)
		}
		status, body = e.of("POST", "/groups", fmtXML, `<group><name>Legacy</name><isshared>false</isshared></group>`)
		wantStatus(t, "isshared element", status, body, 201)
	})
}

// TestOpenfireSharedGroup checks that a shared group appears in its
// members' own rosters (fetched over c2s) and goes away with them; on
// ejabberd 23.01, whose privileged roster set fails, it is refused with 501
// and nothing is made.
func TestOpenfireSharedGroup(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		e.awaitPrivileges()
		alice := e.account("alice", "pw")
		bob := e.account("bob", "pw")
		carol := e.account("carol", "pw")
		ca := e.client(alice, "pw")
		cb := e.client(bob, "pw")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// alice already has bob as a contact of her own.
		if err := ca.SetRosterItem(ctx, c2sItem(bob.String(), "Bobby", "Friends")); err != nil {
			t.Fatal(err)
		}

		for _, f := range wireFormats {
			group := "Shared " + f.name()
			status, body := e.of("POST", "/groups", f, groupBody(f, group, "", true, nil, []string{alice.Localpart(), bob.Localpart()}))
			if kind == xmppserver.Ejabberd {
				wantError(t, f, "shared group on ejabberd 23.01", status, body, 501, "")
				if status, _ := e.getGroup(f, group); status != 404 {
					t.Fatalf("refused shared group exists (status %d)", status)
				}
				if got := ownRoster(t, ca)[bob.String()]; got.Name != "Bobby" || !reflect.DeepEqual(got.Groups, []string{"Friends"}) {
					t.Fatalf("alice's roster changed by a refused group: %+v", got)
				}
				continue
			}
			wantStatus(t, "create shared group", status, body, 201)
			rb := ownRoster(t, cb)[alice.String()]
			if rb.Subscription != "both" || !reflect.DeepEqual(rb.Groups, []string{group}) {
				t.Fatalf("bob's roster item for alice = %+v", rb)
			}
			ra := ownRoster(t, ca)[bob.String()]
			if ra.Name != "Bobby" || ra.Subscription != "both" || !reflect.DeepEqual(sortedStrings(ra.Groups...), sortedStrings("Friends", group)) {
				t.Fatalf("alice's roster item for bob = %+v", ra)
			}

			status, body = e.of("POST", "/users/"+carol.Localpart()+"/groups/"+url.PathEscape(group), f, "")
			wantStatus(t, "carol joins", status, body, 201)
			if got := ownRoster(t, ca)[carol.String()]; !reflect.DeepEqual(got.Groups, []string{group}) {
				t.Fatalf("alice's roster item for carol = %+v", got)
			}
			cc := e.client(carol, "pw")
			rc := ownRoster(t, cc)
			if !reflect.DeepEqual(rc[alice.String()].Groups, []string{group}) || !reflect.DeepEqual(rc[bob.String()].Groups, []string{group}) {
				t.Fatalf("carol's roster = %+v", rc)
			}

			status, body = e.of("DELETE", "/users/"+bob.Localpart()+"/groups/"+url.PathEscape(group), f, "")
			wantStatus(t, "bob leaves", status, body, 200)
			if rb := ownRoster(t, cb); len(rb) != 0 {
				t.Fatalf("bob's roster after leaving = %+v", rb)
			}
			ra = ownRoster(t, ca)[bob.String()]
			if ra.Name != "Bobby" || !reflect.DeepEqual(ra.Groups, []string{"Friends"}) {
				t.Fatalf("alice's own contact bob after bob left = %+v", ra)
			}
			if _, ok := ownRoster(t, cc)[bob.String()]; ok {
				t.Fatal("carol still has bob after bob left")
			}

			// Unsharing takes the group out of the rosters; sharing puts it
			// back; deleting takes it out again.
			status, body = e.of("PUT", "/groups/"+url.PathEscape(group), f, groupBody(f, group, "", false, nil, nil))
			wantStatus(t, "unshare", status, body, 200)
			if got := ownRoster(t, cc); len(got) != 0 {
				t.Fatalf("carol's roster after unsharing = %+v", got)
			}
			status, body = e.of("PUT", "/groups/"+url.PathEscape(group), f, groupBody(f, group, "", true, nil, nil))
			wantStatus(t, "share again", status, body, 200)
			if got := ownRoster(t, cc)[alice.String()]; !reflect.DeepEqual(got.Groups, []string{group}) {
				t.Fatalf("carol's roster after sharing again = %+v", got)
			}
			status, body = e.of("DELETE", "/groups/"+url.PathEscape(group), f, "")
			wantStatus(t, "delete shared group", status, body, 200)
			if got := ownRoster(t, cc); len(got) != 0 {
				t.Fatalf("carol's roster after deleting the group = %+v", got)
			}
			if got := ownRoster(t, ca); len(got) != 1 || got[bob.String()].Name != "Bobby" {
				t.Fatalf("alice's roster after deleting the group = %+v", got)
			}
			cc.Close()
		}
		if kind == xmppserver.Ejabberd {
			wantLimitation(t, e, "roster-set")
		}
	})
}

// wantLimitation checks that /capabilities reports feature as limited.
func wantLimitation(t *testing.T, e *env, feature string) {
	t.Helper()
	status, body := e.do("GET", "/capabilities", "", "application/json", "")
	wantStatus(t, "capabilities", status, body, 200)
	var caps struct {
		Limitations []struct{ Feature, Host, Reason string } `json:"limitations"`
	}
	decodeAs(t, fmtJSON, body, &caps)
	for _, l := range caps.Limitations {
		if l.Feature == feature && l.Reason != "" {
			return
		}
	}
	t.Errorf("/capabilities does not report %s: %s", feature, body)
}

func sortedStrings(s ...string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
