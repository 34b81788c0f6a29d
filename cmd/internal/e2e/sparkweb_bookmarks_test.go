package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

// bookmarkItems returns the user's XEP-0402 bookmarks as the server keeps
// them (an items query from another of the user's clients).
func bookmarkItems(ctx context.Context, t *testing.T, c *c2stest.Client) string {
	t.Helper()
	reply, err := c.IQ(ctx, "<iq type='get'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>")
	if err != nil {
		t.Fatal(err)
	}
	return reply
}

// TestSparkWebBookmarks: bookmarks kept by the component, shared by a
// bookmark administrator or kept for oneself, seen by the users they apply
// to, and group-chat bookmarks published into the users' XEP-0402
// bookmarks (private, persistent PEP items) as they change and at sign-in.
func TestSparkWebBookmarks(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		var e *env
		e = startSparkWeb(t, kind, func(c *config.Config) {
			c.SparkWeb.BookmarkAdmins = []string{"alice@" + c.XMPP.Hosts[0]}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		alice := e.account("alice", "alice-pw")
		e.account("bob", "bob-pw")
		carol := e.account("carol", "carol-pw")
		room := "lounge@" + e.Server.MUCService
		tokA := e.signIn("alice", "alice-pw")
		tokB := e.signIn("bob", "bob-pw")

		type bookmark struct {
			BookmarkID     int64
			Type, Name     string
			Value          string
			GlobalBookmark bool
			Users, Groups  []string
			Properties     []struct{ Key, Value string }
		}
		var global bookmark
		e.swJSON("POST", "/bookmark", tokA, fmt.Sprintf(`{"type": "group_chat", "name": "Lounge", "value": %q, "globalBookmark": true,
			"properties": [{"key": "autojoin", "value": "true"}, {"key": "nick_name", "value": "Al"}]}`, room), &global)
		if global.BookmarkID == 0 || !global.GlobalBookmark || len(global.Properties) != 2 {
			t.Fatalf("created %+v", global)
		}

		// Published into the administrator's own XEP-0402 bookmarks: a
		// private, persistent item named by the room.
		a2, err := c2stest.Login(ctx, e.c2sOpts(), alice, "alice-pw", "desk")
		if err != nil {
			t.Fatal(err)
		}
		defer a2.Close()
		items := bookmarkItems(ctx, t, a2)
		if !strings.Contains(items, "id='"+room+"'") && !strings.Contains(items, `id="`+room+`"`) {
			t.Fatalf("XEP-0402 bookmarks of alice: %s", items)
		}
		if !strings.Contains(items, "autojoin='true'") && !strings.Contains(items, `autojoin="true"`) || !strings.Contains(items, "Al</nick>") {
			t.Fatalf("XEP-0402 bookmark lacks autojoin or nick: %s", items)
		}
		cfg, err := a2.IQ(ctx, "<iq type='get'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='urn:xmpp:bookmarks:1'/></pubsub></iq>")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(cfg, "whitelist") {
			t.Fatalf("bookmarks node is not whitelist: %s", cfg)
		}

		// Everyone sees the global bookmark; a user may keep their own,
		// not share one.
		var list struct{ Bookmarks []bookmark }
		e.swJSON("GET", "/bookmarks", tokB, "", &list)
		if len(list.Bookmarks) != 1 || list.Bookmarks[0].Value != room {
			t.Fatalf("bob's bookmarks %+v", list)
		}
		e.wantStatus(http.StatusForbidden, "POST", "/bookmark", tokB, `{"type": "url", "name": "x", "value": "https://example.org", "users": ["carol"]}`)
		e.wantStatus(http.StatusForbidden, "POST", "/bookmark", tokB, `{"type": "url", "name": "x", "value": "https://example.org", "globalBookmark": true}`)
		e.wantStatus(http.StatusForbidden, "DELETE", fmt.Sprintf("/bookmark/%d", global.BookmarkID), tokB, "")
		var own bookmark
		e.swJSON("POST", "/bookmark", tokB, `{"type": "url", "name": "News", "value": "https://news.example.org/"}`, &own)
		if len(own.Users) != 1 || !strings.HasPrefix(own.Users[0], "bob@") {
			t.Fatalf("bob's own bookmark %+v", own)
		}
		e.swJSON("GET", "/bookmarks", tokA, "", &list)
		if len(list.Bookmarks) != 1 {
			t.Fatalf("alice sees bob's own bookmark: %+v", list)
		}
		e.wantStatus(http.StatusNotFound, "GET", fmt.Sprintf("/bookmark/%d", own.BookmarkID), e.signIn("carol", "carol-pw"), "")
		e.swJSON("POST", fmt.Sprintf("/bookmark/%d/color", own.BookmarkID), tokB, "blue", &own)
		if len(own.Properties) != 1 || own.Properties[0].Value != "blue" {
			t.Fatalf("property set: %+v", own)
		}
		e.swJSON("DELETE", fmt.Sprintf("/bookmark/%d/color", own.BookmarkID), tokB, "", nil)
		e.wantStatus(http.StatusNotFound, "DELETE", fmt.Sprintf("/bookmark/%d/color", own.BookmarkID), tokB, "")
		e.swJSON("PUT", fmt.Sprintf("/bookmark/%d", own.BookmarkID), tokB, `{"type": "url", "name": "Daily news", "value": "https://news.example.org/"}`, &own)
		if own.Name != "Daily news" {
			t.Fatalf("updated %+v", own)
		}

		// Bad input changes nothing.
		e.wantStatus(http.StatusBadRequest, "POST", "/bookmark", tokA, `{"type": "group_chat", "name": "x", "value": "not a room"}`)
		e.wantStatus(http.StatusBadRequest, "POST", "/bookmark", tokA, `{"type": "url", "name": "x", "value": "javascript:alert(1)"}`)
		e.wantStatus(http.StatusBadRequest, "POST", "/bookmark", tokA, `{"type": "folder", "name": "x", "value": "x"}`)
		e.wantStatus(http.StatusBadRequest, "POST", "/bookmark", tokA, `{"type": "url", "name": "", "value": "https://a.example"}`)
		e.wantStatus(http.StatusBadRequest, "GET", "/bookmark/abc", tokA, "")
		e.wantStatus(http.StatusNotFound, "GET", "/bookmark/999999", tokA, "")

		// A user signing in later finds the bookmark in their XEP-0402
		// bookmarks.
		c, err := c2stest.Login(ctx, e.c2sOpts(), carol, "carol-pw", "tablet")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		eventually(t, 10*time.Second, "bookmark published for carol", func() bool {
			return strings.Contains(bookmarkItems(ctx, t, c), room)
		})

		// A group's bookmark follows the user into and out of the group.
		if st, body := e.do("POST", "/plugins/restapi/v1/groups", "application/json", "", `{"name": "devs", "description": "d"}`); st != http.StatusCreated {
			t.Fatalf("create group: %d %s", st, body)
		}
		devRoom := "devs@" + e.Server.MUCService
		e.swJSON("POST", "/bookmark", tokA, fmt.Sprintf(`{"type": "group_chat", "name": "Devs", "value": %q, "groups": ["devs"]}`, devRoom), nil)
		tokC := e.signIn("carol", "carol-pw")
		e.swJSON("POST", "/user/groups/devs", tokC, "", nil)
		eventually(t, 10*time.Second, "group bookmark published for carol", func() bool {
			return strings.Contains(bookmarkItems(ctx, t, c), devRoom)
		})
		e.swJSON("DELETE", "/user/groups/devs", tokC, "", nil)
		eventually(t, 10*time.Second, "group bookmark retracted for carol", func() bool {
			return !strings.Contains(bookmarkItems(ctx, t, c), devRoom)
		})

		// Deleting retracts it.
		e.swJSON("DELETE", fmt.Sprintf("/bookmark/%d", global.BookmarkID), tokA, "", nil)
		eventually(t, 10*time.Second, "bookmark retracted for alice", func() bool {
			return !strings.Contains(bookmarkItems(ctx, t, a2), room)
		})
		e.wantStatus(http.StatusNotFound, "GET", fmt.Sprintf("/bookmark/%d", global.BookmarkID), tokA, "")
	})
}
