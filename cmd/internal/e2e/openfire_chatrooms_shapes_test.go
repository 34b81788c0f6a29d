package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// A room request must be answered before the IQ timeout (5 s in these
// tests): a request that waited for an answer the XMPP server never sends
// takes at least that long. (It normally takes tens of milliseconds; the
// bound leaves room for a loaded machine, it is not a speed goal.)
const roomAnswerBound = 4 * time.Second

// roomList is one list field of the room entity with the values the
// tests give it: one value, two values, and (for updates) the value the
// room has before.
type roomList struct {
	wrapper, element string
	one, two, before []string
}

// roomLists are every list field of the room entity.
func roomLists(e *env) []roomList {
	u := func(local string) string { return e.user(local).String() }
	return []roomList{
		{"broadcastPresenceRoles", "broadcastPresenceRole", []string{"moderator"}, []string{"moderator", "participant"}, []string{"visitor"}},
		{"owners", "owner", []string{u("alice")}, []string{u("alice"), u("bob")}, []string{u("olga")}},
		{"admins", "admin", []string{u("carol")}, []string{u("carol"), u("dave")}, []string{u("adam")}},
		{"members", "member", []string{"m1@elsewhere.example"}, []string{"m1@elsewhere.example", "m2@elsewhere.example"}, []string{"m0@elsewhere.example"}},
		{"outcasts", "outcast", []string{"x1@elsewhere.example"}, []string{"x1@elsewhere.example", "x2@elsewhere.example"}, []string{"x0@elsewhere.example"}},
		{"ownerGroups", "ownerGroup", []string{"og1"}, []string{"og1", "og2"}, []string{"og0"}},
		{"adminGroups", "adminGroup", []string{"ag1"}, []string{"ag1", "ag2"}, []string{"ag0"}},
		{"memberGroups", "memberGroup", []string{"mg1"}, []string{"mg1", "mg2"}, []string{"mg0"}},
		{"outcastGroups", "outcastGroup", []string{"xg1"}, []string{"xg1", "xg2"}, []string{"xg0"}},
	}
}

// listShape is one way a client writes a list field.
type listShape struct {
	name   string
	format wireFormat
	// write returns the field's JSON value or XML element ("" leaves the
	// field out).
	write func(l roomList) string
	// given is nil when the shape means "not given", else the values.
	given func(l roomList) []string
}

func jsonStrings(vs []string) string { return jsonOf(vs) }

func xmlList(l roomList, vs []string) string {
	var b strings.Builder
	b.WriteString("<" + l.wrapper + ">")
	for _, v := range vs {
		b.WriteString("<" + l.element + ">" + xmlEsc(v) + "</" + l.element + ">")
	}
	b.WriteString("</" + l.wrapper + ">")
	return b.String()
}

var notGiven = func(roomList) []string { return nil }

var listShapes = []listShape{
	{"json absent", fmtJSON, func(roomList) string { return "" }, notGiven},
	{"json null", fmtJSON, func(roomList) string { return "null" }, notGiven},
	{"json wrapped null", fmtJSON, func(l roomList) string { return `{"` + l.element + `":null}` }, notGiven},
	{"json wrapped empty", fmtJSON, func(l roomList) string { return `{"` + l.element + `":[]}` }, notGiven},
	{"json empty list", fmtJSON, func(roomList) string { return "[]" }, func(roomList) []string { return []string{} }},
	{"json wrapped single string", fmtJSON, func(l roomList) string { return `{"` + l.element + `":` + jsonOf(l.one[0]) + `}` }, func(l roomList) []string { return l.one }},
	{"json single string", fmtJSON, func(l roomList) string { return jsonOf(l.one[0]) }, func(l roomList) []string { return l.one }},
	{"json wrapped list", fmtJSON, func(l roomList) string { return `{"` + l.element + `":` + jsonStrings(l.two) + `}` }, func(l roomList) []string { return l.two }},
	{"json list", fmtJSON, func(l roomList) string { return jsonStrings(l.two) }, func(l roomList) []string { return l.two }},
	{"xml missing", fmtXML, func(roomList) string { return "" }, notGiven},
	{"xml empty element", fmtXML, func(l roomList) string { return "<" + l.wrapper + "/>" }, notGiven},
	{"xml one", fmtXML, func(l roomList) string { return xmlList(l, l.one) }, func(l roomList) []string { return l.one }},
	{"xml list", fmtXML, func(l roomList) string { return xmlList(l, l.two) }, func(l roomList) []string { return l.two }},
}

