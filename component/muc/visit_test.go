package muc

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// Recorded from ejabberd 23.01 when the component is not in access_create.
const ejabberdCreationDenied = `<presence xmlns="jabber:component:accept" to="rest.example.org/xmpprest-be5876f3" from="fresh-xml@conference.example.org/xmpprest-be5876f3" type="error" id="98cb8cb19d3e6e54"><x xmlns="http://jabber.org/protocol/muc"><history xmlns="http://jabber.org/protocol/muc" maxstanzas="0"></history></x><error xmlns="jabber:component:accept" type="auth"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"></forbidden><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" xml:lang="en">Room creation is denied by service policy</text></error></presence>`

// Recorded from Prosody 0.12.3: a join of the component's own creation.
const prosodySelfPresence = `<presence xmlns="jabber:component:accept" xml:lang="en" from="room1@conference.example.org/xmpprest" id="9ecad49e53f2ceb3" to="rest.example.org/admin"><occupant-id xmlns="urn:xmpp:occupant-id:0" id="TsaX"></occupant-id><x xmlns="http://jabber.org/protocol/muc#user"><status xmlns="http://jabber.org/protocol/muc#user" code="201"></status><item xmlns="http://jabber.org/protocol/muc#user" role="moderator" affiliation="owner" jid="rest.example.org/admin"></item><status xmlns="http://jabber.org/protocol/muc#user" code="110"></status></x></presence>`

func decodePresence(t *testing.T, raw string) mucPresence {
	var p mucPresence
	if err := (component.Inbound{Raw: []byte(raw)}).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJoinFault(t *testing.T) {
	room := jid.MustParse("fresh-xml@conference.example.org")
	p := decodePresence(t, ejabberdCreationDenied)
	if p.Type != "error" {
		t.Fatalf("type = %q", p.Type)
	}
	err := joinFault(p, room, joinOptions{create: true})
	if !fault.Is(err, fault.Forbidden) {
		t.Fatalf("want Forbidden, got %v", err)
	}
	msg := fault.Message(err)
	for _, want := range []string{"create fresh-xml@conference.example.org", "Room creation is denied by service policy", "access_create", "admins"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if component.StanzaCondition(err) != "forbidden" {
		t.Errorf("condition lost: %v", err)
	}

	for cond, kind := range map[string]fault.Kind{
		"gone": fault.Conflict, "item-not-found": fault.NotFound, "not-authorized": fault.Forbidden,
		"registration-required": fault.Forbidden, "service-unavailable": fault.Unavailable, "jid-malformed": fault.BadRequest,
	} {
		raw := strings.Replace(ejabberdCreationDenied, "forbidden", cond, 2)
		if err := joinFault(decodePresence(t, raw), room, joinOptions{}); !fault.Is(err, kind) {
			t.Errorf("%s: want %v, got %v", cond, kind, err)
		}
	}
	if err := joinFault(decodePresence(t, strings.Replace(ejabberdCreationDenied, "forbidden", "item-not-found", 2)), room, joinOptions{}); !errors.Is(err, ErrRoomNotFound) {
		t.Errorf("item-not-found is not ErrRoomNotFound: %v", err)
	}
}

func TestSelfPresence(t *testing.T) {
	p := decodePresence(t, prosodySelfPresence)
	if !p.hasStatus("110") || !p.hasStatus("201") || p.hasStatus("100") || p.X.Items[0].Affiliation != "owner" {
		t.Errorf("presence = %+v", p)
	}
}

func TestListsHiddenRooms(t *testing.T) {
	parse := func(s string) discoItemsQuery {
		var q discoItemsQuery
		if err := xml.Unmarshal([]byte(s), &q); err != nil {
			t.Fatal(err)
		}
		return q
	}
	// Recorded from ejabberd 23.01 (to a service admin) and Prosody 0.12.3.
	ejabberd := parse(`<query xmlns="http://jabber.org/protocol/disco#items"><item name="hidden1 (private, 0)" jid="hidden1@conference.example.org"></item><item name="public1 (0)" jid="public1@conference.example.org"></item></query>`)
	prosody := parse(`<query xmlns="http://jabber.org/protocol/disco#items"><item name="Room One" jid="room1@conference.example.org"></item></query>`)
	if !listsHiddenRooms(ejabberd) || listsHiddenRooms(prosody) || !listsHiddenRooms(discoItemsQuery{}) {
		t.Error("listsHiddenRooms misreads the listings")
	}
}
