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

// TestSparkWebChat: a user signed in through the SparkWeb API chats,
// shares presence and manages their roster with another, real c2s client,
// reads the archive, and signs out (going offline).
func TestSparkWebChat(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := startSparkWeb(t, kind, func(c *config.Config) { c.SparkWeb.AllowRegistration = true })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		alice := e.account("alice", "alice-pw")
		bob := e.account("bob", "bob-pw")
		e.account("carol", "carol-pw")

		// Bad sign-ins.
		if msg := e.wantStatus(http.StatusUnauthorized, "POST", "/login/alice", "", "wrong"); !strings.Contains(msg, "password") {
			t.Errorf("wrong password: %q does not say why", msg)
		}
		e.wantStatus(http.StatusBadRequest, "POST", "/login/alice", "", "")
		e.wantStatus(http.StatusBadRequest, "POST", "/login/a%40b%40c", "", "x")
		e.wantStatus(http.StatusUnauthorized, "POST", "/login/nobody", "", "x")

		token := e.signIn("alice", "alice-pw")
		// A second sign-in shares the session.
		token2 := e.signIn(alice.String(), "alice-pw")
		if token2 == token {
			t.Fatal("two sign-ins got the same token")
		}
		if n := e.D.Sessions.Count(); n != 1 {
			t.Fatalf("%d XMPP sessions for one user, want 1", n)
		}
		// Every form of the token is accepted.
		e.swJSON("GET", "/user", token, "", nil)
		st, _ := e.raw("GET", "/sparkweb/api/rest/user", map[string]string{"Authorization": "Bearer " + token}, "")
		if st != http.StatusOK {
			t.Fatalf("Bearer token: %d", st)
		}
		e.wantStatus(http.StatusUnauthorized, "GET", "/user", "", "")
		e.wantStatus(http.StatusUnauthorized, "GET", "/user", "not-a-token", "")
		if st, _ := e.raw("GET", "/sparkweb/api/rest/user?token="+token, nil, ""); st != http.StatusUnauthorized {
			t.Fatalf("?token= outside the event stream: %d, want 401", st)
		}

		events := e.openEvents(token, "")
		events.wait("heartbeat", nil)

		b, err := c2stest.Login(ctx, e.c2sOpts(), bob, "bob-pw", "phone")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.SendPresence(ctx)

		// A message from another client arrives on the stream.
		if err := b.SendMessage(ctx, alice, "hello alice"); err != nil {
			t.Fatal(err)
		}
		got := events.wait("chatapi.chat", func(d map[string]string) bool { return d["body"] == "hello alice" })
		if !strings.HasPrefix(got.Data["from"], bob.String()) || got.Data["type"] != "chat" || got.ID == "" {
			t.Fatalf("chat event %+v", got)
		}

		// What the user sends from another device shows too (carbons).
		phone, err := c2stest.Login(ctx, e.c2sOpts(), alice, "alice-pw", "phone")
		if err != nil {
			t.Fatal(err)
		}
		phone.SendPresence(ctx)
		if err := phone.SendMessage(ctx, bob, "from my phone"); err != nil {
			t.Fatal(err)
		}
		events.wait("chatapi.chat", func(d map[string]string) bool {
			return d["body"] == "from my phone" && d["carbon"] == "sent"
		})
		phone.Close()

		// A message posted through the API arrives at the other client.
		var posted struct{ ID string }
		e.swJSON("POST", "/chat/message/"+bob.String(), token, "hello bob", &posted)
		if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "hello bob" && m.ID == posted.ID }); err != nil {
			t.Fatal(err)
		}
		e.swJSON("POST", "/chat/chatstate/composing/bob", token, "", nil)
		if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return strings.Contains(m.Raw, "composing") }); err != nil {
			t.Fatal(err)
		}

		// Bad input changes nothing.
		e.wantStatus(http.StatusBadRequest, "POST", "/chat/chatstate/typing/bob", token, "")
		e.wantStatus(http.StatusBadRequest, "POST", "/chat/message/bob", token, "")
		e.wantStatus(http.StatusBadRequest, "POST", "/chat/message/a%40b%40c", token, "x")
		e.wantStatus(http.StatusRequestEntityTooLarge, "POST", "/chat/message/bob", token, strings.Repeat("x", 64<<10+1))
		e.wantStatus(http.StatusBadRequest, "POST", "/presence?show=sleeping", token, "")
		e.wantStatus(http.StatusBadRequest, "GET", "/chat/messages?start=yesterday", token, "")
		e.wantStatus(http.StatusBadRequest, "POST", "/roster", token, `{"jid": "bob@"`)
		e.wantStatus(http.StatusNotFound, "POST", "/chat/message/nobody", token, "hello?")
		e.wantStatus(http.StatusNotFound, "POST", "/roster", token, `{"jid": "nobody"}`)

		// Roster: bob asks first, alice adds him (approving and asking back).
		b.SendRaw(ctx, fmt.Sprintf("<presence to='%s' type='subscribe'/>", alice))
		events.wait("chatapi.presence", func(d map[string]string) bool {
			return d["type"] == "subscribe" && strings.HasPrefix(d["from"], bob.String())
		})
		e.swJSON("POST", "/roster", token, fmt.Sprintf(`{"jid": %q, "nickname": "Bob", "groups": ["Friends"]}`, bob), nil)
		e.wantStatus(http.StatusConflict, "POST", "/roster", token, fmt.Sprintf(`{"jid": %q}`, bob))
		if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool { return p.Type == "subscribe" }); err != nil {
			t.Fatal(err)
		}
		b.SendRaw(ctx, fmt.Sprintf("<presence to='%s' type='subscribed'/>", alice))
		type rosterItem struct {
			JID, Nickname, Show, Status string
			SubscriptionType            int
			Groups                      []string
		}
		var roster struct{ Roster []rosterItem }
		eventually(t, 10*time.Second, "mutual subscription with bob, bob seen online", func() bool {
			e.swJSON("GET", "/presence/roster", token, "", &roster)
			return len(roster.Roster) == 1 && roster.Roster[0].SubscriptionType == 3 && roster.Roster[0].Show == "available"
		})
		if it := roster.Roster[0]; it.JID != bob.String() || it.Nickname != "Bob" || len(it.Groups) != 1 || it.Groups[0] != "Friends" {
			t.Fatalf("roster item %+v", it)
		}
		// The other client sees alice in its roster, both ways.
		eventually(t, 10*time.Second, "alice in bob's roster with subscription both", func() bool {
			items, err := b.Roster(ctx)
			return err == nil && len(items) == 1 && items[0].JID == alice.String() && items[0].Subscription == "both"
		})
		var pres struct{ Username, Show, Status string }
		e.swJSON("GET", "/presence/"+bob.String(), token, "", &pres)
		if pres.Show != "available" {
			t.Fatalf("bob's presence %+v", pres)
		}
		e.swJSON("GET", "/presence/alice", token, "", &pres)
		if pres.Show != "available" || pres.Username != alice.String() {
			t.Fatalf("alice's own presence %+v", pres)
		}
		b.SendRaw(ctx, "<presence><show>away</show><status>lunch</status></presence>")
		events.wait("chatapi.presence", func(d map[string]string) bool { return d["show"] == "away" && d["status"] == "lunch" })
		// A presence set through the API is seen by the other client.
		e.swJSON("POST", "/presence?show=dnd&status=meeting", token, "", nil)
		if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool {
			return strings.HasPrefix(p.From, alice.String()) && p.Show == "dnd" && p.Status == "meeting"
		}); err != nil {
			t.Fatal(err)
		}
		e.swJSON("PUT", "/roster/"+bob.String(), token, `{"nickname": "Bobby", "groups": []}`, nil)
		eventually(t, 10*time.Second, "renamed roster item", func() bool {
			e.swJSON("GET", "/roster", token, "", &roster)
			return len(roster.Roster) == 1 && roster.Roster[0].Nickname == "Bobby"
		})

		// Another user's data is refused.
		e.wantStatus(http.StatusBadRequest, "GET", "/presence/carol", token, "")
		e.wantStatus(http.StatusNotFound, "PUT", "/roster/carol", token, `{"nickname": "C"}`)
		e.wantStatus(http.StatusNotFound, "DELETE", "/roster/carol", token, "")
		if st, _ := e.do("PUT", "/plugins/restapi/v1/users/bob", "application/json", "", `{"email": "bob@secret.example"}`); st != http.StatusOK {
			t.Fatalf("set bob's email: %d", st)
		}
		_, list := e.sw("GET", "/users?search=bo", token, "")
		if !strings.Contains(list, `"bob"`) || strings.Contains(list, "secret.example") {
			t.Fatalf("user directory %s: want bob without his email", list)
		}
		e.swJSON("PUT", "/user", token, `{"name": "Alice A.", "email": "alice@example.org"}`, nil)
		var me struct{ Username, Name, Email string }
		e.swJSON("GET", "/user", token, "", &me)
		if me.Username != "alice" || me.Name != "Alice A." || me.Email != "alice@example.org" {
			t.Fatalf("profile %+v", me)
		}
		e.wantStatus(http.StatusBadRequest, "PUT", "/user", token, `{"username": "bob"}`)
		e.swJSON("POST", "/config/properties", token, `{"theme": "dark"}`, nil)
		var props map[string]string
		e.swJSON("GET", "/config/properties", token, "", &props)
		if props["theme"] != "dark" {
			t.Fatalf("properties %v", props)
		}

		// Groups: the user joins and leaves the component's groups.
		if st, body := e.do("POST", "/plugins/restapi/v1/groups", "application/json", "", `{"name": "readers", "description": "r"}`); st != http.StatusCreated {
			t.Fatalf("create group: %d %s", st, body)
		}
		e.swJSON("POST", "/user/groups/readers", token, "", nil)
		var groups struct{ GroupNames []string }
		e.swJSON("GET", "/user/groups", token, "", &groups)
		if len(groups.GroupNames) != 1 || groups.GroupNames[0] != "readers" {
			t.Fatalf("groups after joining: %v", groups.GroupNames)
		}
		e.wantStatus(http.StatusBadRequest, "POST", "/user/groups/nosuch", token, "")
		e.wantStatus(http.StatusNotFound, "POST", "/user/groups", token, `{"groupnames": ["nosuch"]}`)
		e.swJSON("DELETE", "/user/groups", token, `{"groupnames": ["readers"]}`, nil)
		e.swJSON("GET", "/user/groups", token, "", &groups)
		if len(groups.GroupNames) != 0 {
			t.Fatalf("groups after leaving: %v", groups.GroupNames)
		}
		var global struct{ MaxMessageBytes int }
		e.swJSON("GET", "/config/global", token, "", &global)
		if global.MaxMessageBytes != 64<<10 {
			t.Fatalf("global config %+v", global)
		}

		// A room invitation arrives as a chatapi.muc event.
		if st, body := e.do("POST", "/plugins/restapi/v1/chatrooms", "application/json", "", `{"roomName": "lounge", "persistent": "true"}`); st != http.StatusCreated {
			t.Fatalf("create room: %d %s", st, body)
		}
		if st, body := e.do("POST", "/plugins/restapi/v1/chatrooms/lounge/invite/alice", "application/json", "", `{"reason": "come in"}`); st != http.StatusOK {
			t.Fatalf("invite: %d %s", st, body)
		}
		events.wait("chatapi.muc", func(d map[string]string) bool {
			return d["type"] == "invitationReceived" && d["room"] == "lounge" && d["reason"] == "come in"
		})

		// Registration, when allowed, creates the account and signs it in.
		var reg struct{ Token string }
		e.swJSON("POST", "/register/frank", "", "frank-pw", &reg)
		if err := e.canLogIn(e.user("frank"), "frank-pw"); err != nil || reg.Token == "" {
			t.Fatalf("registered account: %v (token %q)", err, reg.Token)
		}
		e.wantStatus(http.StatusConflict, "POST", "/register/frank", "", "other-pw")
		e.swJSON("POST", "/logout", reg.Token, "", nil)

		// The conversation comes back from the server's archive.
		var convs struct {
			Conversations []struct {
				ParticipantList []string
				MessageCount    int
				Messages        []struct{ Body, From, SentDate string }
			}
		}
		e.swJSON("GET", "/chat/messages?to="+bob.String(), token, "", &convs)
		if len(convs.Conversations) != 1 {
			t.Fatalf("conversations with bob: %+v", convs)
		}
		var bodies []string
		for _, m := range convs.Conversations[0].Messages {
			bodies = append(bodies, m.Body)
			if m.SentDate == "" {
				t.Errorf("archived message %q has no date", m.Body)
			}
		}
		if all := strings.Join(bodies, "|"); !strings.Contains(all, "hello alice") || !strings.Contains(all, "hello bob") {
			t.Fatalf("archive: %q", all)
		}
		e.swJSON("GET", "/chat/messages?keywords=ALICE", token, "", &convs)
		if len(convs.Conversations) != 1 || len(convs.Conversations[0].Messages) != 1 {
			t.Fatalf("keyword search: %+v", convs)
		}

		// A stream that reconnects gets what it missed.
		last := got.ID
		again := e.openEvents(token2, last)
		again.wait("chatapi.xmpp", func(d map[string]string) bool { return d["xmpp"] != "" })
		again.cancel()

		// Removing the contact is seen by the other client.
		e.swJSON("DELETE", "/roster/"+bob.String(), token, "", nil)
		eventually(t, 10*time.Second, "alice gone from bob's subscriptions", func() bool {
			items, err := b.Roster(ctx)
			return err == nil && (len(items) == 0 || items[0].Subscription == "none")
		})

		// A password change goes to the server; the session stays.
		e.swJSON("PUT", "/user", token, `{"password": "alice-pw2"}`, nil)
		if err := e.canLogIn(alice, "alice-pw2"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		e.swJSON("GET", "/roster", token, "", nil)
		e.wantStatus(http.StatusUnauthorized, "POST", "/login/alice", "", "alice-pw")

		// Signing out with one token keeps the session for the other; with
		// the last, the XMPP session ends: bob sees alice go offline.
		e.swJSON("POST", "/logout", token2, "", nil)
		e.wantStatus(http.StatusUnauthorized, "GET", "/user", token2, "")
		e.swJSON("GET", "/user", token, "", nil)
		// bob subscribes again to watch alice's presence.
		drain(b.Presences())
		e.swJSON("POST", "/roster", token, fmt.Sprintf(`{"jid": %q}`, bob), nil)
		b.SendRaw(ctx, fmt.Sprintf("<presence to='%s' type='subscribed'/>", alice))
		b.SendRaw(ctx, fmt.Sprintf("<presence to='%s' type='subscribe'/>", alice))
		events.wait("chatapi.presence", func(d map[string]string) bool { return d["type"] == "subscribe" })
		// Adding a contact who asks approves the request.
		e.swJSON("POST", "/roster", token, fmt.Sprintf(`{"jid": %q}`, bob), nil)
		nextPresence(t, b.Presences(), func(p c2stest.Presence) bool {
			return strings.HasPrefix(p.From, alice.String()+"/") && p.Type == ""
		})
		e.swJSON("POST", "/logout", token, "", nil)
		nextPresence(t, b.Presences(), func(p c2stest.Presence) bool {
			// The session's resource is sparkweb-<random>.
			return strings.HasPrefix(p.From, alice.String()+"/sparkweb-") && p.Type == "unavailable"
		})
		events.waitEnd()
		e.wantStatus(http.StatusUnauthorized, "GET", "/user", token, "")
		if n := e.D.Sessions.Count(); n != 0 {
			t.Fatalf("%d sessions left after sign-out", n)
		}
	})
}

// drain empties a channel of what it holds.
func drain[T any](c <-chan T) {
	for len(c) > 0 {
		<-c
	}
}

// nextPresence waits for a presence arriving from now on that matches.
func nextPresence(t *testing.T, c <-chan c2stest.Presence, match func(c2stest.Presence) bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case p := <-c:
			if match(p) {
				return
			}
		case <-timeout:
			t.Fatal("no matching presence")
		}
	}
}
