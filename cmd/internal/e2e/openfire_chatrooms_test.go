package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	c2s "xmpprest/component/c2s/c2stest"
	"xmpprest/component/muc"
	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// ofRoom is a chat room as the Openfire API answers it.
type ofRoom struct {
	RoomName                  string   `xml:"roomName" json:"roomName"`
	NaturalName               string   `xml:"naturalName" json:"naturalName"`
	Description               string   `xml:"description" json:"description"`
	Password                  string   `xml:"password" json:"password"`
	Subject                   string   `xml:"subject" json:"subject"`
	CreationDate              ofDate   `xml:"creationDate" json:"creationDate"`
	ModificationDate          ofDate   `xml:"modificationDate" json:"modificationDate"`
	MaxUsers                  int      `xml:"maxUsers" json:"maxUsers"`
	Persistent                bool     `xml:"persistent" json:"persistent"`
	PublicRoom                bool     `xml:"publicRoom" json:"publicRoom"`
	RegistrationEnabled       bool     `xml:"registrationEnabled" json:"registrationEnabled"`
	CanAnyoneDiscoverJID      bool     `xml:"canAnyoneDiscoverJID" json:"canAnyoneDiscoverJID"`
	CanOccupantsChangeSubject bool     `xml:"canOccupantsChangeSubject" json:"canOccupantsChangeSubject"`
	CanOccupantsInvite        bool     `xml:"canOccupantsInvite" json:"canOccupantsInvite"`
	CanChangeNickname         bool     `xml:"canChangeNickname" json:"canChangeNickname"`
	LogEnabled                bool     `xml:"logEnabled" json:"logEnabled"`
	LoginRestrictedToNickname bool     `xml:"loginRestrictedToNickname" json:"loginRestrictedToNickname"`
	MembersOnly               bool     `xml:"membersOnly" json:"membersOnly"`
	Moderated                 bool     `xml:"moderated" json:"moderated"`
	AllowPM                   string   `xml:"allowPM" json:"allowPM"`
	BroadcastPresenceRoles    []string `xml:"broadcastPresenceRoles>broadcastPresenceRole" json:"broadcastPresenceRoles"`
	Owners                    []string `xml:"owners>owner" json:"owners"`
	Admins                    []string `xml:"admins>admin" json:"admins"`
	Members                   []string `xml:"members>member" json:"members"`
	Outcasts                  []string `xml:"outcasts>outcast" json:"outcasts"`
	OwnerGroups               []string `xml:"ownerGroups>ownerGroup" json:"ownerGroups"`
	AdminGroups               []string `xml:"adminGroups>adminGroup" json:"adminGroups"`
	MemberGroups              []string `xml:"memberGroups>memberGroup" json:"memberGroups"`
	OutcastGroups             []string `xml:"outcastGroups>outcastGroup" json:"outcastGroups"`
}

// ofDate reads a date: ISO-8601 in XML, epoch milliseconds in JSON.
type ofDate struct{ time.Time }

func (d *ofDate) UnmarshalJSON(b []byte) error {
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("date %s is not epoch milliseconds", b)
	}
	d.Time = time.UnixMilli(ms)
	return nil
}

func (d *ofDate) UnmarshalText(b []byte) error {
	t, err := time.Parse("2006-01-02T15:04:05.000-07:00", string(b))
	d.Time = t
	return err
}

type ofRooms struct {
	Rooms []ofRoom `xml:"chatRoom" json:"chatRooms"`
}

// roomPayload is a room entity to send, in either format.
type roomPayload struct {
	fields [][2]string // name, value, in entity order
	lists  [][3]string // wrapper, element, comma-separated values
}

func (p roomPayload) body(f wireFormat) string {
	if f == fmtJSON {
		m := map[string]any{}
		for _, kv := range p.fields {
			m[kv[0]] = kv[1]
		}
		for _, l := range p.lists {
			vs := []string{}
			if l[2] != "" {
				vs = strings.Split(l[2], ",")
			}
			m[l[0]] = vs
		}
		return jsonOf(m)
	}
	var b strings.Builder
	b.WriteString("<chatRoom>")
	for _, kv := range p.fields {
		fmt.Fprintf(&b, "<%s>%s</%s>", kv[0], xmlEsc(kv[1]), kv[0])
	}
	for _, l := range p.lists {
		fmt.Fprintf(&b, "<%s>", l[0])
		if l[2] != "" {
			for _, v := range strings.Split(l[2], ",") {
				fmt.Fprintf(&b, "<%s>%s</%s>", l[1], xmlEsc(v), l[1])
			}
		}
		fmt.Fprintf(&b, "</%s>", l[0])
	}
	b.WriteString("</chatRoom>")
	return b.String()
}

