package openfire

import (
	"encoding/xml"
	"net/http"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

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

func (a *api) listChatRooms(w http.ResponseWriter, r *http.Request) error {
	service, _, err := roomQuery(r)
	if err != nil {
		return err
	}
	all := false
	switch typ := r.URL.Query().Get("type"); typ {
	case "", "public":
	case "all":
		all = true
	default:
		return fault.New(fault.BadRequest, "type must be public or all, not %q", typ)
	}
	expand, err := queryFlag(r, "expandGroups")
	if err != nil {
		return err
	}
	rooms, complete, err := a.svc.ChatRooms(r.Context(), a.actor(r), service, all, r.URL.Query().Get("search"), expand)
	if err != nil {
		return roomFailed(err, service)
	}
	if !complete {
		w.Header().Add("Warning", `299 xmpprest "the chat service lists its public rooms only: hidden rooms are missing"`)
	}
	out := roomsEntity{Rooms: []roomEntity{}}
	for _, c := range rooms {
		out.Rooms = append(out.Rooms, roomOut(c))
	}
	a.write(w, r, http.StatusOK, out)
	return nil
}

func (a *api) getChatRoom(w http.ResponseWriter, r *http.Request) error {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	expand, err := queryFlag(r, "expandGroups")
	if err != nil {
		return err
	}
	c, err := a.svc.ChatRoom(r.Context(), a.actor(r), service, name, expand)
	if err != nil {
		return roomFailed(err, name)
	}
	if len(c.Fixed) > 0 {
		w.Header().Set("X-Xmpprest-Fixed-Settings", settingNames(c.Fixed))
	}
	a.write(w, r, http.StatusOK, roomOut(c))
	return nil
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

// occupants reads the occupants of the path's room.
func (a *api) occupants(r *http.Request) ([]ops.RoomOccupant, error) {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return nil, err
	}
	os, err := a.svc.RoomOccupants(r.Context(), a.actor(r), service, name)
	return os, roomFailed(err, name)
}

func (a *api) roomParticipants(w http.ResponseWriter, r *http.Request) error {
	os, err := a.occupants(r)
	if err != nil {
		return err
	}
	out := participantsEntity{Participants: []participantEntity{}}
	for _, o := range os {
		if o.Role == "participant" {
			out.Participants = append(out.Participants, participantEntity{JID: o.Address, Role: o.Role, Affiliation: o.Affiliation})
		}
	}
	a.write(w, r, http.StatusOK, out)
	return nil
}

func (a *api) roomOccupants(w http.ResponseWriter, r *http.Request) error {
	os, err := a.occupants(r)
	if err != nil {
		return err
	}
	out := occupantsEntity{Occupants: []occupantEntity{}}
	for _, o := range os {
		out.Occupants = append(out.Occupants, occupantEntity{JID: o.Address, UserAddress: o.JID, Role: o.Role, Affiliation: o.Affiliation})
	}
	a.write(w, r, http.StatusOK, out)
	return nil
}
