package openfire

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"xmpprest/httpapi"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/httpapi/ops"
)

// The chat room endpoints. Rooms are the XMPP server's (XEP-0045); a room
// setting the server has no configuration for is named in a Warning header
// (299) of the answer to a create or update, and the settings whose values
// the server fixes are listed in the X-Xmpprest-Fixed-Settings header of a
// room's answer.
func (a *api) routesChatRooms(r *mux.Router) {
	a.handle(r, "/chatservices", a.listChatServices, http.MethodGet)
	a.handle(r, "/chatservices", a.createChatService, http.MethodPost)

	a.handle(r, "/chatrooms", a.listChatRooms, http.MethodGet)
	a.handle(r, "/chatrooms", a.createChatRoom, http.MethodPost)
	a.handle(r, "/chatrooms/bulk", a.createChatRooms, http.MethodPost)
	r.HandleFunc("/chatrooms/{roomName}", a.getChatRoom).Methods(http.MethodGet)
	r.HandleFunc("/chatrooms/{roomName}", a.updateChatRoom).Methods(http.MethodPut)
	r.HandleFunc("/chatrooms/{roomName}", a.deleteChatRoom).Methods(http.MethodDelete)

	r.HandleFunc("/chatrooms/{roomName}/participants", a.roomParticipants).Methods(http.MethodGet)
	r.HandleFunc("/chatrooms/{roomName}/occupants", a.roomOccupants).Methods(http.MethodGet)
	r.HandleFunc("/chatrooms/{roomName}/chathistory", a.roomHistory).Methods(http.MethodGet)
	a.handle(r, "/chatrooms/{roomName}/invite", a.inviteToRoom, http.MethodPost)
	r.HandleFunc("/chatrooms/{roomName}/invite/{name}", a.inviteOneToRoom).Methods(http.MethodPost)

	r.HandleFunc("/chatrooms/{roomName}/{affiliation}", a.roomAffiliations).Methods(http.MethodGet)
	r.HandleFunc("/chatrooms/{roomName}/{affiliation}", a.addRoomAffiliations).Methods(http.MethodPost)
	r.HandleFunc("/chatrooms/{roomName}/{affiliation}", a.replaceRoomAffiliations).Methods(http.MethodPut)
	r.HandleFunc("/chatrooms/{roomName}/{affiliation}/group/{name}", a.addRoomGroup).Methods(http.MethodPost)
	r.HandleFunc("/chatrooms/{roomName}/{affiliation}/group/{name}", a.removeRoomGroup).Methods(http.MethodDelete)
	r.HandleFunc("/chatrooms/{roomName}/{affiliation}/{name}", a.addRoomAffiliation).Methods(http.MethodPost)
	r.HandleFunc("/chatrooms/{roomName}/{affiliation}/{name}", a.removeRoomAffiliation).Methods(http.MethodDelete)
}

// Exception names of the chat room endpoints.
const (
	exServiceNotFound = "MUCServiceNotFoundException"
)

// roomFailure is how chat room endpoints report errors.
func roomFailure(err error, room string) failure {
	f := failure{exceptions: map[fault.Kind]string{}, resource: room}
	switch {
	case errors.Is(err, muc.ErrRoomNotFound):
		f.exceptions[fault.NotFound] = exRoomNotFound
	case errors.Is(err, ops.ErrChatServiceNotFound):
		f.exceptions[fault.NotFound] = exServiceNotFound
		f.resource = ""
	case errors.Is(err, ops.ErrGroupNotFound):
		f.exceptions[fault.NotFound] = exGroupNotFound
		f.resource = ""
	case fault.Is(err, fault.NotFound):
		f.resource = ""
	}
	return f
}

// chatServiceEntity is a chat service in an answer.
type chatServiceEntity struct {
	XMLName     xml.Name `xml:"chatService" json:"-"`
	ServiceName string   `xml:"serviceName" json:"serviceName"`
	Description string   `xml:"description" json:"description"`
	Hidden      bool     `xml:"hidden" json:"hidden"`
}

type chatServicesEntity struct {
	XMLName  xml.Name            `xml:"chatServices" json:"-"`
	Services []chatServiceEntity `xml:"chatService" json:"chatServices"`
}