// roomBodyWith is a room entity with fields (JSON values or XML elements
// already written) in format f.
func roomBodyWith(f wireFormat, name string, extra map[string]string, lists []roomList, shape listShape) string {
	if f == fmtJSON {
		parts := []string{`"roomName":` + jsonOf(name)}
		for k, v := range extra {
			parts = append(parts, jsonOf(k)+":"+v)
		}
		for _, l := range lists {
			if v := shape.write(l); v != "" {
				parts = append(parts, jsonOf(l.wrapper)+":"+v)
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	var b strings.Builder
	b.WriteString("<chatRoom><roomName>" + xmlEsc(name) + "</roomName>")
	for k, v := range extra {
		b.WriteString("<" + k + ">" + strings.Trim(v, `"`) + "</" + k + ">")
	}
	for _, l := range lists {
		b.WriteString(shape.write(l))
	}
	b.WriteString("</chatRoom>")
	return b.String()
}

// listOf reads a list field of a room read back.
func listOf(r ofRoom, wrapper string) []string {
	return map[string][]string{
		"broadcastPresenceRoles": r.BroadcastPresenceRoles, "owners": r.Owners, "admins": r.Admins, "members": r.Members,
		"outcasts": r.Outcasts, "ownerGroups": r.OwnerGroups, "adminGroups": r.AdminGroups,
		"memberGroups": r.MemberGroups, "outcastGroups": r.OutcastGroups,
	}[wrapper]
}

// timedRoomCall makes a room request and fails the test when it is not
// answered within roomAnswerBound.
func (e *env) timedRoomCall(t *testing.T, method, path string, f wireFormat, body string) (int, string) {
	t.Helper()
	start := time.Now()
	status, answer := e.of(method, path, f, body)
	if took := time.Since(start); took > roomAnswerBound {
		t.Errorf("%s %s took %s (status %d): a request must not wait for the XMPP timeout", method, path, took, status)
	}
	return status, answer
}

// roomGroupsFixture makes the groups roomLists names (without members:
// what they give is tested in TestOpenfireChatRoomAffiliations).
func roomGroupsFixture(t *testing.T, e *env, lists []roomList) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, l := range lists {
		if !strings.HasSuffix(l.wrapper, "Groups") {
			continue
		}
		for _, g := range append(slices.Clone(l.two), l.before...) {
			if err := e.D.Ops.CreateGroup(ctx, ops.ServiceAdmin("test"), ops.Group{Name: g}); err != nil {
				t.Fatalf("create group %s: %v", g, err)
			}
		}
	}
}

// TestOpenfireChatRoomListShapes creates and updates rooms with every list
// field of the room entity in every shape clients send (absent, null,
// {"x":null}, {"x":[]}, [], a single string, a list; a missing or empty
// XML element, one or two children), on both servers: each request is
// answered at once and the room reads back as intended. Not given means
// the server's default on creation; on update the owners, the presence
// broadcast roles and the group lists are kept, and the admins, members
// and outcasts become none (Openfire's full replacement).
func TestOpenfireChatRoomListShapes(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		lists := roomLists(e)
		roomGroupsFixture(t, e, lists)

		for i, shape := range listShapes {
			f := shape.format
			// Creation.
			name := fmt.Sprintf("new-%d", i)
			status, body := e.timedRoomCall(t, "POST", "/chatrooms", f, roomBodyWith(f, name, map[string]string{"persistent": "true"}, lists, shape))
			if status != http.StatusCreated {
				t.Errorf("%s: create answered %d %s", shape.name, status, body)
				continue
			}
			r := e.getRoom(f, name, "")
			for _, l := range lists {
				want := shape.given(l)
				if want == nil {
					want = []string{}
					if l.wrapper == "broadcastPresenceRoles" {
						want = []string{"moderator", "participant", "visitor"} // both servers' default
					}
				}
				if got := listOf(r, l.wrapper); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
					t.Errorf("%s: created room's %s = %v, want %v", shape.name, l.wrapper, got, want)
				}
			}

			// Update of a room that has a value in every list.
			name = fmt.Sprintf("upd-%d", i)
			before := listShape{write: func(l roomList) string {
				if f == fmtJSON {
					return jsonStrings(l.before)
				}
				return xmlList(l, l.before)
			}}
			status, body = e.of("POST", "/chatrooms", f, roomBodyWith(f, name, map[string]string{"persistent": "true"}, lists, before))
			wantStatus(t, shape.name+": create the room to update", status, body, http.StatusCreated)
			update := lists
			if shape.name == "json empty list" {
				// An explicit empty owner list would remove the last owner:
				// see TestOpenfireChatRoomLastOwner.
				update = slices.DeleteFunc(slices.Clone(lists), func(l roomList) bool { return l.wrapper == "owners" })
			}
			status, body = e.timedRoomCall(t, "PUT", "/chatrooms/"+name, f,
				roomBodyWith(f, name, map[string]string{"persistent": "true", "description": `"changed"`}, update, shape))
			if status != http.StatusOK {
				t.Errorf("%s: update answered %d %s", shape.name, status, body)
				continue
			}
			r = e.getRoom(f, name, "")
			if r.Description != "changed" {
				t.Errorf("%s: description after update = %q", shape.name, r.Description)
			}
			for _, l := range lists {
				want := shape.given(l)
				if len(update) < len(lists) && l.wrapper == "owners" {
					want = nil // left out
				}
				if want == nil {
					switch l.wrapper {
					case "admins", "members", "outcasts":
						want = []string{}
					default:
						want = l.before
					}
				}
				if got := listOf(r, l.wrapper); !slices.Equal(sortedCopy(got), sortedCopy(want)) {
					t.Errorf("%s: updated room's %s = %v, want %v", shape.name, l.wrapper, got, want)
				}
			}
		}
	})
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// issueUpdateBody is the update a widely used Openfire client sends to
// change a room's description: every list wrapped with null inside.
const issueUpdateBody = `{"roomName":"%s","description":"changed","owners":{"owner":null},"admins":{"admin":null},
 "members":{"member":null},"outcasts":{"outcast":null},"broadcastPresenceRoles":{"broadcastPresenceRole":null}}`

