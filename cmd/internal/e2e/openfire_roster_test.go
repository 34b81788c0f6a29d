package e2e

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/component/xmppserver"
)

// TestPrivilegedRoster sets a roster item through XEP-0356 and checks it in
// the user's own roster fetched over c2s.
func TestPrivilegedRoster(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		e.awaitPrivileges()
		alice := e.account("alice", "pw-alice")
		bob := e.account("bob", "pw-bob")
		link := e.D.Link
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		c := e.client(alice, "pw-alice")
		if err := c.SetRosterItem(ctx, c2sItem(e.user("carol").String(), "Carol", "Friends")); err != nil {
			t.Fatal(err)
		}
		items, err := link.RosterGet(ctx, alice)
		if err != nil {
			t.Fatalf("privileged roster get: %v", err)
		}
		if len(items) != 1 || items[0].JID != e.user("carol").String() || items[0].Name != "Carol" || len(items[0].Groups) != 1 || items[0].Groups[0] != "Friends" {
			t.Fatalf("privileged roster get = %+v", items)
		}

		err = link.RosterSet(ctx, alice, component.RosterItem{JID: bob.String(), Name: "Bob", Subscription: "both", Groups: []string{"Team"}})
		if kind == xmppserver.Ejabberd {
			if !fault.Is(err, fault.NotSupported) {
				t.Fatalf("ejabberd 23.01 roster set: want NotSupported, got %v", err)
			}
			if cond := component.StanzaCondition(err); cond != "internal-server-error" {
				t.Errorf("condition = %q", cond)
			}
			found := false
			for _, l := range link.Snapshot().Limitations {
				found = found || l.Feature == "roster-set"
			}
			if !found {
				t.Errorf("/capabilities does not report the roster set limitation: %+v", link.Snapshot().Limitations)
			}
			return
		}
		if err != nil {
			t.Fatalf("privileged roster set: %v", err)
		}
		got := ownRoster(t, c)[bob.String()]
		if got.Name != "Bob" || got.Subscription != "both" || len(got.Groups) != 1 || got.Groups[0] != "Team" {
			t.Fatalf("item in alice's own roster = %+v", got)
		}
		if err := link.RosterSet(ctx, alice, component.RosterItem{JID: bob.String(), Subscription: "remove"}); err != nil {
			t.Fatalf("privileged roster remove: %v", err)
		}
		if _, ok := ownRoster(t, c)[bob.String()]; ok {
			t.Fatal("removed item still in alice's own roster")
		}
		err = link.RosterSet(ctx, alice, component.RosterItem{JID: bob.String(), Subscription: "remove"})
		if !fault.Is(err, fault.NotFound) {
			t.Fatalf("removing a missing item: want NotFound, got %v", err)
		}
	})
}

// ofRosterItem is a roster item as the Openfire API answers it.
type ofRosterItem struct {
	JID              string   `xml:"jid" json:"jid"`
	Nickname         string   `xml:"nickname" json:"nickname"`
	SubscriptionType int      `xml:"subscriptionType" json:"subscriptionType"`
	Groups           []string `xml:"groups>group" json:"groups"`
}

type ofRoster struct {
	Items []ofRosterItem `xml:"rosterItem" json:"rosterItem"`
}

func rosterItemBody(f wireFormat, j, nickname string, sub int, groups ...string) string {
	if f == fmtJSON {
		return jsonOf(map[string]any{"jid": j, "nickname": nickname, "subscriptionType": sub, "groups": groups})
	}
	x := "<rosterItem><jid>" + xmlEsc(j) + "</jid><nickname>" + xmlEsc(nickname) + "</nickname><subscriptionType>" +
		strconv.Itoa(sub) + "</subscriptionType><groups>"
	for _, g := range groups {
		x += "<group>" + xmlEsc(g) + "</group>"
	}
	return x + "</groups></rosterItem>"
}

func (e *env) apiRoster(f wireFormat, username string) map[string]ofRosterItem {
	e.t.Helper()
	status, body := e.of("GET", "/users/"+username+"/roster", f, "")
	wantStatus(e.t, "GET roster of "+username, status, body, 200)
	var r ofRoster
	decodeAs(e.t, f, body, &r)
	m := map[string]ofRosterItem{}
	for _, it := range r.Items {
		m[it.JID] = it
	}
	return m
}