func (a *api) listChatServices(w http.ResponseWriter, r *http.Request) {
	svcs, err := a.svc.ChatServices(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := chatServicesEntity{Services: []chatServiceEntity{}}
	for _, s := range svcs {
		out.Services = append(out.Services, chatServiceEntity{ServiceName: s.Name, Description: s.Description})
	}
	a.write(w, r, http.StatusOK, out)
}

func (a *api) createChatService(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, fault.New(fault.NotSupported, "a chat service is part of the XMPP server's configuration and cannot be created over this API: "+
		`add a MUC component to Prosody (Component "conference.example.org" "muc") or configure mod_muc's host on ejabberd`))
}

// roomEntity is Openfire's MUCRoomEntity, in its element order.
type roomEntity struct {
	XMLName                   xml.Name           `xml:"chatRoom" json:"-"`
	RoomName                  string             `xml:"roomName" json:"roomName"`
	NaturalName               string             `xml:"naturalName" json:"naturalName"`
	Description               string             `xml:"description" json:"description"`
	Password                  string             `xml:"password,omitempty" json:"password,omitempty"`
	Subject                   string             `xml:"subject,omitempty" json:"subject,omitempty"`
	CreationDate              *httpapi.Timestamp `xml:"creationDate,omitempty" json:"creationDate,omitempty"`
	ModificationDate          *httpapi.Timestamp `xml:"modificationDate,omitempty" json:"modificationDate,omitempty"`
	MaxUsers                  int                `xml:"maxUsers" json:"maxUsers"`
	Persistent                bool               `xml:"persistent" json:"persistent"`
	PublicRoom                bool               `xml:"publicRoom" json:"publicRoom"`
	RegistrationEnabled       bool               `xml:"registrationEnabled" json:"registrationEnabled"`
	CanAnyoneDiscoverJID      bool               `xml:"canAnyoneDiscoverJID" json:"canAnyoneDiscoverJID"`
	CanOccupantsChangeSubject bool               `xml:"canOccupantsChangeSubject" json:"canOccupantsChangeSubject"`
	CanOccupantsInvite        bool               `xml:"canOccupantsInvite" json:"canOccupantsInvite"`
	CanChangeNickname         bool               `xml:"canChangeNickname" json:"canChangeNickname"`
	LogEnabled                bool               `xml:"logEnabled" json:"logEnabled"`
	LoginRestrictedToNickname bool               `xml:"loginRestrictedToNickname" json:"loginRestrictedToNickname"`
	MembersOnly               bool               `xml:"membersOnly" json:"membersOnly"`
	Moderated                 bool               `xml:"moderated" json:"moderated"`
	BroadcastPresenceRoles    []string           `xml:"broadcastPresenceRoles>broadcastPresenceRole" json:"broadcastPresenceRoles"`
	Owners                    []string           `xml:"owners>owner" json:"owners"`
	Admins                    []string           `xml:"admins>admin" json:"admins"`
	Members                   []string           `xml:"members>member" json:"members"`
	Outcasts                  []string           `xml:"outcasts>outcast" json:"outcasts"`
	OwnerGroups               []string           `xml:"ownerGroups>ownerGroup" json:"ownerGroups"`
	AdminGroups               []string           `xml:"adminGroups>adminGroup" json:"adminGroups"`
	MemberGroups              []string           `xml:"memberGroups>memberGroup" json:"memberGroups"`
	OutcastGroups             []string           `xml:"outcastGroups>outcastGroup" json:"outcastGroups"`
	AllowPM                   string             `xml:"allowPM" json:"allowPM"`
}

type roomsEntity struct {
	XMLName xml.Name     `xml:"chatRooms" json:"-"`
	Rooms   []roomEntity `xml:"chatRoom" json:"chatRooms"`
}