// mucClient administers rooms over the link as the operations do.
func (e *env) mucClient() *muc.Client { return muc.New(e.D.Link, e.D.Adhoc) }

// userRoom has a user create a room of their own (join, accept the default
// configuration): the user is its only owner, the component administers it
// with its service rights. The client stays in the room, so that a
// temporary room lives on.
func userRoom(t *testing.T, e *env, owner jid.JID, password, name string) jid.JID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := e.client(owner, password)
	room, _ := jid.Parse(name + "@" + e.Server.MUCService)
	joinRoom(t, c, room.String(), owner.Localpart())
	reply, err := c.IQ(ctx, `<iq type='set' to='`+room.String()+`'><query xmlns='`+muc.NSOwner+`'><x xmlns='jabber:x:data' type='submit'>`+
		`<field var='FORM_TYPE'><value>`+muc.NSRoomConfig+`</value></field><field var='muc#roomconfig_persistentroom'><value>1</value></field></x></query></iq>`)
	if err != nil || strings.Contains(reply, `type="error"`) {
		t.Fatalf("%s could not configure %s: %v %s", owner, room, err, reply)
	}
	owners, err := e.mucClient().Affiliations(ctx, room, muc.Owner)
	if err != nil || !slices.Equal(owners, []string{owner.String()}) {
		t.Fatalf("owners of %s: %v %v", room, owners, err)
	}
	return room
}

// TestOpenfireChatRoomUpdateOnlyDescription sends the update clients make
// to change one setting: it succeeds on both servers and the owners stay,
// also in a room a user made, where the component is not an owner
// (ejabberd refused to take away its last owner: "Changing role/affiliation
// is not allowed").
func TestOpenfireChatRoomUpdateOnlyDescription(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice := e.account("alice", "pw")
		for _, byUser := range []bool{false, true} {
			name := fmt.Sprintf("desc-%v", byUser)
			if byUser {
				userRoom(t, e, alice, "pw", name)
				status, body := e.of("POST", "/chatrooms/"+name+"/admins/carol@elsewhere.example", fmtJSON, "")
				wantStatus(t, "add an admin to "+name, status, body, http.StatusCreated)
			} else {
				status, body := e.of("POST", "/chatrooms", fmtJSON, `{"roomName":"`+name+`","persistent":true,"owners":["`+alice.String()+`"],"admins":["carol@elsewhere.example"]}`)
				wantStatus(t, "create "+name, status, body, http.StatusCreated)
			}
			status, body := e.timedRoomCall(t, "PUT", "/chatrooms/"+name, fmtJSON, fmt.Sprintf(issueUpdateBody, name))
			wantStatus(t, "update only the description of "+name, status, body, http.StatusOK)
			r := e.getRoom(fmtJSON, name, "")
			if r.Description != "changed" || !slices.Equal(r.Owners, []string{alice.String()}) || len(r.Admins) != 0 {
				t.Errorf("%s after the update: description %q owners %v admins %v", name, r.Description, r.Owners, r.Admins)
			}
		}
	})
}