// TestOpenfireRoster manages a roster through the API and checks it in the
// user's own roster over c2s. ejabberd 23.01 reads rosters but cannot change
// them (its XEP-0356 roster set fails): 501 naming the reason.
func TestOpenfireRoster(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		e.awaitPrivileges()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for _, f := range wireFormats {
			alice := e.account("alice_"+f.name(), "pw")
			bob := e.user("bob_" + f.name())
			c := e.client(alice, "pw")
			path := "/users/" + alice.Localpart() + "/roster"

			if kind == xmppserver.Ejabberd {
				if err := c.SetRosterItem(ctx, c2sItem(bob.String(), "Bob", "Friends")); err != nil {
					t.Fatal(err)
				}
				got := e.apiRoster(f, alice.Localpart())[bob.String()]
				if got.Nickname != "Bob" || got.SubscriptionType != 0 || !reflect.DeepEqual(got.Groups, []string{"Friends"}) {
					t.Fatalf("roster read on ejabberd = %+v", got)
				}
				status, body := e.of("POST", path, f, rosterItemBody(f, e.user("carol").String(), "Carol", 3))
				er := wantError(t, f, "roster add on ejabberd 23.01", status, body, 501, "")
				if !strings.Contains(er.Message, "23.10") {
					t.Errorf("501 does not name the reason: %+v", er)
				}
				status, body = e.of("PUT", path+"/"+bob.String(), f, rosterItemBody(f, bob.String(), "Robert", 3))
				wantError(t, f, "roster update on ejabberd 23.01", status, body, 501, "")
				status, body = e.of("DELETE", path+"/"+bob.String(), f, "")
				wantError(t, f, "roster delete on ejabberd 23.01", status, body, 501, "")
				if got := ownRoster(t, c); len(got) != 1 || got[bob.String()].Name != "Bob" {
					t.Fatalf("roster changed on ejabberd: %+v", got)
				}
				continue
			}

			status, body := e.of("POST", path, f, rosterItemBody(f, bob.String(), "Bob", 3, "Friends", "Work"))
			wantStatus(t, "add roster item", status, body, 201)
			got := ownRoster(t, c)[bob.String()]
			if got.Name != "Bob" || got.Subscription != "both" || !reflect.DeepEqual(sortedStrings(got.Groups...), []string{"Friends", "Work"}) {
				t.Fatalf("item in alice's own roster = %+v", got)
			}
			api := e.apiRoster(f, alice.Localpart())[bob.String()]
			if api.Nickname != "Bob" || api.SubscriptionType != 3 || !reflect.DeepEqual(sortedStrings(api.Groups...), []string{"Friends", "Work"}) {
				t.Fatalf("item in the API's roster = %+v", api)
			}
			status, body = e.of("POST", path, f, rosterItemBody(f, bob.String(), "Again", 0))
			wantError(t, f, "add existing item", status, body, 409, "UserAlreadyExistsException")

			status, body = e.of("PUT", path+"/"+bob.String(), f, rosterItemBody(f, bob.String(), "Robert", 1, "Work"))
			wantStatus(t, "update roster item", status, body, 200)
			got = ownRoster(t, c)[bob.String()]
			if got.Name != "Robert" || got.Subscription != "to" || !reflect.DeepEqual(got.Groups, []string{"Work"}) {
				t.Fatalf("updated item in alice's own roster = %+v", got)
			}

			status, body = e.of("DELETE", path+"/"+bob.String(), f, "")
			wantStatus(t, "delete roster item", status, body, 200)
			if _, ok := ownRoster(t, c)[bob.String()]; ok {
				t.Fatal("deleted item still in alice's own roster")
			}
			status, body = e.of("DELETE", path+"/"+bob.String(), f, "")
			wantError(t, f, "delete missing item", status, body, 404, "RosterItemNotFound")
			status, body = e.of("PUT", path+"/"+bob.String(), f, rosterItemBody(f, bob.String(), "X", 0))
			wantError(t, f, "update missing item", status, body, 404, "RosterItemNotFound")

			// Bad input changes nothing.
			for _, bad := range []struct{ what, body string }{
				{"invalid jid", rosterItemBody(f, "a@b@c", "X", 0)},
				{"subscriptionType out of range", rosterItemBody(f, bob.String(), "X", 7)},
				{"own jid", rosterItemBody(f, alice.String(), "Me", 0)},
				{"full jid", rosterItemBody(f, bob.String()+"/phone", "X", 0)},
				{"broken body", map[wireFormat]string{fmtXML: "<rosterItem><jid>", fmtJSON: `{"jid":`}[f]},
			} {
				status, body = e.of("POST", path, f, bad.body)
				wantError(t, f, bad.what, status, body, 400, "")
			}
			if got := ownRoster(t, c); len(got) != 0 {
				t.Fatalf("bad input changed the roster: %+v", got)
			}
			status, body = e.of("GET", "/users/nobody/roster", f, "")
			wantError(t, f, "roster of a missing user", status, body, 404, "UserNotFoundException")
			status, body = e.of("POST", "/users/nobody/roster", f, rosterItemBody(f, bob.String(), "X", 0))
			wantError(t, f, "add to a missing user's roster", status, body, 404, "UserNotFoundException")
		}
		if kind == xmppserver.Prosody {
			// Old JSON: "name" for "nickname", wrapped groups.
			alice := e.user("alice_json")
			status, body := e.of("POST", "/users/"+alice.Localpart()+"/roster", fmtJSON,
				`{"jid":"dave@`+alice.Domainpart()+`","name":"Dave","subscriptionType":"2","groups":{"group":["G1","G2"]}}`)
			wantStatus(t, "old JSON roster item", status, body, 201)
			got := e.apiRoster(fmtXML, alice.Localpart())["dave@"+alice.Domainpart()]
			if got.Nickname != "Dave" || got.SubscriptionType != 2 || !reflect.DeepEqual(sortedStrings(got.Groups...), []string{"G1", "G2"}) {
				t.Fatalf("old JSON item = %+v", got)
			}
		} else {
			wantLimitation(t, e, "roster-set")
		}
	})
}
