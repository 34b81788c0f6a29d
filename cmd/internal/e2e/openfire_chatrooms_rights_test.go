package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/component/muc"
	"xmpprest/component/xmppserver"
)

// TestOpenfireChatRoomsWithoutRights runs against servers that give the
// component no rights on the chat service: each refusal is a 403 that says
// what to configure, in XML and in JSON.
func TestOpenfireChatRoomsWithoutRights(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := attach(t, xmppserver.StartT(t, kind, xmppserver.Options{WithoutMUCRights: true}))
		alice := e.account("alice", "pw")
		e.account("bob", "pw")
		aliceC := e.client(alice, "pw")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		// alice makes a room of her own: she joins it and accepts the
		// default configuration (an instant room; ejabberd answers no one
		// but its creator while a new room is locked).
		room := "alices@" + e.Server.MUCService
		joinRoom(t, aliceC, room, "alice")
		reply, err := aliceC.IQ(ctx, `<iq type='set' to='`+room+`'><query xmlns='`+muc.NSOwner+`'><x xmlns='jabber:x:data' type='submit'/></query></iq>`)
		if err != nil || strings.Contains(reply, `type="error"`) {
			t.Fatalf("alice could not configure her room: %v %s", err, reply)
		}

		for _, f := range wireFormats {
			for _, c := range []struct {
				method, path, body string
			}{
				{"GET", "/chatrooms/alices", ""},
				{"PUT", "/chatrooms/alices", roomPayload{fields: [][2]string{{"roomName", "alices"}}}.body(f)},
				{"DELETE", "/chatrooms/alices", ""},
				{"GET", "/chatrooms/alices/owners", ""},
				{"POST", "/chatrooms/alices/members/bob", ""},
			} {
				status, body := e.of(c.method, c.path, f, c.body)
				got := wantError(t, f, c.method+" "+c.path, status, body, http.StatusForbidden, "NotAllowedException")
				if !strings.Contains(got.Message, "access_admin") || !strings.Contains(got.Message, "admins") {
					t.Errorf("%s %s (%s): the message does not say what to configure: %q", c.method, c.path, f.name(), got.Message)
				}
			}

			// Creating: Prosody lets anyone create rooms (the creator owns
			// them); ejabberd refuses outside access_create.
			name := "fresh-" + f.name()
			status, body := e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{{"roomName", name}, {"persistent", "true"}}}.body(f))
			if kind == xmppserver.Prosody {
				wantStatus(t, "create on Prosody", status, body, http.StatusCreated)
				e.getRoom(f, name, "")
				continue
			}
			got := wantError(t, f, "create on ejabberd", status, body, http.StatusForbidden, "NotAllowedException")
			if !strings.Contains(got.Message, "access_create") {
				t.Errorf("create (%s): the message does not name access_create: %q", f.name(), got.Message)
			}
			status, body = e.of("GET", "/chatrooms/"+name, f, "")
			wantError(t, f, "the refused room", status, body, http.StatusNotFound, "RoomNotFoundException")
		}
	})
}
