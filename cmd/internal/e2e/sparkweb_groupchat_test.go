package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

// createRoom creates a public, persistent, archived room through the
// Openfire API.
func (e *env) createRoom(name, title string) {
	e.t.Helper()
	body := fmt.Sprintf(`{"roomName": %q, "naturalName": %q, "description": "for tests", "persistent": true, "publicRoom": true, "logEnabled": true, "canOccupantsChangeSubject": true, "canOccupantsInvite": true}`, name, title)
	if st, got := e.do("POST", "/plugins/restapi/v1/chatrooms", "application/json", "", body); st != http.StatusCreated {
		e.t.Fatalf("create room %s: %d %s", name, st, got)
	}
}

// TestSparkWebGroupChat: a user signed in through the SparkWeb API lists,
// reads, joins and leaves a room, talks in it with a real c2s client,
// receives room messages, subject changes and invitations on the event
// stream, invites someone, and reads the room's archive.
func TestSparkWebGroupChat(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := startSparkWeb(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		e.account("alice", "alice-pw")
		bob := e.account("bob", "bob-pw")
		carol := e.account("carol", "carol-pw")
		e.createRoom("lounge", "The Lounge")
		room := "lounge@" + e.Server.MUCService

		token := e.signIn("alice", "alice-pw")
		events := e.openEvents(token, "")

		b, err := c2stest.Login(ctx, e.c2sOpts(), bob, "bob-pw", "phone")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.SendPresence(ctx)
		b.SendRaw(ctx, fmt.Sprintf("<presence to='%s/bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>", room))
		if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool { return p.From == room+"/bob" }); err != nil {
			t.Fatal(err)
		}

		// The rooms the user can see, and one room.
		var rooms struct {
			ChatRooms []struct {
				RoomName, NaturalName, Description string
				Persistent, PublicRoom, LogEnabled bool
			}
		}
		e.swJSON("GET", "/groupchat/rooms?search=LOUN", token, "", &rooms)
		if len(rooms.ChatRooms) != 1 || rooms.ChatRooms[0].RoomName != "lounge" || rooms.ChatRooms[0].NaturalName != "The Lounge" {
			t.Fatalf("rooms %+v", rooms)
		}
		e.swJSON("GET", "/groupchat/rooms?search=nothing-like-it", token, "", &rooms)
		if len(rooms.ChatRooms) != 0 {
			t.Fatalf("search for nothing: %+v", rooms)
		}
		var one struct {
			RoomName                           string
			Persistent, PublicRoom, LogEnabled bool
		}
		e.swJSON("GET", "/groupchat/room/lounge?serviceName=conference", token, "", &one)
		if one.RoomName != "lounge" || !one.Persistent || !one.PublicRoom || !one.LogEnabled {
			t.Fatalf("room %+v", one)
		}
		e.wantStatus(http.StatusNotFound, "GET", "/groupchat/room/nosuch", token, "")
		e.wantStatus(http.StatusNotFound, "GET", "/groupchat/rooms?serviceName=nosuch", token, "")
		e.wantStatus(http.StatusNotFound, "PUT", "/groupchat/room/nosuch", token, "")
		e.wantStatus(http.StatusBadRequest, "GET", "/groupchat/room/a%40b", token, "")
		// Posting before joining is refused.
		e.wantStatus(http.StatusConflict, "POST", "/groupchat/room/lounge", token, "too early")
		e.wantStatus(http.StatusConflict, "DELETE", "/groupchat/room/lounge", token, "")

		// Joining: the other occupant sees the user come in.
		e.swJSON("PUT", "/groupchat/room/lounge?nickname=Alice", token, "", nil)
		if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool { return p.From == room+"/Alice" && p.Type == "" }); err != nil {
			t.Fatal(err)
		}
		// A nick taken is a conflict.
		token2 := e.signIn("carol", "carol-pw")
		e.wantStatus(http.StatusConflict, "PUT", "/groupchat/room/lounge?nickname=bob", token2, "")

		type occupant struct{ JID, UserAddress, Role, Affiliation string }
		var occ struct{ Occupants []occupant }
		eventually(t, 10*time.Second, "both occupants listed", func() bool {
			e.swJSON("GET", "/groupchat/room/lounge/occupants", token, "", &occ)
			return len(occ.Occupants) == 2
		})
		if occ.Occupants[0].JID != room+"/Alice" || occ.Occupants[1].JID != room+"/bob" || occ.Occupants[0].Role == "" {
			t.Fatalf("occupants %+v", occ.Occupants)
		}
		var parts struct{ Participants []occupant }
		e.swJSON("GET", "/groupchat/room/lounge/participants", token, "", &parts)
		if len(parts.Participants) != 2 {
			t.Fatalf("participants %+v", parts)
		}

		// Talking: a post reaches the other occupant; theirs reaches the
		// stream, as do subject changes.
		var posted struct{ ID string }
		e.swJSON("POST", "/groupchat/room/lounge", token, "hello room", &posted)
		if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool {
			return m.Type == "groupchat" && m.Body == "hello room" && m.From == room+"/Alice"
		}); err != nil {
			t.Fatal(err)
		}
		b.SendRaw(ctx, fmt.Sprintf("<message to='%s' type='groupchat'><body>hello alice, from the room</body></message>", room))
		got := events.wait("chatapi.muc", func(d map[string]string) bool { return d["body"] == "hello alice, from the room" })
		if got.Data["type"] != "groupchat" || got.Data["from"] != room+"/bob" {
			t.Fatalf("groupchat event %+v", got)
		}
		b.SendRaw(ctx, fmt.Sprintf("<message to='%s' type='groupchat'><subject>Tea time</subject></message>", room))
		events.wait("chatapi.muc", func(d map[string]string) bool { return d["type"] == "subject" && d["subject"] == "Tea time" })
		e.swJSON("GET", "/groupchat/room/lounge", token, "", &struct{}{})

		// Invitations: received through the room, and sent.
		b.SendRaw(ctx, fmt.Sprintf("<message to='%s'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='%s'><reason>come over</reason></invite></x></message>", room, e.user("alice")))
		inv := events.wait("chatapi.muc", func(d map[string]string) bool { return d["type"] == "invitationReceived" })
		if inv.Data["room"] != "lounge" || inv.Data["reason"] != "come over" || !strings.Contains(inv.Data["inviter"], "bob") {
			t.Fatalf("invitation event %+v", inv)
		}
		c, err := c2stest.Login(ctx, e.c2sOpts(), carol, "carol-pw", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SendPresence(ctx)
		e.swJSON("POST", "/groupchat/room/lounge/carol", token, "join us", nil)
		if _, err := c.WaitMessage(ctx, func(m c2stest.Message) bool {
			return strings.Contains(m.Raw, "invite") && strings.Contains(m.Raw, "join us") && strings.HasPrefix(m.From, room)
		}); err != nil {
			t.Fatal(err)
		}
		e.wantStatus(http.StatusBadRequest, "POST", "/groupchat/room/lounge/a%40b%40c", token, "x")

		// The room's archive, as the user reads it.
		var hist struct {
			Messages []struct{ From, Body, Type, DelayStamp string }
		}
		eventually(t, 10*time.Second, "both messages in the room's archive", func() bool {
			e.swJSON("GET", "/groupchat/room/lounge/chathistory", token, "", &hist)
			return len(hist.Messages) == 2
		})
		if hist.Messages[0].Body != "hello room" || hist.Messages[0].From != room+"/Alice" || hist.Messages[0].DelayStamp == "" {
			t.Fatalf("room history %+v", hist.Messages)
		}
		var convs struct {
			Conversations []struct {
				ParticipantList []string
				MessageCount    int
				Messages        []struct {
					Body      string
					RoomEvent bool
				}
			}
		}
		e.swJSON("GET", "/groupchat/messages?room=lounge&service=conference&keywords=ALICE", token, "", &convs)
		if len(convs.Conversations) != 1 || convs.Conversations[0].MessageCount != 1 ||
			convs.Conversations[0].Messages[0].Body != "hello alice, from the room" || !convs.Conversations[0].Messages[0].RoomEvent {
			t.Fatalf("groupchat conversations %+v", convs)
		}
		e.wantStatus(http.StatusBadRequest, "GET", "/groupchat/messages?room=lounge&start=soon", token, "")

		// Leaving: the other occupant sees the user go.
		e.swJSON("DELETE", "/groupchat/room/lounge", token, "", nil)
		if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool { return p.From == room+"/Alice" && p.Type == "unavailable" }); err != nil {
			t.Fatal(err)
		}
		e.wantStatus(http.StatusConflict, "POST", "/groupchat/room/lounge", token, "gone")
	})
}