// ofFull calls the Openfire API in format f and returns the headers too.
func (e *env) ofFull(method, path string, f wireFormat, body string) (int, http.Header, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.URL+ofPrefix+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", apiSecret)
	req.Header.Set("Accept", string(f))
	if body != "" {
		req.Header.Set("Content-Type", string(f))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// getRoom fetches a room and decodes it.
func (e *env) getRoom(f wireFormat, name, query string) ofRoom {
	e.t.Helper()
	status, body := e.of("GET", "/chatrooms/"+name+query, f, "")
	wantStatus(e.t, "GET room "+name, status, body, http.StatusOK)
	var r ofRoom
	decodeAs(e.t, f, body, &r)
	return r
}

// affiliated fetches an affiliation list.
func (e *env) affiliated(f wireFormat, room, aff string) []string {
	e.t.Helper()
	status, body := e.of("GET", "/chatrooms/"+room+"/"+aff, f, "")
	wantStatus(e.t, "GET "+aff+" of "+room, status, body, http.StatusOK)
	if f == fmtJSON {
		var m map[string][]string
		decodeAs(e.t, f, body, &m)
		return m[aff]
	}
	var l struct {
		XMLName xml.Name
		Items   []string `xml:",any"`
	}
	decodeAs(e.t, f, body, &l)
	if l.XMLName.Local != aff {
		e.t.Errorf("affiliation list root <%s>, want <%s>", l.XMLName.Local, aff)
	}
	return l.Items
}

// joinRoom makes a c2s client enter a room and waits for its own presence.
func joinRoom(t *testing.T, c *c2s.Client, room, nick string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SendRaw(ctx, `<presence to='`+room+`/`+nick+`'><x xmlns='`+muc.NSMUC+`'/></presence>`); err != nil {
		t.Fatal(err)
	}
	p, err := c.WaitPresence(ctx, func(p c2s.Presence) bool { return p.From == room+"/"+nick })
	if err != nil || p.Type == "error" {
		t.Fatalf("%s could not enter %s: %v %s", c.JID(), room, err, p.Raw)
	}
}

func waitMessage(t *testing.T, c *c2s.Client, what string, match func(c2s.Message) bool) c2s.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := c.WaitMessage(ctx, match)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return m
}

// TestOpenfireChatRoomLifecycle creates a room with every field, reads
// them back, updates it (the subject reaches an occupant), lists, deletes
// and re-creates it, in XML and in JSON, on both servers.
func TestOpenfireChatRoomLifecycle(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice := e.account("alice", "pw-alice")
		bob := e.account("bob", "pw-bob")
		aliceC := e.client(alice, "pw-alice")
		ctx := context.Background()
		if err := aliceC.SendPresence(ctx); err != nil {
			t.Fatal(err)
		}
		service := e.Server.MUCService

		for _, f := range wireFormats {
			name := "lobby-" + f.name()
			roomJID := name + "@" + service
			full := roomPayload{
				fields: [][2]string{
					{"roomName", name}, {"naturalName", "The Lobby " + f.name()}, {"description", "Where it <starts>"},
					{"password", ""}, {"subject", "First subject"},
					{"creationDate", "2014-02-12T15:52:37.592+01:00"}, {"modificationDate", "2014-09-12T15:35:54.702+02:00"},
					{"maxUsers", "0"}, {"persistent", "true"}, {"publicRoom", "true"}, {"registrationEnabled", "false"},
					{"canAnyoneDiscoverJID", "true"}, {"canOccupantsChangeSubject", "true"}, {"canOccupantsInvite", "true"},
					{"canChangeNickname", "true"}, {"logEnabled", "true"}, {"loginRestrictedToNickname", "false"},
					{"membersOnly", "false"}, {"moderated", "false"}, {"allowPM", "anyone"},
				},
				lists: [][3]string{
					{"broadcastPresenceRoles", "broadcastPresenceRole", "moderator,participant,visitor"},
					{"owners", "owner", alice.String()},
					{"admins", "admin", ""},
					{"members", "member", bob.String()},
					{"outcasts", "outcast", "spammer@elsewhere.example"},
				},
			}
			status, hdr, body := e.ofFull("POST", "/chatrooms", f, full.body(f))
			wantStatus(t, "create "+name, status, body, http.StatusCreated)
			warnings := strings.Join(hdr.Values("Warning"), "\n")
			// registrationEnabled=false: Prosody always lets users register.
			if (kind == xmppserver.Prosody) != strings.Contains(warnings, "registrationEnabled") {
				t.Errorf("%s: warnings on create = %q", f.name(), warnings)
			}

			r := e.getRoom(f, name, "")
			created, _ := time.Parse(time.RFC3339, "2014-02-12T15:52:37.592+01:00")
			modified, _ := time.Parse(time.RFC3339, "2014-09-12T15:35:54.702+02:00")
			if r.RoomName != name || r.NaturalName != "The Lobby "+f.name() || r.Description != "Where it <starts>" ||
				r.Subject != "First subject" || !r.CreationDate.Equal(created) || !r.ModificationDate.Equal(modified) ||
				!r.Persistent || !r.PublicRoom || !r.CanAnyoneDiscoverJID || !r.CanOccupantsChangeSubject ||
				!r.CanOccupantsInvite || !r.CanChangeNickname || !r.LogEnabled || r.LoginRestrictedToNickname ||
				r.MembersOnly || r.Moderated || r.AllowPM != "anyone" || r.Password != "" ||
				!slices.Equal(r.BroadcastPresenceRoles, []string{"moderator", "participant", "visitor"}) ||
				!slices.Equal(r.Owners, []string{alice.String()}) || len(r.Admins) != 0 ||
				!slices.Equal(r.Members, []string{bob.String()}) || !slices.Equal(r.Outcasts, []string{"spammer@elsewhere.example"}) {
				t.Errorf("%s: room read back = %+v", f.name(), r)
			}
			if r.RegistrationEnabled != (kind == xmppserver.Prosody) {
				t.Errorf("%s: registrationEnabled = %v", f.name(), r.RegistrationEnabled)
			}
			// maxUsers 0 is "no limit": Prosody has none; ejabberd applies
			// its service maximum (200).
			if want := map[xmppserver.Kind]int{xmppserver.Prosody: 0, xmppserver.Ejabberd: 200}[kind]; r.MaxUsers != want {
				t.Errorf("%s: maxUsers = %d, want %d", f.name(), r.MaxUsers, want)
			}
			status, hdr, _ = e.ofFull("GET", "/chatrooms/"+name, f, "")
			fixed := hdr.Get("X-Xmpprest-Fixed-Settings")
			if status != 200 || !strings.Contains(fixed, "canChangeNickname") || !strings.Contains(fixed, "loginRestrictedToNickname") ||
				(kind == xmppserver.Prosody) != strings.Contains(fixed, "allowPM") {
				t.Errorf("%s: fixed settings header = %q", f.name(), fixed)
			}

			status, body = e.of("POST", "/chatrooms", f, full.body(f))
			wantError(t, f, "create it again", status, body, http.StatusConflict, "")

			// An occupant gets the new subject of an update.
			joinRoom(t, aliceC, roomJID, "alice-"+f.name())
			update := full
			// Without a modificationDate the update's time is recorded.
			update.fields = slices.DeleteFunc(slices.Clone(full.fields), func(kv [2]string) bool { return kv[0] == "modificationDate" })
			for i := range update.fields {
				switch update.fields[i][0] {
				case "naturalName":
					update.fields[i][1] = "Renamed " + f.name()
				case "subject":
					update.fields[i][1] = "Second subject " + f.name()
				case "moderated":
					update.fields[i][1] = "true"
				case "password":
					update.fields[i][1] = "s3cret"
				case "maxUsers":
					update.fields[i][1] = "30"
				}
			}
			update.lists = slices.Clone(full.lists)
			update.lists[3] = [3]string{"members", "member", ""}
			update.lists[2] = [3]string{"admins", "admin", bob.String()}
			status, hdr, body = e.ofFull("PUT", "/chatrooms/"+name, f, update.body(f))
			wantStatus(t, "update "+name, status, body, http.StatusOK)
			waitMessage(t, aliceC, "the subject change reaches the occupant", func(m c2s.Message) bool {
				return m.Subject == "Second subject "+f.name() && strings.HasPrefix(m.From, roomJID+"/")
			})
			r = e.getRoom(f, name, "")
			if r.NaturalName != "Renamed "+f.name() || r.Subject != "Second subject "+f.name() || !r.Moderated ||
				r.Password != "s3cret" || !slices.Equal(r.Admins, []string{bob.String()}) || len(r.Members) != 0 ||
				!r.ModificationDate.After(modified) || !r.CreationDate.Equal(created) {
				t.Errorf("%s: room after update = %+v", f.name(), r)
			}
			maxUsersWarned := strings.Contains(strings.Join(hdr.Values("Warning"), "\n"), "maxUsers")
			if kind == xmppserver.Ejabberd && r.MaxUsers != 30 || kind == xmppserver.Prosody && !maxUsersWarned {
				t.Errorf("%s: maxUsers=30 gave %d (warned: %v)", f.name(), r.MaxUsers, maxUsersWarned)
			}
			status, body = e.of("PUT", "/chatrooms/"+name, f, roomPayload{fields: [][2]string{{"roomName", "other"}}}.body(f))
			wantError(t, f, "update with another roomName", status, body, http.StatusBadRequest, "")
			status, body = e.of("PUT", "/chatrooms/"+name, f, roomPayload{fields: [][2]string{{"roomName", name}, {"allowPM", "everybody"}}}.body(f))
			wantError(t, f, "update with a bad allowPM", status, body, http.StatusBadRequest, "")

			// Listing: the public room, by search.
			status, body = e.of("GET", "/chatrooms?search=lobby-"+f.name(), f, "")
			wantStatus(t, "list rooms", status, body, http.StatusOK)
			var rooms ofRooms
			decodeAs(t, f, body, &rooms)
			if len(rooms.Rooms) != 1 || rooms.Rooms[0].RoomName != name {
				t.Errorf("%s: rooms found = %+v", f.name(), rooms.Rooms)
			}

			// Delete; a second delete and a read are 404; the name can be
			// used again at once (Prosody's tombstone is removed).
			status, body = e.of("DELETE", "/chatrooms/"+name, f, "")
			wantStatus(t, "delete "+name, status, body, http.StatusOK)
			status, body = e.of("GET", "/chatrooms/"+name, f, "")
			wantError(t, f, "read a deleted room", status, body, http.StatusNotFound, "RoomNotFoundException")
			status, body = e.of("DELETE", "/chatrooms/"+name, f, "")
			wantError(t, f, "delete a deleted room", status, body, http.StatusNotFound, "RoomNotFoundException")
			status, body = e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{{"roomName", name}, {"persistent", "true"}}}.body(f))
			wantStatus(t, "re-create "+name, status, body, http.StatusCreated)
			if r := e.getRoom(f, name, ""); r.Subject != "" || len(r.Admins) != 0 || r.NaturalName != "" {
				t.Errorf("%s: the re-created room kept something of the old one: %+v", f.name(), r)
			}
		}
	})
}

