package openfire

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// intField is a number of a request body: a JSON number or numeric string,
// or an XML element's text.
type intField struct {
	Set   bool
	Value int
}

func (f *intField) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "null" || s == "" {
		*f = intField{}
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[int]()}
	}
	*f = intField{Set: true, Value: v}
	return nil
}

func (f *intField) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*f = intField{}
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fault.New(fault.BadRequest, "expected a whole number, got %q", s)
	}
	*f = intField{Set: true, Value: v}
	return nil
}

// roomIn is a room in a request body (see change for what a field left
// out means). Every list takes the shapes of httpapi.List: absent, null,
// {"owner":null}, {"owner":[]} and an empty XML element mean "not given";
// a single string is a list of one.
type roomIn struct {
	XMLName                   xml.Name           `xml:"chatRoom" json:"-"`
	RoomName                  httpapi.Text       `xml:"roomName" json:"roomName"`
	NaturalName               httpapi.Text       `xml:"naturalName" json:"naturalName"`
	Description               httpapi.Text       `xml:"description" json:"description"`
	Password                  httpapi.Text       `xml:"password" json:"password"`
	Subject                   httpapi.Text       `xml:"subject" json:"subject"`
	CreationDate              *httpapi.Timestamp `xml:"creationDate" json:"creationDate"`
	ModificationDate          *httpapi.Timestamp `xml:"modificationDate" json:"modificationDate"`
	MaxUsers                  intField           `xml:"maxUsers" json:"maxUsers"`
	Persistent                httpapi.Flag       `xml:"persistent" json:"persistent"`
	PublicRoom                httpapi.Flag       `xml:"publicRoom" json:"publicRoom"`
	RegistrationEnabled       httpapi.Flag       `xml:"registrationEnabled" json:"registrationEnabled"`
	CanAnyoneDiscoverJID      httpapi.Flag       `xml:"canAnyoneDiscoverJID" json:"canAnyoneDiscoverJID"`
	CanOccupantsChangeSubject httpapi.Flag       `xml:"canOccupantsChangeSubject" json:"canOccupantsChangeSubject"`
	CanOccupantsInvite        httpapi.Flag       `xml:"canOccupantsInvite" json:"canOccupantsInvite"`
	CanChangeNickname         httpapi.Flag       `xml:"canChangeNickname" json:"canChangeNickname"`
	LogEnabled                httpapi.Flag       `xml:"logEnabled" json:"logEnabled"`
	LoginRestrictedToNickname httpapi.Flag       `xml:"loginRestrictedToNickname" json:"loginRestrictedToNickname"`
	MembersOnly               httpapi.Flag       `xml:"membersOnly" json:"membersOnly"`
	Moderated                 httpapi.Flag       `xml:"moderated" json:"moderated"`
	AllowPM                   httpapi.Text       `xml:"allowPM" json:"allowPM"`
	BroadcastPresenceRoles    httpapi.List       `xml:"broadcastPresenceRoles" json:"broadcastPresenceRoles"`
	Owners                    httpapi.List       `xml:"owners" json:"owners"`
	Admins                    httpapi.List       `xml:"admins" json:"admins"`
	Members                   httpapi.List       `xml:"members" json:"members"`
	Outcasts                  httpapi.List       `xml:"outcasts" json:"outcasts"`
	OwnerGroups               httpapi.List       `xml:"ownerGroups" json:"ownerGroups"`
	AdminGroups               httpapi.List       `xml:"adminGroups" json:"adminGroups"`
	MemberGroups              httpapi.List       `xml:"memberGroups" json:"memberGroups"`
	OutcastGroups             httpapi.List       `xml:"outcastGroups" json:"outcastGroups"`
}

func boolPtr(f httpapi.Flag) *bool { v := f.Value; return &v }

