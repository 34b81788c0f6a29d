package sparkweb

import (
	"net/http"

	"xmpprest/httpapi/userops"
)

// serviceParam is the chat service a request names: serviceName as the
// spec spells it, or the spellings clients send (servicename, service).
func serviceParam(r *http.Request) string {
	q := r.URL.Query()
	for _, k := range []string{"serviceName", "servicename", "service"} {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// roomEntity is SparkWeb's MUCRoomEntity as a user sees a room.
type roomEntity struct {
	RoomName                  string   `json:"roomName"`
	NaturalName               string   `json:"naturalName"`
	Description               string   `json:"description"`
	Subject                   string   `json:"subject"`
	Password                  string   `json:"password,omitempty"`
	MaxUsers                  int      `json:"maxUsers"`
	Persistent                bool     `json:"persistent"`
	PublicRoom                bool     `json:"publicRoom"`
	RegistrationEnabled       bool     `json:"registrationEnabled"`
	CanAnyoneDiscoverJID      bool     `json:"canAnyoneDiscoverJID"`
	CanOccupantsChangeSubject bool     `json:"canOccupantsChangeSubject"`
	CanOccupantsInvite        bool     `json:"canOccupantsInvite"`
	CanChangeNickname         bool     `json:"canChangeNickname"`
	LogEnabled                bool     `json:"logEnabled"`
	LoginRestrictedToNickname bool     `json:"loginRestrictedToNickname"`
	MembersOnly               bool     `json:"membersOnly"`
	Moderated                 bool     `json:"moderated"`
	AllowPM                   string   `json:"allowPM,omitempty"`
	BroadcastPresenceRoles    []string `json:"broadcastPresenceRoles"`
	Owners                    []string `json:"owners"`
	Admins                    []string `json:"admins"`
	Members                   []string `json:"members"`
	Outcasts                  []string `json:"outcasts"`
	OwnerGroups               []string `json:"ownerGroups"`
	AdminGroups               []string `json:"adminGroups"`
	MemberGroups              []string `json:"memberGroups"`
	OutcastGroups             []string `json:"outcastGroups"`
}

func toRoomEntity(r userops.Room) roomEntity {
	none := []string{}
	return roomEntity{
		RoomName: r.Name, NaturalName: r.NaturalName, Description: r.Description, Subject: r.Subject,
		MaxUsers: r.MaxUsers, Persistent: r.Persistent, PublicRoom: r.PublicRoom,
		RegistrationEnabled: r.RegistrationEnabled, CanAnyoneDiscoverJID: r.CanAnyoneDiscoverJID,
		CanOccupantsChangeSubject: r.CanOccupantsChangeSubject, CanOccupantsInvite: r.CanOccupantsInvite,
		CanChangeNickname: r.CanChangeNickname, LogEnabled: r.LogEnabled, MembersOnly: r.MembersOnly,
		Moderated: r.Moderated, AllowPM: r.AllowPM, BroadcastPresenceRoles: r.BroadcastPresenceRoles,
		Owners: none, Admins: none, Members: none, Outcasts: none,
		OwnerGroups: none, AdminGroups: none, MemberGroups: none, OutcastGroups: none,
	}
}

type roomEntities struct {
	ChatRooms []roomEntity `json:"chatRooms"`
}

func (a *api) getRooms(w http.ResponseWriter, r *http.Request) error {
	rooms, err := a.svc.ChatRooms(r.Context(), caller(r), serviceParam(r), r.URL.Query().Get("search"))
	if err != nil {
		return err
	}
	out := roomEntities{ChatRooms: []roomEntity{}}
	for _, rm := range rooms {
		out.ChatRooms = append(out.ChatRooms, toRoomEntity(rm))
	}
	return write(w, out)
}

func (a *api) getRoom(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return err
	}
	room, err := a.svc.ChatRoom(r.Context(), caller(r), serviceParam(r), name)
	if err != nil {
		return err
	}
	return write(w, toRoomEntity(room))
}

// occupantEntity is SparkWeb's OccupantEntity (and ParticipantEntity,
// without userAddress).
type occupantEntity struct {
	JID         string `json:"jid"`
	UserAddress string `json:"userAddress,omitempty"`
	Role        string `json:"role"`
	Affiliation string `json:"affiliation"`
}

func (a *api) occupants(r *http.Request) ([]userops.RoomOccupant, error) {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return nil, err
	}
	return a.svc.RoomOccupants(r.Context(), caller(r), serviceParam(r), name)
}