// TestOpenfireChatRoomAffiliations sets, replaces and removes
// affiliations, of users and of a group kept in step with the group.
func TestOpenfireChatRoomAffiliations(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice := e.account("alice", "pw")
		bob := e.account("bob", "pw")
		carol := e.account("carol", "pw")
		dave := e.account("dave", "pw")
		erin := e.account("erin", "pw")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		actor := ops.ServiceAdmin("test")
		if err := e.D.Ops.CreateGroup(ctx, actor, ops.Group{Name: "staff", Members: []string{dave.String()}}); err != nil {
			t.Fatalf("create group: %v", err)
		}

		for _, f := range wireFormats {
			name := "aff-" + f.name()
			status, body := e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{{"roomName", name}, {"persistent", "true"}}}.body(f))
			wantStatus(t, "create", status, body, http.StatusCreated)

			status, body = e.of("POST", "/chatrooms/"+name+"/admins/bob", f, "")
			wantStatus(t, "add admin by username", status, body, http.StatusCreated)
			status, body = e.of("POST", "/chatrooms/"+name+"/owners/"+alice.String(), f, "")
			wantStatus(t, "add owner by JID", status, body, http.StatusCreated)
			if got := e.affiliated(f, name, "admins"); !slices.Equal(got, []string{bob.String()}) {
				t.Errorf("%s: admins = %v", f.name(), got)
			}
			if got := e.affiliated(f, name, "owners"); !slices.Equal(got, []string{alice.String()}) {
				t.Errorf("%s: owners = %v (the component must not be listed)", f.name(), got)
			}

			// Replace all members (PUT): bob stops being an admin.
			members := fmt.Sprintf("<members><member>%s</member><member>%s</member></members>", bob, carol)
			if f == fmtJSON {
				members = jsonOf(map[string][]string{"members": {bob.String(), carol.String()}})
			}
			status, body = e.of("PUT", "/chatrooms/"+name+"/members", f, members)
			wantStatus(t, "replace members", status, body, http.StatusCreated)
			if got := e.affiliated(f, name, "members"); !slices.Equal(got, []string{bob.String(), carol.String()}) {
				t.Errorf("%s: members = %v", f.name(), got)
			}
			if got := e.affiliated(f, name, "admins"); len(got) != 0 {
				t.Errorf("%s: admins after bob became a member = %v", f.name(), got)
			}
			status, body = e.of("PUT", "/chatrooms/"+name+"/members", f, strings.ReplaceAll(members, bob.String(), carol.String()))
			wantStatus(t, "replace members again", status, body, http.StatusCreated)
			if got := e.affiliated(f, name, "members"); !slices.Equal(got, []string{carol.String()}) {
				t.Errorf("%s: members after replacement = %v", f.name(), got)
			}

			// POST a list: these are added, the others stay.
			outcasts := fmt.Sprintf("<outcasts><outcast>%s</outcast><outcast>x@elsewhere.example</outcast></outcasts>", erin)
			if f == fmtJSON {
				outcasts = jsonOf(map[string][]string{"outcasts": {erin.String(), "x@elsewhere.example"}})
			}
			status, body = e.of("POST", "/chatrooms/"+name+"/outcasts", f, outcasts)
			wantStatus(t, "add outcasts", status, body, http.StatusCreated)
			if got := e.affiliated(f, name, "outcasts"); !slices.Equal(got, []string{erin.String(), "x@elsewhere.example"}) {
				t.Errorf("%s: outcasts = %v", f.name(), got)
			}
			if got := e.affiliated(f, name, "members"); !slices.Equal(got, []string{carol.String()}) {
				t.Errorf("%s: members after adding outcasts = %v", f.name(), got)
			}
			status, body = e.of("PUT", "/chatrooms/"+name+"/outcasts", f, strings.ReplaceAll(outcasts, erin.String()+"", "y@elsewhere.example"))
			wantStatus(t, "replace outcasts", status, body, http.StatusCreated)
			if got := e.affiliated(f, name, "outcasts"); !slices.Equal(got, []string{"x@elsewhere.example", "y@elsewhere.example"}) {
				t.Errorf("%s: outcasts after replacement = %v", f.name(), got)
			}

			status, body = e.of("DELETE", "/chatrooms/"+name+"/members/carol", f, "")
			wantStatus(t, "remove member", status, body, http.StatusOK)
			status, body = e.of("DELETE", "/chatrooms/"+name+"/members/carol", f, "")
			wantError(t, f, "remove a member twice", status, body, http.StatusNotFound, "")
			status, body = e.of("POST", "/chatrooms/"+name+"/visitors/carol", f, "")
			wantError(t, f, "an affiliation that does not exist", status, body, http.StatusBadRequest, "")
			status, body = e.of("POST", "/chatrooms/"+name+"/members/not%20a%20user", f, "")
			wantError(t, f, "an invalid username", status, body, http.StatusBadRequest, "")
			status, body = e.of("POST", "/chatrooms/nosuchroom/members/carol", f, "")
			wantError(t, f, "a missing room", status, body, http.StatusNotFound, "RoomNotFoundException")

			// A group: its members get the affiliation and keep it in step.
			status, body = e.of("POST", "/chatrooms/"+name+"/members/group/staff", f, "")
			wantStatus(t, "add group", status, body, http.StatusCreated)
			status, body = e.of("POST", "/chatrooms/"+name+"/members/group/nosuchgroup", f, "")
			wantError(t, f, "a missing group", status, body, http.StatusNotFound, "GroupNotFoundException")
			r := e.getRoom(f, name, "")
			if !slices.Equal(r.MemberGroups, []string{"staff"}) || slices.Contains(r.Members, dave.String()) {
				t.Errorf("%s: room with a group = members %v memberGroups %v", f.name(), r.Members, r.MemberGroups)
			}
			if r := e.getRoom(f, name, "?expandGroups=true"); !slices.Contains(r.Members, dave.String()) {
				t.Errorf("%s: expanded members = %v", f.name(), r.Members)
			}
			if got := e.affiliated(f, name, "members"); !slices.Equal(got, []string{dave.String()}) {
				t.Errorf("%s: members on the server = %v", f.name(), got)
			}
		}

		// The group changes: the rooms follow.
		if err := e.D.Ops.AddUserToGroups(ctx, actor, "erin", []string{"staff"}); err != nil {
			t.Fatalf("add erin to staff: %v", err)
		}
		if err := e.D.Ops.RemoveUserFromGroups(ctx, actor, "dave", []string{"staff"}); err != nil {
			t.Fatalf("remove dave from staff: %v", err)
		}
		for _, f := range wireFormats {
			if got := e.affiliated(f, "aff-"+f.name(), "members"); !slices.Equal(got, []string{erin.String()}) {
				t.Errorf("%s: members after the group changed = %v, want erin only", f.name(), got)
			}
		}
		if err := e.D.Ops.DeleteGroup(ctx, actor, "", "staff"); err != nil {
			t.Fatalf("delete group: %v", err)
		}
		for _, f := range wireFormats {
			name := "aff-" + f.name()
			if got := e.affiliated(f, name, "members"); len(got) != 0 {
				t.Errorf("%s: members after the group was deleted = %v", f.name(), got)
			}
			if r := e.getRoom(f, name, ""); len(r.MemberGroups) != 0 {
				t.Errorf("%s: memberGroups after the group was deleted = %v", f.name(), r.MemberGroups)
			}
		}
	})
}