// change turns the entity into the operation's input, with Openfire's
// rule for a room entity: a full replacement of the settings (booleans
// left out are false, texts left out are empty) and of the admins, members
// and outcasts (a list left out is none). The subject, the presence
// broadcast roles and the group lists left out are kept. The owners left
// out are kept too: Openfire makes its server admin the owner of a room
// written without owners; here the room keeps its owners, so a client
// that changes one setting does not take them away (an explicit empty
// list does, unless they are the last).
func (in roomIn) change() ops.RoomChange {
	text := func(t httpapi.Text) *string { v := t.Value; return &v }
	allowPM := "anyone"
	if in.AllowPM.Set && strings.TrimSpace(in.AllowPM.Value) != "" {
		allowPM = strings.TrimSpace(in.AllowPM.Value)
	}
	maxUsers := in.MaxUsers.Value
	c := ops.RoomChange{
		Name: strings.TrimSpace(in.RoomName.Value),
		Settings: muc.Settings{
			NaturalName: text(in.NaturalName), Description: text(in.Description), Password: text(in.Password),
			MaxUsers: &maxUsers, Persistent: boolPtr(in.Persistent), PublicRoom: boolPtr(in.PublicRoom),
			RegistrationEnabled: boolPtr(in.RegistrationEnabled), CanAnyoneDiscoverJID: boolPtr(in.CanAnyoneDiscoverJID),
			CanOccupantsChangeSubject: boolPtr(in.CanOccupantsChangeSubject), CanOccupantsInvite: boolPtr(in.CanOccupantsInvite),
			CanChangeNickname: boolPtr(in.CanChangeNickname), LogEnabled: boolPtr(in.LogEnabled),
			LoginRestrictedToNickname: boolPtr(in.LoginRestrictedToNickname), MembersOnly: boolPtr(in.MembersOnly),
			Moderated: boolPtr(in.Moderated), AllowPM: &allowPM, BroadcastPresenceRoles: in.BroadcastPresenceRoles.Ptr(),
		},
		Subject:  in.Subject.Ptr(),
		Owners:   keptUnlessGiven(in.Owners),
		Admins:   ops.SetList(in.Admins.Values),
		Members:  ops.SetList(in.Members.Values),
		Outcasts: ops.SetList(in.Outcasts.Values),

		OwnerGroups: keptUnlessGiven(in.OwnerGroups), AdminGroups: keptUnlessGiven(in.AdminGroups),
		MemberGroups: keptUnlessGiven(in.MemberGroups), OutcastGroups: keptUnlessGiven(in.OutcastGroups),
	}
	if in.CreationDate != nil && !in.CreationDate.IsZero() {
		c.Created = &in.CreationDate.Time
	}
	if in.ModificationDate != nil && !in.ModificationDate.IsZero() {
		c.Modified = &in.ModificationDate.Time
	}
	return c
}

// keptUnlessGiven sets a list the body gave and keeps one it did not.
func keptUnlessGiven(l httpapi.List) ops.ListChange { return ops.ListChangeOf(l.Values, l.Set) }

// roomsIn is the body of POST /chatrooms/bulk: {"chatRooms":[...]} (or
// {"chatRooms":{"chatRoom":[...]}}), <chatRooms><chatRoom/>...</chatRooms>.
type roomsIn struct {
	XMLName xml.Name `xml:"chatRooms" json:"-"`
	Rooms   []roomIn `xml:"chatRoom" json:"-"`
}

func (in *roomsIn) UnmarshalJSON(b []byte) error {
	var probe struct {
		ChatRooms json.RawMessage `json:"chatRooms"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	raw := strings.TrimSpace(string(probe.ChatRooms))
	switch {
	case raw == "" || raw == "null":
		return fault.New(fault.BadRequest, `the body needs a "chatRooms" list`)
	case strings.HasPrefix(raw, "["):
		return json.Unmarshal(probe.ChatRooms, &in.Rooms)
	}
	var wrap struct {
		ChatRoom json.RawMessage `json:"chatRoom"`
	}
	if err := json.Unmarshal(probe.ChatRooms, &wrap); err != nil {
		return err
	}
	if strings.HasPrefix(strings.TrimSpace(string(wrap.ChatRoom)), "[") {
		return json.Unmarshal(wrap.ChatRoom, &in.Rooms)
	}
	var one roomIn
	if err := json.Unmarshal(wrap.ChatRoom, &one); err != nil {
		return err
	}
	in.Rooms = []roomIn{one}
	return nil
}

// roomResultEntity is the outcome of one room of a bulk creation.
type roomResultEntity struct {
	XMLName    xml.Name `xml:"result" json:"-"`
	RoomName   string   `xml:"roomName" json:"roomName"`
	ResultType string   `xml:"resultType" json:"resultType"`
	Message    string   `xml:"message" json:"message"`
}

type roomResultsEntity struct {
	XMLName xml.Name           `xml:"results" json:"-"`
	Success []roomResultEntity `xml:"success>result" json:"success"`
	Failure []roomResultEntity `xml:"failure>result" json:"failure"`
	Other   []roomResultEntity `xml:"other>result" json:"other"`
}

// warnNotApplied names the settings the server could not apply in Warning
// headers (code 299, RFC 9111 §5.5).
func warnNotApplied(w http.ResponseWriter, skipped []muc.NotApplied) {
	for _, s := range skipped {
		w.Header().Add("Warning", `299 xmpprest "`+strings.ReplaceAll(notApplied(s), `"`, `'`)+`"`)
	}
}