// TestOpenfireChatRoomLastOwner: removing a room's last owner is refused
// with a message that says so: by the servers when the component gives up
// its own last ownership (a refusal on the server's rules, told apart from
// a missing right), and over the API before anything is sent (both servers
// let a service admin remove another last owner); the room is left as it
// was.
func TestOpenfireChatRoomLastOwner(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice := e.account("alice", "pw")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		// The servers' rules: the component may not give up its own
		// ownership, and when it is the room's only owner, the message
		// says the room needs one.
		status, body := e.of("POST", "/chatrooms", fmtJSON, `{"roomName":"solo","persistent":true}`)
		wantStatus(t, "create solo", status, body, http.StatusCreated)
		solo, _ := jid.Parse("solo@" + e.Server.MUCService)
		err := e.mucClient().SetAffiliation(ctx, solo, e.D.Link.Domain(), muc.None, "")
		if !errors.Is(err, muc.ErrLastOwner) || !fault.Is(err, fault.Refused) || !strings.Contains(fault.Message(err), "needs at least one owner") ||
			strings.Contains(fault.Message(err), "access_admin") {
			t.Errorf("the server's refusal of the last owner's removal: kind %v, %v", fault.KindOf(err), err)
		}
		status, body = e.of("POST", "/chatrooms/solo/owners/"+alice.String(), fmtJSON, "")
		wantStatus(t, "add an owner to solo", status, body, http.StatusCreated)
		err = e.mucClient().SetAffiliation(ctx, solo, e.D.Link.Domain(), muc.None, "")
		if !fault.Is(err, fault.Refused) || errors.Is(err, muc.ErrLastOwner) || !strings.Contains(fault.Message(err), "not a missing right") {
			t.Errorf("the server's refusal of the component's own affiliation change: kind %v, %v", fault.KindOf(err), err)
		}

		// Over the API, on both servers: alice is the last owner.
		for _, f := range wireFormats {
			name := "last-" + f.name()
			userRoom(t, e, alice, "pw", name)
			cases := []struct{ what, method, path, body string }{
				{"delete the last owner", "DELETE", "/chatrooms/" + name + "/owners/" + alice.String(), ""},
				{"replace the owners with none", "PUT", "/chatrooms/" + name + "/owners", map[wireFormat]string{fmtJSON: `[]`, fmtXML: `<owners/>`}[f]},
			}
			if f == fmtJSON {
				// XML has no explicit empty list in a room entity (an
				// empty element is "not given": the owners are kept).
				cases = append(cases, struct{ what, method, path, body string }{"update that removes the last owner", "PUT", "/chatrooms/" + name,
					`{"roomName":"` + name + `","description":"changed","owners":[]}`})
			}
			for _, c := range cases {
				status, body := e.timedRoomCall(t, c.method, c.path, f, c.body)
				got := wantError(t, f, c.what, status, body, http.StatusConflict, "NotAllowedException")
				if !strings.Contains(got.Message, "needs at least one owner") || !strings.Contains(got.Message, alice.String()) ||
					strings.Contains(got.Message, "access_admin") {
					t.Errorf("%s (%s): message %q", c.what, f.name(), got.Message)
				}
			}
			r := e.getRoom(f, name, "")
			if !slices.Equal(r.Owners, []string{alice.String()}) || r.Description != "" || len(r.Members) != 0 {
				t.Errorf("%s after the refusals: owners %v members %v description %q", name, r.Owners, r.Members, r.Description)
			}
		}
	})
}