func roomOut(c ops.ChatRoom) roomEntity {
	e := roomEntity{
		RoomName: c.Name, NaturalName: c.NaturalName, Description: c.Description, Password: c.Password,
		Subject: c.Subject, MaxUsers: c.MaxUsers, Persistent: c.Persistent, PublicRoom: c.PublicRoom,
		RegistrationEnabled: c.RegistrationEnabled, CanAnyoneDiscoverJID: c.CanAnyoneDiscoverJID,
		CanOccupantsChangeSubject: c.CanOccupantsChangeSubject, CanOccupantsInvite: c.CanOccupantsInvite,
		CanChangeNickname: c.CanChangeNickname, LogEnabled: c.LogEnabled,
		LoginRestrictedToNickname: c.LoginRestrictedToNickname, MembersOnly: c.MembersOnly,
		Moderated: c.Moderated, AllowPM: c.AllowPM,
		BroadcastPresenceRoles: httpapi.NonNil(c.BroadcastPresenceRoles),
		Owners:                 httpapi.NonNil(c.Owners), Admins: httpapi.NonNil(c.Admins), Members: httpapi.NonNil(c.Members), Outcasts: httpapi.NonNil(c.Outcasts),
		OwnerGroups: httpapi.NonNil(c.OwnerGroups), AdminGroups: httpapi.NonNil(c.AdminGroups),
		MemberGroups: httpapi.NonNil(c.MemberGroups), OutcastGroups: httpapi.NonNil(c.OutcastGroups),
	}
	if !c.Created.IsZero() {
		e.CreationDate = &httpapi.Timestamp{Time: c.Created}
	}
	if !c.Modified.IsZero() {
		e.ModificationDate = &httpapi.Timestamp{Time: c.Modified}
	}
	return e
}

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

// roomIn is a room in a request body. As in Openfire, booleans left out
// are false and the affiliation lists left out are empty (a room entity
// replaces the room's settings); the subject, broadcastPresenceRoles and
// the group lists left out are left as they are.
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

func list(l httpapi.List) []string { return l.Values }

func boolPtr(f httpapi.Flag) *bool { v := f.Value; return &v }

// spec turns the entity into the operation's input.
func (in roomIn) spec() ops.RoomSpec {
	text := func(t httpapi.Text) *string { v := t.Value; return &v }
	allowPM := "anyone"
	if in.AllowPM.Set && strings.TrimSpace(in.AllowPM.Value) != "" {
		allowPM = strings.TrimSpace(in.AllowPM.Value)
	}
	maxUsers := in.MaxUsers.Value
	spec := ops.RoomSpec{
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
		Subject: in.Subject.Ptr(),
		Owners:  list(in.Owners), Admins: list(in.Admins), Members: list(in.Members), Outcasts: list(in.Outcasts),
		OwnerGroups: in.OwnerGroups.Ptr(), AdminGroups: in.AdminGroups.Ptr(),
		MemberGroups: in.MemberGroups.Ptr(), OutcastGroups: in.OutcastGroups.Ptr(),
	}
	if in.CreationDate != nil && !in.CreationDate.IsZero() {
		spec.Created = &in.CreationDate.Time
	}
	if in.ModificationDate != nil && !in.ModificationDate.IsZero() {
		spec.Modified = &in.ModificationDate.Time
	}
	return spec
}

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

// query reads the common query parameters of the chat room endpoints.
func roomQuery(r *http.Request) (service string, sendInvitations bool, err error) {
	q := r.URL.Query()
	service = q.Get("servicename")
	if v := q.Get("sendInvitations"); v != "" {
		if sendInvitations, err = strconv.ParseBool(v); err != nil {
			return "", false, fault.New(fault.BadRequest, "sendInvitations must be true or false, not %q", v)
		}
	}
	return service, sendInvitations, nil
}

func queryFlag(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fault.New(fault.BadRequest, "%s must be true or false, not %q", name, v)
	}
	return b, nil
}

// warnNotApplied names the settings the server could not apply in Warning
// headers (code 299, RFC 9111 §5.5).
func warnNotApplied(w http.ResponseWriter, skipped []muc.NotApplied) {
	for _, s := range skipped {
		w.Header().Add("Warning", `299 xmpprest "`+strings.ReplaceAll(s.String(), `"`, `'`)+`"`)
	}
}

func (a *api) listChatRooms(w http.ResponseWriter, r *http.Request) {
	service, _, err := roomQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	typ := r.URL.Query().Get("type")
	all := false
	switch typ {
	case "", "public":
	case "all":
		all = true
	default:
		a.fail(w, r, fault.New(fault.BadRequest, "type must be public or all, not %q", typ))
		return
	}
	expand, err := queryFlag(r, "expandGroups")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rooms, complete, err := a.svc.ChatRooms(r.Context(), service, all, r.URL.Query().Get("search"), expand)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, service))
		return
	}
	if !complete {
		w.Header().Add("Warning", `299 xmpprest "the chat service lists its public rooms only: hidden rooms are missing"`)
	}
	out := roomsEntity{Rooms: []roomEntity{}}
	for _, c := range rooms {
		out.Rooms = append(out.Rooms, roomOut(c))
	}
	a.write(w, r, http.StatusOK, out)
}