// notApplied says which setting was not applied and why.
func notApplied(s muc.NotApplied) string { return openfireSetting(s.Setting) + ": " + s.Reason }

// roomRequest reads the query parameters and the body of a chat room
// request.
func roomRequest[T any](r *http.Request) (in T, service string, invite bool, err error) {
	if service, invite, err = roomQuery(r); err != nil {
		return in, "", false, err
	}
	err = decode(r, &in)
	return in, service, invite, err
}

func (a *api) createChatRoom(w http.ResponseWriter, r *http.Request) error {
	in, service, invite, err := roomRequest[roomIn](r)
	if err != nil {
		return err
	}
	c := in.change()
	if c.Name == "" {
		return fault.New(fault.BadRequest, "a chat room needs a roomName")
	}
	skipped, err := a.svc.CreateChatRoom(r.Context(), a.actor(r), service, c, invite)
	if err != nil {
		return roomFailed(err, c.Name)
	}
	warnNotApplied(w, skipped)
	created(w)
	return nil
}

func (a *api) createChatRooms(w http.ResponseWriter, r *http.Request) error {
	in, service, invite, err := roomRequest[roomsIn](r)
	if err != nil {
		return err
	}
	if len(in.Rooms) == 0 {
		return fault.New(fault.BadRequest, "the chatRooms list is empty")
	}
	changes := make([]ops.RoomChange, 0, len(in.Rooms))
	for _, rin := range in.Rooms {
		c := rin.change()
		if c.Name == "" {
			return fault.New(fault.BadRequest, "every chat room needs a roomName")
		}
		changes = append(changes, c)
	}
	out := roomResultsEntity{Success: []roomResultEntity{}, Failure: []roomResultEntity{}, Other: []roomResultEntity{}}
	for _, res := range a.svc.CreateChatRooms(r.Context(), a.actor(r), service, changes, invite) {
		if res.Err != nil {
			out.Failure = append(out.Failure, roomResultEntity{RoomName: res.Name, ResultType: "Failure", Message: fault.Message(res.Err)})
			continue
		}
		msg := "Room was successfully created"
		if len(res.NotApplied) > 0 {
			var parts []string
			for _, s := range res.NotApplied {
				parts = append(parts, notApplied(s))
			}
			msg += "; not applied: " + strings.Join(parts, "; ")
		}
		out.Success = append(out.Success, roomResultEntity{RoomName: res.Name, ResultType: "Success", Message: msg})
	}
	a.write(w, r, http.StatusOK, out)
	return nil
}

// errRoomNameDiffers is Openfire's answer to an update whose entity names
// another room than the path.
const errRoomNameDiffers = "Could not update the channel. The room name is different to the entity room name."

func (a *api) updateChatRoom(w http.ResponseWriter, r *http.Request) error {
	name, service, invite, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	var in roomIn
	if err := decode(r, &in); err != nil {
		return err
	}
	c := in.change()
	if c.Name != "" && !strings.EqualFold(c.Name, strings.TrimSpace(name)) {
		return fault.New(fault.BadRequest, errRoomNameDiffers).About(name)
	}
	skipped, err := a.svc.UpdateChatRoom(r.Context(), a.actor(r), service, name, c, invite)
	if err != nil {
		return roomFailed(err, name)
	}
	warnNotApplied(w, skipped)
	ok(w)
	return nil
}

func (a *api) deleteChatRoom(w http.ResponseWriter, r *http.Request) error {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteChatRoom(r.Context(), a.actor(r), service, name); err != nil {
		return roomFailed(err, name)
	}
	ok(w)
	return nil
}