func (a *api) getOccupants(w http.ResponseWriter, r *http.Request) error {
	occ, err := a.occupants(r)
	if err != nil {
		return err
	}
	out := struct {
		Occupants []occupantEntity `json:"occupants"`
	}{Occupants: []occupantEntity{}}
	for _, o := range occ {
		out.Occupants = append(out.Occupants, occupantEntity{JID: o.Address, UserAddress: o.JID, Role: o.Role, Affiliation: o.Affiliation})
	}
	return write(w, out)
}

// getParticipants lists the occupants with a voice (moderators and
// participants).
func (a *api) getParticipants(w http.ResponseWriter, r *http.Request) error {
	occ, err := a.occupants(r)
	if err != nil {
		return err
	}
	out := struct {
		Participants []occupantEntity `json:"participants"`
	}{Participants: []occupantEntity{}}
	for _, o := range occ {
		if o.Role == "participant" || o.Role == "moderator" {
			out.Participants = append(out.Participants, occupantEntity{JID: o.Address, Role: o.Role, Affiliation: o.Affiliation})
		}
	}
	return write(w, out)
}

// roomMessageEntity is SparkWeb's MUCRoomMessageEntity.
type roomMessageEntity struct {
	To         string `json:"to"`
	From       string `json:"from"`
	Type       string `json:"type"`
	Body       string `json:"body"`
	DelayStamp string `json:"delayStamp,omitempty"`
	DelayFrom  string `json:"delayFrom,omitempty"`
}

func (a *api) roomChatHistory(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return err
	}
	msgs, err := a.svc.RoomHistory(r.Context(), caller(r), userops.RoomHistoryQuery{Service: serviceParam(r), Room: name})
	if err != nil {
		return err
	}
	out := struct {
		Messages []roomMessageEntity `json:"messages"`
	}{Messages: []roomMessageEntity{}}
	for _, m := range msgs {
		out.Messages = append(out.Messages, roomMessageEntity{To: m.To, From: m.From, Type: m.Type, Body: m.Body,
			DelayStamp: formatTime(m.Stamp), DelayFrom: m.Room.String()})
	}
	return write(w, out)
}

// groupChatMessages answers the rooms' archives as Conversations, one per
// room.
func (a *api) groupChatMessages(w http.ResponseWriter, r *http.Request) error {
	start, err := parseTimeParam(r, "start")
	if err != nil {
		return err
	}
	end, err := parseTimeParam(r, "end")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	msgs, err := a.svc.RoomHistory(r.Context(), caller(r), userops.RoomHistoryQuery{
		Service: serviceParam(r), Room: q.Get("room"), Start: start, End: end, Keywords: q.Get("keywords")})
	if err != nil {
		return err
	}
	out := conversations{Conversations: []conversation{}}
	index := map[string]int{}
	for _, m := range msgs {
		key := m.Room.String()
		i, seen := index[key]
		if !seen {
			i = len(out.Conversations)
			index[key] = i
			out.Conversations = append(out.Conversations, conversation{
				ConversationID: int64(i + 1), Participants: []jidEntity{toJIDEntity(key)},
				ParticipantList: []string{key}, Messages: []archivedMessage{}, StartDate: formatTime(m.Stamp),
			})
		}
		cv := &out.Conversations[i]
		cv.Messages = append(cv.Messages, archivedMessage{
			ConversationID: cv.ConversationID, FromJID: toJIDEntity(m.From), ToJID: toJIDEntity(m.To),
			SentDate: formatTime(m.Stamp), Body: m.Body, RoomEvent: true, From: m.From, To: m.To,
		})
		cv.MessageCount = len(cv.Messages)
		cv.LastActivity = formatTime(m.Stamp)
	}
	return write(w, out)
}

func (a *api) joinRoom(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	nick := q.Get("nickname")
	if nick == "" {
		nick = q.Get("nick")
	}
	if err := a.svc.JoinRoom(r.Context(), caller(r), serviceParam(r), name, nick, q.Get("password")); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) leaveRoom(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return err
	}
	if err := a.svc.LeaveRoom(r.Context(), caller(r), serviceParam(r), name); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) postToRoom(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return err
	}
	body, err := readText(r, "message text")
	if err != nil {
		return err
	}
	id, err := a.svc.PostToRoom(r.Context(), caller(r), serviceParam(r), name, body)
	if err != nil {
		return err
	}
	return write(w, messageID{ID: id})
}

func (a *api) inviteToRoom(w http.ResponseWriter, r *http.Request) error {
	name, err := pathVar(r, "roomName")
	if err != nil {
		return err
	}
	invitee, err := pathVar(r, "invitedJid")
	if err != nil {
		return err
	}
	reason := ""
	if r.ContentLength != 0 {
		if reason, err = readText(r, "reason"); err != nil {
			return err
		}
	}
	if err := a.svc.InviteToRoom(r.Context(), caller(r), serviceParam(r), name, invitee, reason); err != nil {
		return err
	}
	return ok(w)
}