func (a *api) getChatRoom(w http.ResponseWriter, r *http.Request) {
	name, err := pathVar(r, "roomName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	service, _, err := roomQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	expand, err := queryFlag(r, "expandGroups")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.svc.ChatRoom(r.Context(), service, name, expand)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	if len(c.Fixed) > 0 {
		w.Header().Set("X-Xmpprest-Fixed-Settings", strings.Join(c.Fixed, ", "))
	}
	a.write(w, r, http.StatusOK, roomOut(c))
}

func (a *api) createChatRoom(w http.ResponseWriter, r *http.Request) {
	service, invite, err := roomQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in roomIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	spec := in.spec()
	if spec.Name == "" {
		a.fail(w, r, fault.New(fault.BadRequest, "a chat room needs a roomName"))
		return
	}
	skipped, err := a.svc.CreateChatRoom(r.Context(), a.actor(r), service, spec, invite)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, spec.Name))
		return
	}
	warnNotApplied(w, skipped)
	created(w)
}

func (a *api) createChatRooms(w http.ResponseWriter, r *http.Request) {
	service, invite, err := roomQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in roomsIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if len(in.Rooms) == 0 {
		a.fail(w, r, fault.New(fault.BadRequest, "the chatRooms list is empty"))
		return
	}
	specs := make([]ops.RoomSpec, 0, len(in.Rooms))
	for _, rin := range in.Rooms {
		spec := rin.spec()
		if spec.Name == "" {
			a.fail(w, r, fault.New(fault.BadRequest, "every chat room needs a roomName"))
			return
		}
		specs = append(specs, spec)
	}
	out := roomResultsEntity{Success: []roomResultEntity{}, Failure: []roomResultEntity{}, Other: []roomResultEntity{}}
	for _, res := range a.svc.CreateChatRooms(r.Context(), a.actor(r), service, specs, invite) {
		if res.Err != nil {
			out.Failure = append(out.Failure, roomResultEntity{RoomName: res.Name, ResultType: "Failure", Message: fault.Message(res.Err)})
			continue
		}
		msg := "Room was successfully created"
		if len(res.NotApplied) > 0 {
			var parts []string
			for _, s := range res.NotApplied {
				parts = append(parts, s.String())
			}
			msg += "; not applied: " + strings.Join(parts, "; ")
		}
		out.Success = append(out.Success, roomResultEntity{RoomName: res.Name, ResultType: "Success", Message: msg})
	}
	a.write(w, r, http.StatusOK, out)
}

func (a *api) updateChatRoom(w http.ResponseWriter, r *http.Request) {
	name, err := pathVar(r, "roomName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	service, invite, err := roomQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in roomIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	skipped, err := a.svc.UpdateChatRoom(r.Context(), a.actor(r), service, name, in.spec(), invite)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	warnNotApplied(w, skipped)
	ok(w)
}

func (a *api) deleteChatRoom(w http.ResponseWriter, r *http.Request) {
	name, err := pathVar(r, "roomName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	service, _, err := roomQuery(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.DeleteChatRoom(r.Context(), a.actor(r), service, name); err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	ok(w)
}

// participantEntity is an occupant with the role participant.
type participantEntity struct {
	XMLName     xml.Name `xml:"participant" json:"-"`
	JID         string   `xml:"jid" json:"jid"`
	Role        string   `xml:"role" json:"role"`
	Affiliation string   `xml:"affiliation" json:"affiliation"`
}

type participantsEntity struct {
	XMLName      xml.Name            `xml:"participants" json:"-"`
	Participants []participantEntity `xml:"participant" json:"participants"`
}

// occupantEntity is an occupant of a room.
type occupantEntity struct {
	XMLName     xml.Name `xml:"occupant" json:"-"`
	JID         string   `xml:"jid" json:"jid"`
	UserAddress string   `xml:"userAddress" json:"userAddress"`
	Role        string   `xml:"role" json:"role"`
	Affiliation string   `xml:"affiliation" json:"affiliation"`
}

type occupantsEntity struct {
	XMLName   xml.Name         `xml:"occupants" json:"-"`
	Occupants []occupantEntity `xml:"occupant" json:"occupants"`
}

// roomNameAndService reads the path's room name and the service parameter.
func roomNameAndService(r *http.Request) (name, service string, invite bool, err error) {
	if name, err = pathVar(r, "roomName"); err != nil {
		return "", "", false, err
	}
	service, invite, err = roomQuery(r)
	return name, service, invite, err
}

func (a *api) roomParticipants(w http.ResponseWriter, r *http.Request) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	os, err := a.svc.RoomOccupants(r.Context(), service, name)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	out := participantsEntity{Participants: []participantEntity{}}
	for _, o := range os {
		if o.Role == "participant" {
			out.Participants = append(out.Participants, participantEntity{JID: o.Address, Role: o.Role, Affiliation: o.Affiliation})
		}
	}
	a.write(w, r, http.StatusOK, out)
}

func (a *api) roomOccupants(w http.ResponseWriter, r *http.Request) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	os, err := a.svc.RoomOccupants(r.Context(), service, name)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	out := occupantsEntity{Occupants: []occupantEntity{}}
	for _, o := range os {
		out.Occupants = append(out.Occupants, occupantEntity{JID: o.Address, UserAddress: o.JID, Role: o.Role, Affiliation: o.Affiliation})
	}
	a.write(w, r, http.StatusOK, out)
}

