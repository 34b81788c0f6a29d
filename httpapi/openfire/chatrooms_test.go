package openfire

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"xmpprest/httpapi"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/httpapi/ops"
)

// The README's "Payload Example 2" of a room creation, XML.
const roomXMLExample = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<chatRoom>
    <roomName>global</roomName>
    <naturalName>global-2</naturalName>
    <description>Global Chat Room</description>
    <subject>global-2 Subject</subject>
    <creationDate>2014-02-12T15:52:37.592+01:00</creationDate>
    <modificationDate>2014-09-12T15:35:54.702+02:00</modificationDate>
    <maxUsers>0</maxUsers>
    <persistent>true</persistent>
    <publicRoom>true</publicRoom>
    <registrationEnabled>false</registrationEnabled>
    <canAnyoneDiscoverJID>false</canAnyoneDiscoverJID>
    <canOccupantsChangeSubject>false</canOccupantsChangeSubject>
    <canOccupantsInvite>false</canOccupantsInvite>
    <canChangeNickname>false</canChangeNickname>
    <logEnabled>true</logEnabled>
    <loginRestrictedToNickname>false</loginRestrictedToNickname>
    <membersOnly>false</membersOnly>
    <moderated>false</moderated>
    <allowPM>anyone</allowPM>
    <broadcastPresenceRoles>
        <broadcastPresenceRole>moderator</broadcastPresenceRole>
        <broadcastPresenceRole>participant</broadcastPresenceRole>
        <broadcastPresenceRole>visitor</broadcastPresenceRole>
    </broadcastPresenceRoles>
    <owners>
        <owner>owner@localhost</owner>
    </owners>
    <admins>
        <admin>admin@localhost</admin>
    </admins>
    <members>
        <member>member2@localhost</member>
        <member>member1@localhost</member>
    </members>
    <outcasts>
        <outcast>outcast1@localhost</outcast>
    </outcasts>