// TestOpenfireChatRoomOccupantsInvitesHistory invites a logged-in user,
// lists occupants with a user inside and reads back what was said.
func TestOpenfireChatRoomOccupantsInvitesHistory(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		alice := e.account("alice", "pw")
		bob := e.account("bob", "pw")
		aliceC := e.client(alice, "pw")
		bobC := e.client(bob, "pw")
		ctx := context.Background()
		for _, c := range []*c2s.Client{aliceC, bobC} {
			if err := c.SendPresence(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.D.Ops.CreateGroup(ctx, ops.ServiceAdmin("test"), ops.Group{Name: "team", Members: []string{bob.String()}}); err != nil {
			t.Fatal(err)
		}
		for _, f := range wireFormats {
			name := "talk-" + f.name()
			roomJID := name + "@" + e.Server.MUCService
			status, body := e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{
				{"roomName", name}, {"persistent", "true"}, {"logEnabled", "true"}}}.body(f))
			wantStatus(t, "create", status, body, http.StatusCreated)

			// sendInvitations: the users given an affiliation are invited.
			welcome := "welcome-" + f.name()
			status, body = e.of("POST", "/chatrooms?sendInvitations=true", f, roomPayload{
				fields: [][2]string{{"roomName", welcome}, {"persistent", "true"}},
				lists:  [][3]string{{"members", "member", alice.String()}}}.body(f))
			wantStatus(t, "create with invitations", status, body, http.StatusCreated)
			waitMessage(t, aliceC, "alice's invitation to the new room", func(m c2s.Message) bool {
				return m.From == welcome+"@"+e.Server.MUCService && strings.Contains(m.Raw, muc.NSUser)
			})

			reason := "Come to " + f.name()
			inv := `<mucInvitation><reason>` + reason + `</reason></mucInvitation>`
			if f == fmtJSON {
				inv = jsonOf(map[string]string{"reason": reason})
			}
			status, body = e.of("POST", "/chatrooms/"+name+"/invite/alice", f, inv)
			wantStatus(t, "invite alice", status, body, http.StatusOK)
			waitMessage(t, aliceC, "alice's invitation", func(m c2s.Message) bool {
				return m.From == roomJID && strings.Contains(m.Raw, muc.NSUser) && strings.Contains(m.Raw, reason)
			})
			many := `<mucInvitation><reason>all of you</reason><jidsToInvite><jid>team</jid></jidsToInvite></mucInvitation>`
			if f == fmtJSON {
				many = jsonOf(map[string]any{"reason": "all of you", "jidsToInvite": []string{"team"}})
			}
			status, body = e.of("POST", "/chatrooms/"+name+"/invite", f, many)
			wantStatus(t, "invite a group", status, body, http.StatusOK)
			waitMessage(t, bobC, "bob's invitation through his group", func(m c2s.Message) bool {
				return m.From == roomJID && strings.Contains(m.Raw, "all of you")
			})
			status, body = e.of("POST", "/chatrooms/nosuchroom/invite/alice", f, inv)
			wantError(t, f, "invite to a missing room", status, body, http.StatusNotFound, "RoomNotFoundException")

			// alice enters: she is an occupant and a participant.
			joinRoom(t, aliceC, roomJID, "alice")
			status, body = e.of("GET", "/chatrooms/"+name+"/occupants", f, "")
			wantStatus(t, "occupants", status, body, http.StatusOK)
			var occ struct {
				Occupants []struct {
					JID         string `xml:"jid" json:"jid"`
					UserAddress string `xml:"userAddress" json:"userAddress"`
					Role        string `xml:"role" json:"role"`
					Affiliation string `xml:"affiliation" json:"affiliation"`
				} `xml:"occupant" json:"occupants"`
			}
			decodeAs(t, f, body, &occ)
			if len(occ.Occupants) != 1 || occ.Occupants[0].JID != roomJID+"/alice" ||
				occ.Occupants[0].UserAddress != aliceC.JID().String() || occ.Occupants[0].Role != "participant" ||
				occ.Occupants[0].Affiliation != "none" {
				t.Errorf("%s: occupants = %s", f.name(), body)
			}
			status, body = e.of("GET", "/chatrooms/"+name+"/participants", f, "")
			wantStatus(t, "participants", status, body, http.StatusOK)
			var parts struct {
				Participants []struct {
					JID  string `xml:"jid" json:"jid"`
					Role string `xml:"role" json:"role"`
				} `xml:"participant" json:"participants"`
			}
			decodeAs(t, f, body, &parts)
			if len(parts.Participants) != 1 || parts.Participants[0].JID != roomJID+"/alice" {
				t.Errorf("%s: participants = %s", f.name(), body)
			}

			// What alice says is in the history.
			said := "hello from alice in " + f.name()
			if err := aliceC.SendRaw(ctx, `<message type='groupchat' to='`+roomJID+`'><body>`+said+`</body></message>`); err != nil {
				t.Fatal(err)
			}
			waitMessage(t, aliceC, "alice's message echoed", func(m c2s.Message) bool { return m.Body == said })
			status, body = e.of("GET", "/chatrooms/"+name+"/chathistory", f, "")
			wantStatus(t, "history", status, body, http.StatusOK)
			var hist struct {
				Messages []struct {
					From       string `xml:"from" json:"from"`
					Type       string `xml:"type" json:"type"`
					Body       string `xml:"body" json:"body"`
					DelayStamp string `xml:"delay_stamp" json:"delay_stamp"`
				} `xml:"message" json:"message"`
			}
			decodeAs(t, f, body, &hist)
			if len(hist.Messages) != 1 || hist.Messages[0].Body != said || hist.Messages[0].From != roomJID+"/alice" ||
				hist.Messages[0].Type != "groupchat" || hist.Messages[0].DelayStamp == "" {
				t.Errorf("%s: history = %s", f.name(), body)
			}
		}
	})
}