// messageEntity is a message of a room's history.
type messageEntity struct {
	XMLName    xml.Name `xml:"message" json:"-"`
	To         string   `xml:"to,omitempty" json:"to,omitempty"`
	From       string   `xml:"from,omitempty" json:"from,omitempty"`
	Type       string   `xml:"type,omitempty" json:"type,omitempty"`
	Body       string   `xml:"body,omitempty" json:"body,omitempty"`
	DelayStamp string   `xml:"delay_stamp,omitempty" json:"delay_stamp,omitempty"`
	DelayFrom  string   `xml:"delay_from,omitempty" json:"delay_from,omitempty"`
}

type messagesEntity struct {
	XMLName  xml.Name        `xml:"messages" json:"-"`
	Messages []messageEntity `xml:"message" json:"message"`
}

func (a *api) roomHistory(w http.ResponseWriter, r *http.Request) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	msgs, err := a.svc.RoomHistory(r.Context(), service, name)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	out := messagesEntity{Messages: []messageEntity{}}
	for _, m := range msgs {
		out.Messages = append(out.Messages, messageEntity{To: m.To, From: m.From, Type: m.Type, Body: m.Body,
			DelayStamp: m.Stamp, DelayFrom: m.DelayFrom})
	}
	a.write(w, r, http.StatusOK, out)
}

// invitationIn is Openfire's MUCInvitationEntity (one target in the path)
// or MUCInvitationsEntity (jidsToInvite).
type invitationIn struct {
	XMLName      xml.Name     `xml:"mucInvitation" json:"-"`
	Reason       httpapi.Text `xml:"reason" json:"reason"`
	JIDsToInvite httpapi.List `xml:"jidsToInvite" json:"jidsToInvite"`
}

// decodeOptional decodes a body that may be left out.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(r, v)
}

func (a *api) inviteOneToRoom(w http.ResponseWriter, r *http.Request) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	target, err := pathVar(r, "name")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in invitationIn
	if err := decodeOptional(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.InviteToRoom(r.Context(), a.actor(r), service, name, []string{target}, in.Reason.Value); err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	ok(w)
}

func (a *api) inviteToRoom(w http.ResponseWriter, r *http.Request) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in invitationIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.InviteToRoom(r.Context(), a.actor(r), service, name, list(in.JIDsToInvite), in.Reason.Value); err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	ok(w)
}

// affiliationOf reads the {affiliation} path parameter: owners, admins,
// members or outcasts (the singular is taken too).
func affiliationOf(r *http.Request) (muc.Affiliation, error) {
	v, err := pathVar(r, "affiliation")
	if err != nil {
		return "", err
	}
	a := muc.Affiliation(strings.TrimSuffix(strings.ToLower(v), "s"))
	switch a {
	case muc.Owner, muc.Admin, muc.Member, muc.Outcast:
		return a, nil
	}
	return "", fault.New(fault.BadRequest, "%q is not an affiliation: use owners, admins, members or outcasts", v)
}

// affiliationList is the answer of GET /chatrooms/{room}/{affiliation}:
// <members><member>jid</member></members>, {"members":["jid"]}.
type affiliationList struct {
	aff  muc.Affiliation
	jids []string
}

