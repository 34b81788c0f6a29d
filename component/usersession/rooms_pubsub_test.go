package usersession

import (
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

func TestRoomAndPubSubEvents(t *testing.T) {
	const ns = ` xmlns='jabber:client'`
	evs := typed(t, `<message`+ns+` from='lounge@conference.example.org/bob' to='alice@example.org/web' type='groupchat'><subject>Tea</subject></message>`, false)
	if len(evs) != 1 || evs[0].Name != EventMUC || data(evs[0])["type"] != "subject" || data(evs[0])["subject"] != "Tea" {
		t.Fatalf("subject: %v", evs)
	}
	evs = typed(t, `<message`+ns+` from='pubsub.example.org' to='alice@example.org'><event xmlns='http://jabber.org/protocol/pubsub#event'>`+
		`<items node='news'><item id='i1'><entry xmlns='urn:x'>hi</entry></item><retract id='i0'/></items></event></message>`, false)
	if len(evs) != 2 || evs[0].Name != EventPubSub || data(evs[0])["id"] != "i1" || !strings.Contains(data(evs[0])["payload"], "<entry") ||
		data(evs[1])["type"] != "retract" || data(evs[1])["node"] != "news" {
		t.Fatalf("pubsub: %v", evs)
	}
	// A pubsub event inside a carbon from someone else is not the user's.
	evs = typed(t, `<message`+ns+` from='mallory@example.org' to='alice@example.org'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>`+
		`<message`+ns+` from='alice@example.org' to='bob@example.org' type='chat'><body>x</body></message></forwarded></sent></message>`, false)
	if len(evs) != 0 {
		t.Fatalf("forged carbon: %v", evs)
	}
}

func TestRoomPresenceTracking(t *testing.T) {
	s := &Session{user: jid.MustParse("alice@example.org"), resource: "web", hub: NewHub(10)}
	room := jid.MustParse("lounge@conference.example.org")
	r := &joinedRoom{room: room, nick: "Al", occupants: map[string]Occupant{}, joined: make(chan struct{})}
	s.rooms = map[string]*joinedRoom{room.String(): r}
	s.onPresence([]byte(`<presence xmlns='jabber:client' from='lounge@conference.example.org/bob'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`))
	s.onPresence([]byte(`<presence xmlns='jabber:client' from='lounge@conference.example.org/Al'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`))
	select {
	case <-r.joined:
	default:
		t.Fatal("self-presence did not finish the join")
	}
	occ, _, err := s.RoomOccupants(room)
	if err != nil || len(occ) != 2 || occ[0].Nick != "Al" || occ[0].JID != "alice@example.org" || occ[1].Role != "participant" {
		t.Fatalf("occupants %+v %v", occ, err)
	}
	if len(s.contacts) != 0 {
		t.Fatalf("room occupants recorded as contacts: %v", s.contacts)
	}
	// A refused join.
	room2 := jid.MustParse("secret@conference.example.org")
	r2 := &joinedRoom{room: room2, nick: "Al", occupants: map[string]Occupant{}, joined: make(chan struct{})}
	s.rooms[room2.String()] = r2
	s.onPresence([]byte(`<presence xmlns='jabber:client' from='secret@conference.example.org/Al' type='error'><error type='auth'><registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`))
	<-r2.joined
	if r2.err == nil || !strings.Contains(r2.err.Error(), "members-only") {
		t.Fatalf("refused join: %v", r2.err)
	}
}

func TestParseStanza(t *testing.T) {
	kind, typ, toks, err := parseStanza([]byte(`<iq type='get' from='eve@example.org' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>`))
	if err != nil || kind != "iq" || typ != "get" {
		t.Fatalf("iq: %s %s %v", kind, typ, err)
	}
	raw := strings.Join(rootAttrs(toks), " ")
	if strings.Contains(raw, "from=") || !strings.Contains(raw, "id=") {
		t.Fatalf("root attributes %q: want from dropped and an id", raw)
	}
	for _, bad := range []string{``, `x`, `<a/>`, `<message/><message/>`, `<iq type='set'/>`, `<?pi x?><message/>`} {
		if _, _, _, err := parseStanza([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// rootAttrs lists the root element's attributes as name=value.
func rootAttrs(toks []xml.Token) []string {
	var out []string
	if st, ok := toks[0].(xml.StartElement); ok {
		for _, a := range st.Attr {
			out = append(out, a.Name.Local+"="+a.Value)
		}
	}
	return out
}
