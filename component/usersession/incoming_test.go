package usersession

import (
	"encoding/json"
	"fmt"
	"testing"

	"mellium.im/xmpp/jid"
)

// typed returns the events other than chatapi.xmpp a stanza gives.
func typed(t *testing.T, raw string, presence bool) []Event {
	t.Helper()
	s := &Session{user: jid.MustParse("alice@example.org"), resource: "web", hub: NewHub(10)}
	sub, _, _ := s.hub.Subscribe(0)
	if presence {
		s.onPresence([]byte(raw))
	} else {
		s.onMessage([]byte(raw))
	}
	s.hub.Close()
	var out []Event
	for ev := range sub.Events() {
		if ev.Name != EventXMPP {
			out = append(out, ev)
		}
	}
	return out
}

func data(ev Event) map[string]string {
	var m map[string]string
	json.Unmarshal(ev.Data, &m)
	return m
}

func TestIncomingStanzas(t *testing.T) {
	const ns = ` xmlns='jabber:client'`
	evs := typed(t, `<message`+ns+` from='bob@example.org/phone' to='alice@example.org' type='chat' id='m1'><body>hi</body></message>`, false)
	if len(evs) != 1 || evs[0].Name != EventChat || data(evs[0])["body"] != "hi" || data(evs[0])["id"] != "m1" {
		t.Fatalf("chat: %v", evs)
	}
	carbon := `<message` + ns + ` from='%s' to='alice@example.org/web'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>` +
		`<message` + ns + ` from='bob@example.org/phone' to='alice@example.org/phone' type='chat'><body>copy</body></message></forwarded></received></message>`
	evs = typed(t, fmt.Sprintf(carbon, "alice@example.org"), false)
	if len(evs) != 1 || data(evs[0])["carbon"] != "received" || data(evs[0])["body"] != "copy" {
		t.Fatalf("carbon from the account: %v", evs)
	}
	// A carbon from anyone else is a forgery: no chat event.
	if evs = typed(t, fmt.Sprintf(carbon, "mallory@example.org"), false); len(evs) != 0 {
		t.Fatalf("forged carbon gave %v", evs)
	}
	evs = typed(t, `<message`+ns+` from='room@conference.example.org/bob' type='groupchat'><body>all</body></message>`, false)
	if len(evs) != 1 || evs[0].Name != EventMUC || data(evs[0])["type"] != "groupchat" {
		t.Fatalf("groupchat: %v", evs)
	}
	evs = typed(t, `<message`+ns+` from='room@conference.example.org'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='bob@example.org'><reason>join</reason></invite></x></message>`, false)
	if len(evs) != 1 || data(evs[0])["type"] != "invitationReceived" || data(evs[0])["room"] != "room" || data(evs[0])["inviter"] != "bob@example.org" {
		t.Fatalf("invitation: %v", evs)
	}
	// Archive results never reach the stream.
	if evs = typed(t, `<message`+ns+`><result xmlns='urn:xmpp:mam:2' queryid='q' id='1'><forwarded xmlns='urn:xmpp:forward:0'><message`+ns+`><body>old</body></message></forwarded></result></message>`, false); len(evs) != 0 {
		t.Fatalf("archive result gave %v", evs)
	}
	evs = typed(t, `<presence`+ns+` from='bob@example.org/phone'><show>away</show><status>lunch</status></presence>`, true)
	if len(evs) != 1 || data(evs[0])["type"] != "presence" || data(evs[0])["show"] != "away" {
		t.Fatalf("presence: %v", evs)
	}
	if evs = typed(t, `<presence`+ns+` from='alice@example.org/web'/>`, true); len(evs) != 0 {
		t.Fatalf("the session's own presence gave %v", evs)
	}
	evs = typed(t, `<presence`+ns+` from='bob@example.org' type='subscribe'/>`, true)
	if len(evs) != 1 || data(evs[0])["type"] != "subscribe" {
		t.Fatalf("subscription request: %v", evs)
	}
}