func (l affiliationList) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: string(l.aff) + "s"}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, j := range l.jids {
		if err := e.EncodeElement(j, xml.StartElement{Name: xml.Name{Local: string(l.aff)}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func (l affiliationList) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]string{string(l.aff) + "s": httpapi.NonNil(l.jids)})
}

// affiliationsIn is the body of POST and PUT /chatrooms/{room}/{affiliation}:
// <members><member>jid</member></members>, {"members":[...]} or a bare list.
type affiliationsIn struct {
	jids []string
}

func (in *affiliationsIn) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var l httpapi.List
	if err := l.UnmarshalXML(d, start); err != nil {
		return err
	}
	in.jids = l.Values
	return nil
}

func (in *affiliationsIn) UnmarshalJSON(b []byte) error {
	var l httpapi.List
	if err := l.UnmarshalJSON(b); err != nil {
		return err
	}
	in.jids = l.Values
	return nil
}

func (a *api) roomAffiliations(w http.ResponseWriter, r *http.Request) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	aff, err := affiliationOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	js, err := a.svc.RoomAffiliations(r.Context(), service, name, aff)
	if err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	a.write(w, r, http.StatusOK, affiliationList{aff: aff, jids: js})
}

func (a *api) addRoomAffiliations(w http.ResponseWriter, r *http.Request) {
	a.changeRoomAffiliations(w, r, a.svc.AddRoomAffiliations)
}

func (a *api) replaceRoomAffiliations(w http.ResponseWriter, r *http.Request) {
	a.changeRoomAffiliations(w, r, a.svc.ReplaceRoomAffiliations)
}

type affiliationsChange func(ctx context.Context, a ops.Actor, service, name string, aff muc.Affiliation, users []string, invite bool) error

func (a *api) changeRoomAffiliations(w http.ResponseWriter, r *http.Request, change affiliationsChange) {
	name, service, invite, err := roomNameAndService(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	aff, err := affiliationOf(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in affiliationsIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := change(r.Context(), a.actor(r), service, name, aff, in.jids, invite); err != nil {
		a.failAs(w, r, err, roomFailure(err, name))
		return
	}
	created(w)
}

// affiliationTarget is what the single-affiliation paths name:
// /chatrooms/{roomName}/{affiliation}[/group]/{name}.
type affiliationTarget struct {
	room, service string
	invite        bool
	aff           muc.Affiliation
	name          string // a user (JID or username) or a group
}

func affiliationTargetOf(r *http.Request) (t affiliationTarget, err error) {
	if t.room, t.service, t.invite, err = roomNameAndService(r); err != nil {
		return t, err
	}
	if t.aff, err = affiliationOf(r); err != nil {
		return t, err
	}
	t.name, err = pathVar(r, "name")
	return t, err
}

// affiliationHandler serves one single-affiliation path with change,
// answering status on success.
func (a *api) affiliationHandler(status int, change func(*http.Request, ops.Actor, affiliationTarget) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := affiliationTargetOf(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := change(r, a.actor(r), t); err != nil {
			a.failAs(w, r, err, roomFailure(err, t.room))
			return
		}
		if status == http.StatusCreated {
			created(w)
			return
		}
		ok(w)
	}
}

func (a *api) addRoomAffiliation(w http.ResponseWriter, r *http.Request) {
	a.affiliationHandler(http.StatusCreated, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.AddRoomAffiliations(r.Context(), actor, t.service, t.room, t.aff, []string{t.name}, t.invite)
	})(w, r)
}

func (a *api) removeRoomAffiliation(w http.ResponseWriter, r *http.Request) {
	a.affiliationHandler(http.StatusOK, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.RemoveRoomAffiliation(r.Context(), actor, t.service, t.room, t.aff, t.name)
	})(w, r)
}

func (a *api) addRoomGroup(w http.ResponseWriter, r *http.Request) {
	a.affiliationHandler(http.StatusCreated, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.AddRoomGroupAffiliation(r.Context(), actor, t.service, t.room, t.aff, t.name, t.invite)
	})(w, r)
}

func (a *api) removeRoomGroup(w http.ResponseWriter, r *http.Request) {
	a.affiliationHandler(http.StatusOK, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.RemoveRoomGroupAffiliation(r.Context(), actor, t.service, t.room, t.aff, t.name)
	})(w, r)
}