// TestOpenfireChatRoomErrors checks the 404, 400 and 501 answers, and bulk
// creation.
func TestOpenfireChatRoomErrors(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		for _, f := range wireFormats {
			status, body := e.of("GET", "/chatservices", f, "")
			wantStatus(t, "chat services", status, body, http.StatusOK)
			var svcs struct {
				Services []struct {
					ServiceName string `xml:"serviceName" json:"serviceName"`
					Description string `xml:"description" json:"description"`
				} `xml:"chatService" json:"chatServices"`
			}
			decodeAs(t, f, body, &svcs)
			if len(svcs.Services) != 1 || svcs.Services[0].ServiceName != "conference" || svcs.Services[0].Description == "" {
				t.Errorf("%s: chat services = %s", f.name(), body)
			}
			status, body = e.of("POST", "/chatservices", f, `<chatService><serviceName>x</serviceName></chatService>`)
			wantError(t, f, "create a chat service", status, body, http.StatusNotImplemented, "")

			status, body = e.of("GET", "/chatrooms/nosuchroom", f, "")
			wantError(t, f, "a missing room", status, body, http.StatusNotFound, "RoomNotFoundException")
			status, body = e.of("GET", "/chatrooms?servicename=nosuchservice", f, "")
			wantError(t, f, "a missing service", status, body, http.StatusNotFound, "MUCServiceNotFoundException")
			status, body = e.of("PUT", "/chatrooms/nosuchroom", f, roomPayload{fields: [][2]string{{"roomName", "nosuchroom"}}}.body(f))
			wantError(t, f, "update a missing room", status, body, http.StatusNotFound, "RoomNotFoundException")
			for _, sub := range []string{"occupants", "participants", "chathistory", "members"} {
				status, body = e.of("GET", "/chatrooms/nosuchroom/"+sub, f, "")
				wantError(t, f, sub+" of a missing room", status, body, http.StatusNotFound, "RoomNotFoundException")
			}
			status, body = e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{{"naturalName", "no name"}}}.body(f))
			wantError(t, f, "a room without roomName", status, body, http.StatusBadRequest, "")
			status, body = e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{{"roomName", "a@b"}}}.body(f))
			wantError(t, f, "an invalid roomName", status, body, http.StatusBadRequest, "")
			status, body = e.of("POST", "/chatrooms", f, "{not a body")
			wantError(t, f, "a broken body", status, body, http.StatusBadRequest, "")
			status, body = e.of("GET", "/chatrooms?type=secret", f, "")
			wantError(t, f, "an unknown type", status, body, http.StatusBadRequest, "")

			// Archiving off: no history to read.
			quiet := "quiet-" + f.name()
			status, body = e.of("POST", "/chatrooms", f, roomPayload{fields: [][2]string{{"roomName", quiet}, {"persistent", "true"}, {"logEnabled", "false"}}}.body(f))
			wantStatus(t, "create a room without archive", status, body, http.StatusCreated)
			status, body = e.of("GET", "/chatrooms/"+quiet+"/chathistory", f, "")
			wantError(t, f, "history of a room without archive", status, body, http.StatusNotImplemented, "")

			// Bulk: two new rooms and one that exists.
			bulk := fmt.Sprintf(`<chatRooms><chatRoom><roomName>bulk1-%[1]s</roomName><persistent>true</persistent></chatRoom>`+
				`<chatRoom><roomName>bulk2-%[1]s</roomName><persistent>true</persistent></chatRoom>`+
				`<chatRoom><roomName>%[2]s</roomName></chatRoom></chatRooms>`, f.name(), quiet)
			if f == fmtJSON {
				bulk = jsonOf(map[string]any{"chatRooms": []map[string]string{
					{"roomName": "bulk1-json", "persistent": "true"}, {"roomName": "bulk2-json", "persistent": "true"}, {"roomName": quiet}}})
			}
			status, body = e.of("POST", "/chatrooms/bulk", f, bulk)
			wantStatus(t, "bulk", status, body, http.StatusOK)
			var res struct {
				Success []struct {
					RoomName   string `xml:"roomName" json:"roomName"`
					ResultType string `xml:"resultType" json:"resultType"`
				} `xml:"success>result" json:"success"`
				Failure []struct {
					RoomName string `xml:"roomName" json:"roomName"`
					Message  string `xml:"message" json:"message"`
				} `xml:"failure>result" json:"failure"`
			}
			decodeAs(t, f, body, &res)
			if len(res.Success) != 2 || res.Success[0].ResultType != "Success" || len(res.Failure) != 1 || res.Failure[0].RoomName != quiet {
				t.Errorf("%s: bulk results = %s", f.name(), body)
			}
			e.getRoom(f, "bulk2-"+f.name(), "")

			// type=all lists hidden rooms, type=public does not.
			status, body = e.of("GET", "/chatrooms?type=all&search=bulk1-"+f.name(), f, "")
			wantStatus(t, "all rooms", status, body, http.StatusOK)
			var rooms ofRooms
			decodeAs(t, f, body, &rooms)
			if len(rooms.Rooms) != 1 || rooms.Rooms[0].PublicRoom {
				t.Errorf("%s: all rooms matching bulk1 = %s", f.name(), body)
			}
			status, body = e.of("GET", "/chatrooms?search=bulk1-"+f.name(), f, "")
			var public ofRooms
			decodeAs(t, f, body, &public)
			if status != 200 || len(public.Rooms) != 0 {
				t.Errorf("%s: public rooms matching bulk1 = %s", f.name(), body)
			}
		}
	})
}