</chatRoom>`

// The README's JSON example with the old wrapped lists and string values.
const roomJSONOldExample = `{
    "roomName": "global-1",
    "naturalName": "global-1_test_hello",
    "description": "Global chat room",
    "subject": "Global chat room subject",
    "creationDate": "2012-10-18T16:55:12.803+02:00",
    "modificationDate": "2014-07-10T09:49:12.411+02:00",
    "maxUsers": "0",
    "persistent": "true",
    "publicRoom": "true",
    "registrationEnabled": "false",
    "canAnyoneDiscoverJID": "true",
    "canOccupantsChangeSubject": "false",
    "canOccupantsInvite": "false",
    "canChangeNickname": "false",
    "logEnabled": "true",
    "loginRestrictedToNickname": "true",
    "membersOnly": "false",
    "moderated": "false",
    "allowPM": "anyone",
    "broadcastPresenceRoles": {"broadcastPresenceRole": ["moderator", "participant", "visitor"]},
    "owners": {"owner": "owner@localhost"},
    "admins": {"admin": ["admin@localhost", "admin2@localhost"]},
    "members": {"member": ["member@localhost", "member2@localhost"]},
    "outcasts": {"outcast": ["outcast@localhost", "outcast2@localhost"]}
}`

func TestRoomInXML(t *testing.T) {
	var in roomIn
	if err := httpapi.DecodeXML([]byte(roomXMLExample), &in); err != nil {
		t.Fatal(err)
	}
	s := in.change()
	created, _ := time.Parse(time.RFC3339, "2014-02-12T15:52:37.592+01:00")
	if s.Name != "global" || *s.Settings.NaturalName != "global-2" || *s.Subject != "global-2 Subject" ||
		!s.Created.Equal(created) || *s.Settings.MaxUsers != 0 || !*s.Settings.Persistent || !*s.Settings.PublicRoom ||
		*s.Settings.RegistrationEnabled || *s.Settings.CanChangeNickname || !*s.Settings.LogEnabled ||
		*s.Settings.AllowPM != "anyone" || *s.Settings.Password != "" ||
		!slices.Equal(*s.Settings.BroadcastPresenceRoles, []string{"moderator", "participant", "visitor"}) ||
		!slices.Equal(s.Owners.Values, []string{"owner@localhost"}) ||
		!slices.Equal(s.Members.Values, []string{"member2@localhost", "member1@localhost"}) ||
		!slices.Equal(s.Outcasts.Values, []string{"outcast1@localhost"}) || s.OwnerGroups.Set {
		t.Errorf("spec = %+v settings %+v", s, s.Settings)
	}
}

func TestRoomInJSON(t *testing.T) {
	var in roomIn
	if err := httpapi.DecodeJSON([]byte(roomJSONOldExample), &in); err != nil {
		t.Fatal(err)
	}
	s := in.change()
	if s.Name != "global-1" || !*s.Settings.CanAnyoneDiscoverJID || !*s.Settings.LoginRestrictedToNickname ||
		!slices.Equal(s.Owners.Values, []string{"owner@localhost"}) || !slices.Equal(s.Admins.Values, []string{"admin@localhost", "admin2@localhost"}) ||
		len(*s.Settings.BroadcastPresenceRoles) != 3 || s.Created == nil {
		t.Errorf("spec = %+v", s)
	}

	// REST API 1.3.0 shapes: arrays and real booleans and numbers; what is
	// left out is false or empty (admins, members and outcasts: none), the
	// subject, roles, owners and groups are kept.
	in = roomIn{}
	if err := httpapi.DecodeJSON([]byte(`{"roomName":"r","maxUsers":30,"persistent":true,"owners":["a@b"],"memberGroups":["staff"]}`), &in); err != nil {
		t.Fatal(err)
	}
	s = in.change()
	if *s.Settings.MaxUsers != 30 || !*s.Settings.Persistent || *s.Settings.PublicRoom || s.Subject != nil ||
		s.Settings.BroadcastPresenceRoles != nil || *s.Settings.AllowPM != "anyone" || *s.Settings.NaturalName != "" ||
		!s.Owners.Set || !slices.Equal(s.Owners.Values, []string{"a@b"}) || !s.Members.Set || len(s.Members.Values) != 0 ||
		!s.MemberGroups.Set || !slices.Equal(s.MemberGroups.Values, []string{"staff"}) || s.AdminGroups.Set {
		t.Errorf("spec = %+v settings %+v", s, s.Settings)
	}

	for name, body := range map[string]string{
		"maxUsers not a number": `{"roomName":"r","maxUsers":"many"}`,
		"persistent not a bool": `{"roomName":"r","persistent":"maybe"}`,
		"owners not strings":    `{"roomName":"r","owners":[1]}`,
	} {
		in = roomIn{}
		if err := httpapi.DecodeJSON([]byte(body), &in); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%s: want BadRequest, got %v", name, err)
		}
	}
}

func TestRoomsIn(t *testing.T) {
	for name, body := range map[string]string{
		"array":   `{"chatRooms":[{"roomName":"a"},{"roomName":"b"}]}`,
		"wrapped": `{"chatRooms":{"chatRoom":[{"roomName":"a"},{"roomName":"b"}]}}`,
	} {
		var in roomsIn
		if err := httpapi.DecodeJSON([]byte(body), &in); err != nil || len(in.Rooms) != 2 || in.Rooms[1].RoomName.Value != "b" {
			t.Errorf("%s: %+v %v", name, in, err)
		}
	}
	var in roomsIn
	if err := httpapi.DecodeJSON([]byte(`{"chatRooms":{"chatRoom":{"roomName":"a"}}}`), &in); err != nil || len(in.Rooms) != 1 {
		t.Errorf("one wrapped room: %+v %v", in, err)
	}
	in = roomsIn{}
	if err := httpapi.DecodeXML([]byte(`<chatRooms><chatRoom><roomName>a</roomName></chatRoom><chatRoom><roomName>b</roomName></chatRoom></chatRooms>`), &in); err != nil || len(in.Rooms) != 2 {
		t.Errorf("xml: %+v %v", in, err)
	}
	in = roomsIn{}
	if err := httpapi.DecodeJSON([]byte(`{"rooms":[]}`), &in); !fault.Is(err, fault.BadRequest) {
		t.Errorf("no chatRooms: want BadRequest, got %v", err)
	}
	if err := httpapi.DecodeXML([]byte(`<chatRoom><roomName>a</roomName></chatRoom>`), &in); !fault.Is(err, fault.BadRequest) {
		t.Errorf("a single room for bulk: want BadRequest, got %v", err)
	}
}

func TestRoomOutShapes(t *testing.T) {
	r := ops.ChatRoom{Name: "global", Config: muc.Config{NaturalName: "G", AllowPM: "anyone", BroadcastPresenceRoles: []string{"moderator"}},
		Owners: []string{"o@x"}, Created: time.UnixMilli(1_400_000_000_000)}
	b, err := xml.Marshal(roomOut(r))
	if err != nil {
		t.Fatal(err)
	}
	x := string(b)
	if !strings.HasPrefix(x, "<chatRoom><roomName>global</roomName><naturalName>G</naturalName>") ||
		!strings.HasSuffix(x, "<allowPM>anyone</allowPM></chatRoom>") ||
		!strings.Contains(x, "<owners><owner>o@x</owner></owners><admins></admins>") ||
		!strings.Contains(x, "<broadcastPresenceRoles><broadcastPresenceRole>moderator</broadcastPresenceRole></broadcastPresenceRoles>") ||
		strings.Contains(x, "modificationDate") || !strings.Contains(x, "<creationDate>") {
		t.Errorf("xml = %s", x)
	}
	b, err = json.Marshal(roomOut(r))
	if err != nil {
		t.Fatal(err)
	}
	j := string(b)
	if !strings.Contains(j, `"owners":["o@x"]`) || !strings.Contains(j, `"admins":[]`) || !strings.Contains(j, `"creationDate":1400000000000`) ||
		strings.Contains(j, "modificationDate") || strings.Contains(j, "password") {
		t.Errorf("json = %s", j)
	}
}

func TestAffiliationList(t *testing.T) {
	l := affiliationList{aff: muc.Member, jids: []string{"a@x", "b@x"}}
	b, _ := xml.Marshal(l)
	if string(b) != "<members><member>a@x</member><member>b@x</member></members>" {
		t.Errorf("xml = %s", b)
	}
	b, _ = json.Marshal(affiliationList{aff: muc.Outcast})
	if string(b) != `{"outcasts":[]}` {
		t.Errorf("json = %s", b)
	}
	var in affiliationsIn
	if err := httpapi.DecodeXML(roomBody(`<members><member>a@x</member><member> b@x </member></members>`), &in); err != nil || !slices.Equal(in.jids, []string{"a@x", "b@x"}) {
		t.Errorf("xml in = %v %v", in.jids, err)
	}
	for _, body := range []string{`{"members":["a@x"]}`, `["a@x"]`, `{"members":{"member":"a@x"}}`} {
		in = affiliationsIn{}
		if err := httpapi.DecodeJSON(roomBody(body), &in); err != nil || !slices.Equal(in.jids, []string{"a@x"}) {
			t.Errorf("json in %s = %v %v", body, in.jids, err)
		}
	}
}

func roomBody(s string) []byte { return []byte(s) }

func TestAffiliationOf(t *testing.T) {
	for path, want := range map[string]muc.Affiliation{"owners": muc.Owner, "admin": muc.Admin, "Members": muc.Member, "outcasts": muc.Outcast} {
		r := mux.SetURLVars(httptest.NewRequest("GET", "/", nil), map[string]string{"affiliation": path})
		if got, err := affiliationOf(r); err != nil || got != want {
			t.Errorf("%s = %v, %v", path, got, err)
		}
	}
	r := mux.SetURLVars(httptest.NewRequest("GET", "/", nil), map[string]string{"affiliation": "visitors"})
	if _, err := affiliationOf(r); !fault.Is(err, fault.BadRequest) {
		t.Errorf("visitors: want BadRequest, got %v", err)
	}
}

func TestWarnNotApplied(t *testing.T) {
	w := httptest.NewRecorder()
	warnNotApplied(w, []muc.NotApplied{{Setting: muc.SettingMaxUsers, Reason: `30 was not applied: no "limit"`}, {Setting: muc.SettingAllowPM, Reason: "x"}})
	got := w.Header().Values("Warning")
	if len(got) != 2 || got[0] != `299 xmpprest "maxUsers: 30 was not applied: no 'limit'"` || got[1] != `299 xmpprest "allowPM: x"` {
		t.Errorf("warnings = %q", got)
	}
}

func TestRoomFailure(t *testing.T) {
	for _, c := range []struct {
		err       error
		exception string
	}{
		{muc.ErrRoomNotFound.About("r"), exRoomNotFound},
		{ops.ErrChatServiceNotFound.About("s"), exServiceNotFound},
		{ops.ErrGroupNotFound.About("g"), exGroupNotFound},
	} {
		if got := roomFailure(c.err, "r").exceptions[fault.NotFound]; got != c.exception {
			t.Errorf("%v: exception %q, want %q", c.err, got, c.exception)
		}
	}
	// A setting's error names the entity's field.
	err := muc.Settings{MaxUsers: ptr(-1)}.Validate()
	if got := roomFailure(err, "r").messages[fault.BadRequest]; got != "maxUsers must be 0 (no limit) or more, not -1" {
		t.Errorf("setting message = %q", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestRoomInListShapes: every shape of a list field, and what the room
// change makes of it (the Openfire rule: owners and groups not given are
// kept, the other user lists not given are none).
func TestRoomInListShapes(t *testing.T) {
	for _, c := range []struct {
		name, json string
		given      bool
		values     []string
	}{
		{"absent", `{}`, false, nil},
		{"null", `{"owners":null,"admins":null,"ownerGroups":null,"broadcastPresenceRoles":null}`, false, nil},
		{"wrapped null", `{"owners":{"owner":null},"admins":{"admin":null},"ownerGroups":{"ownerGroup":null},"broadcastPresenceRoles":{"broadcastPresenceRole":null}}`, false, nil},
		{"wrapped empty", `{"owners":{"owner":[]},"admins":{"admin":[]},"ownerGroups":{"ownerGroup":[]},"broadcastPresenceRoles":{"broadcastPresenceRole":[]}}`, false, nil},
		{"empty list", `{"owners":[],"admins":[],"ownerGroups":[],"broadcastPresenceRoles":[]}`, true, []string{}},
		{"single string", `{"owners":{"owner":"x"},"admins":"x","ownerGroups":{"ownerGroup":"x"},"broadcastPresenceRoles":{"broadcastPresenceRole":"x"}}`, true, []string{"x"}},
		{"list", `{"owners":{"owner":["x","y"]},"admins":["x","y"],"ownerGroups":["x","y"],"broadcastPresenceRoles":["x","y"]}`, true, []string{"x", "y"}},
	} {
		var in roomIn
		if err := httpapi.DecodeJSON([]byte(c.json), &in); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ch := in.change()
		roles := ch.Settings.BroadcastPresenceRoles
		if ch.Owners.Set != c.given || ch.OwnerGroups.Set != c.given || (roles != nil) != c.given ||
			!slices.Equal(httpapi.NonNil(ch.Owners.Values), httpapi.NonNil(c.values)) || !ch.Admins.Set ||
			!slices.Equal(httpapi.NonNil(ch.Admins.Values), httpapi.NonNil(c.values)) || roles != nil && !slices.Equal(*roles, c.values) {
			t.Errorf("%s: change = owners %+v admins %+v ownerGroups %+v roles %v", c.name, ch.Owners, ch.Admins, ch.OwnerGroups, roles)
		}
	}
	for _, c := range []struct {
		name, xml string
		values    []string
	}{
		{"missing", `<chatRoom/>`, nil},
		{"empty element", `<chatRoom><owners/><broadcastPresenceRoles></broadcastPresenceRoles></chatRoom>`, nil},
		{"one", `<chatRoom><owners><owner>x</owner></owners><broadcastPresenceRoles><broadcastPresenceRole>x</broadcastPresenceRole></broadcastPresenceRoles></chatRoom>`, []string{"x"}},
	} {
		var in roomIn
		if err := httpapi.DecodeXML([]byte(c.xml), &in); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ch := in.change()
		given := c.values != nil
		if ch.Owners.Set != given || (ch.Settings.BroadcastPresenceRoles != nil) != given || !slices.Equal(ch.Owners.Values, c.values) {
			t.Errorf("xml %s: owners %+v roles %v", c.name, ch.Owners, ch.Settings.BroadcastPresenceRoles)
		}
	}
}