// TestOpenfireChatRoomFailedUpdateRestored makes an update fail at its
// last step (the component cannot record it): the configuration and the
// affiliations already changed on the server are set back, and the answer
// says nothing was changed.
func TestOpenfireChatRoomFailedUpdateRestored(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
		status, body := e.of("POST", "/chatrooms", fmtJSON, `{"roomName":"keep","naturalName":"Before","description":"before","persistent":true,
			"moderated":false,"broadcastPresenceRoles":["moderator"],"owners":["`+alice.String()+`"],"members":["`+bob.String()+`"]}`)
		wantStatus(t, "create", status, body, http.StatusCreated)
		before := e.getRoom(fmtJSON, "keep", "")

		db, err := sql.Open("sqlite3", "file:"+e.Cfg.Store.Path+"?"+url.Values{"_busy_timeout": {"5000"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE TRIGGER refuse_room_writes BEFORE INSERT ON chat_rooms BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`); err != nil {
			t.Fatal(err)
		}
		status, body = e.timedRoomCall(t, "PUT", "/chatrooms/keep", fmtJSON, `{"roomName":"keep","naturalName":"After","description":"after","persistent":true,
			"moderated":true,"broadcastPresenceRoles":["participant","visitor"],"owners":["`+carol.String()+`"],"admins":["`+bob.String()+`"],"members":["m@elsewhere.example"]}`)
		got := wantError(t, fmtJSON, "update that cannot be recorded", status, body, http.StatusServiceUnavailable, "")
		if !strings.Contains(got.Message, "nothing was changed") {
			t.Errorf("the failure does not say what became of the room: %q", got.Message)
		}
		if _, err := db.Exec(`DROP TRIGGER refuse_room_writes`); err != nil {
			t.Fatal(err)
		}
		after := e.getRoom(fmtJSON, "keep", "")
		if after.NaturalName != before.NaturalName || after.Description != before.Description || after.Moderated != before.Moderated ||
			after.Persistent != before.Persistent || !slices.Equal(after.BroadcastPresenceRoles, before.BroadcastPresenceRoles) ||
			!slices.Equal(after.Owners, before.Owners) || !slices.Equal(after.Admins, before.Admins) || !slices.Equal(after.Members, before.Members) ||
			!after.ModificationDate.Equal(before.ModificationDate.Time) {
			t.Errorf("room after the failed update:\n%+v\nbefore:\n%+v", after, before)
		}
	})
}

// TestChatRoomCallerScope: the room operations check once that the caller
// may administer the host of the room's chat service.
func TestChatRoomCallerScope(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		host := e.Server.Hosts[0]
		status, body := e.of("POST", "/chatrooms", fmtJSON, `{"roomName":"scoped","persistent":true,"description":"before"}`)
		wantStatus(t, "create", status, body, http.StatusCreated)

		ownHost := ops.Actor{Name: "host admin", Role: ops.RoleHostAdmin, Host: host}
		if _, err := e.D.Ops.ChatRoom(ctx, ownHost, "", "scoped", false); err != nil {
			t.Errorf("an admin of %s reading its room: %v", host, err)
		}
		if svcs, err := e.D.Ops.ChatServices(ctx, ownHost); err != nil || len(svcs) != 1 {
			t.Errorf("an admin of %s listing its chat services: %v %v", host, svcs, err)
		}
		for _, a := range []ops.Actor{
			{Name: "other host admin", Role: ops.RoleHostAdmin, Host: "other.example"},
			{Name: "user", Role: ops.RoleUser, User: e.user("alice")},
			{Name: "no role"},
		} {
			if _, err := e.D.Ops.ChatRoom(ctx, a, "", "scoped", false); !fault.Is(err, fault.Denied) {
				t.Errorf("%s reading the room: %v, want Denied", a.Name, err)
			}
			desc := "changed by " + a.Name
			if _, err := e.D.Ops.UpdateChatRoom(ctx, a, "", "scoped", ops.RoomChange{Settings: muc.Settings{Description: &desc}}, false); !fault.Is(err, fault.Denied) {
				t.Errorf("%s updating the room: %v, want Denied", a.Name, err)
			}
			if _, err := e.D.Ops.CreateChatRoom(ctx, a, "", ops.RoomChange{Name: "not-" + strings.ReplaceAll(a.Name, " ", "-")}, false); !fault.Is(err, fault.Denied) {
				t.Errorf("%s creating a room: %v, want Denied", a.Name, err)
			}
			if err := e.D.Ops.DeleteChatRoom(ctx, a, "", "scoped"); !fault.Is(err, fault.Denied) {
				t.Errorf("%s deleting the room: %v, want Denied", a.Name, err)
			}
			if svcs, err := e.D.Ops.ChatServices(ctx, a); !fault.Is(err, fault.Denied) {
				t.Errorf("%s listing chat services: %v %v, want Denied", a.Name, svcs, err)
			}
		}
		if r := e.getRoom(fmtJSON, "scoped", ""); r.Description != "before" {
			t.Errorf("the refused callers changed the room: %+v", r)
		}
	})
}
