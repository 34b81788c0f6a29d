package openfire

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// The chat room endpoints. Rooms are the XMPP server's (XEP-0045); a room
// setting the server has no configuration for is named in a Warning header
// (299) of the answer to a create or update, and the settings whose values
// the server fixes are listed in the X-Xmpprest-Fixed-Settings header of a
// room's answer.
//
// The handlers are split by concern: reading rooms (chatrooms_read.go),
// creating, changing and deleting them (chatrooms_change.go), affiliations
// (chatrooms_affiliations.go), invitations (chatrooms_invitations.go) and
// history (chatrooms_history.go).

// roomRoutes declares the chat room routes.
func (a *api) roomRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/chatservices", Handler: a.listChatServices, TrailingSlash: true, Summary: "List the chat services"},
		{Method: http.MethodPost, Path: "/chatservices", Handler: a.createChatService, TrailingSlash: true, Summary: "Create a chat service (not supported)"},

		{Method: http.MethodGet, Path: "/chatrooms", Handler: a.listChatRooms, TrailingSlash: true, Summary: "List the chat rooms of a service"},
		{Method: http.MethodPost, Path: "/chatrooms", Handler: a.createChatRoom, TrailingSlash: true, Summary: "Create a chat room"},
		{Method: http.MethodPost, Path: "/chatrooms/bulk", Handler: a.createChatRooms, TrailingSlash: true, Summary: "Create several chat rooms"},
		{Method: http.MethodGet, Path: "/chatrooms/{roomName}", Handler: a.getChatRoom, TrailingSlash: true, Summary: "Read a chat room"},
		{Method: http.MethodPut, Path: "/chatrooms/{roomName}", Handler: a.updateChatRoom, TrailingSlash: true, Summary: "Replace a chat room's settings and affiliations"},
		{Method: http.MethodDelete, Path: "/chatrooms/{roomName}", Handler: a.deleteChatRoom, TrailingSlash: true, Summary: "Destroy a chat room"},

		{Method: http.MethodGet, Path: "/chatrooms/{roomName}/participants", Handler: a.roomParticipants, TrailingSlash: true, Summary: "List a room's participants"},
		{Method: http.MethodGet, Path: "/chatrooms/{roomName}/occupants", Handler: a.roomOccupants, TrailingSlash: true, Summary: "List a room's occupants"},
		{Method: http.MethodGet, Path: "/chatrooms/{roomName}/chathistory", Handler: a.roomHistory, TrailingSlash: true, Summary: "Read a room's archived messages"},
		{Method: http.MethodPost, Path: "/chatrooms/{roomName}/invite", Handler: a.inviteToRoom, TrailingSlash: true, Summary: "Invite users and groups to a room"},
		{Method: http.MethodPost, Path: "/chatrooms/{roomName}/invite/{name}", Handler: a.inviteOneToRoom, TrailingSlash: true, Summary: "Invite a user or group to a room"},

		{Method: http.MethodGet, Path: "/chatrooms/{roomName}/{affiliation}", Handler: a.roomAffiliations, TrailingSlash: true, Summary: "List the JIDs with an affiliation"},
		{Method: http.MethodPost, Path: "/chatrooms/{roomName}/{affiliation}", Handler: a.addRoomAffiliations, TrailingSlash: true, Summary: "Give users an affiliation"},
		{Method: http.MethodPut, Path: "/chatrooms/{roomName}/{affiliation}", Handler: a.replaceRoomAffiliations, TrailingSlash: true, Summary: "Replace the users with an affiliation"},
		{Method: http.MethodPost, Path: "/chatrooms/{roomName}/{affiliation}/group/{name}", Handler: a.addRoomGroup, TrailingSlash: true, Summary: "Give a group an affiliation"},
		{Method: http.MethodDelete, Path: "/chatrooms/{roomName}/{affiliation}/group/{name}", Handler: a.removeRoomGroup, TrailingSlash: true, Summary: "Take a group's affiliation away"},
		{Method: http.MethodPost, Path: "/chatrooms/{roomName}/{affiliation}/{name}", Handler: a.addRoomAffiliation, TrailingSlash: true, Summary: "Give a user an affiliation"},
		{Method: http.MethodDelete, Path: "/chatrooms/{roomName}/{affiliation}/{name}", Handler: a.removeRoomAffiliation, TrailingSlash: true, Summary: "Take a user's affiliation away"},
	}
}

// Exception names of the chat room endpoints.
const (
	exServiceNotFound = "MUCServiceNotFoundException"
)

// roomFailed wraps an error of an operation on room (a room name, or a
// service name for the service's endpoints) so that it is reported with
// the chat room exceptions and Openfire's setting names.
func roomFailed(err error, room string) error {
	if err == nil {
		return nil
	}
	return roomFailure(err, room).wrap(err)
}

// roomFailure is how chat room endpoints report errors.
func roomFailure(err error, room string) failure {
	f := failure{exceptions: map[fault.Kind]string{}, messages: map[fault.Kind]string{}, resource: room}
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
	var se *muc.SettingError
	if errors.As(err, &se) {
		f.messages[fault.BadRequest] = openfireSetting(se.Setting) + " " + se.Problem
	}
	return f
}

// roomFields are the room entity's names of the room settings.
var roomFields = map[string]string{
	muc.SettingNaturalName:               "naturalName",
	muc.SettingMaxUsers:                  "maxUsers",
	muc.SettingPublicRoom:                "publicRoom",
	muc.SettingRegistrationEnabled:       "registrationEnabled",
	muc.SettingCanAnyoneDiscoverJID:      "canAnyoneDiscoverJID",
	muc.SettingCanOccupantsChangeSubject: "canOccupantsChangeSubject",
	muc.SettingCanOccupantsInvite:        "canOccupantsInvite",
	muc.SettingCanChangeNickname:         "canChangeNickname",
	muc.SettingLogEnabled:                "logEnabled",
	muc.SettingLoginRestrictedToNickname: "loginRestrictedToNickname",
	muc.SettingMembersOnly:               "membersOnly",
	muc.SettingAllowPM:                   "allowPM",
	muc.SettingBroadcastPresenceRoles:    "broadcastPresenceRoles",
}

// openfireSetting names a room setting as the room entity does (the
// settings not listed in roomFields have the same name).
func openfireSetting(setting string) string {
	if f, ok := roomFields[setting]; ok {
		return f
	}
	return setting
}

// roomQuery reads the common query parameters of the chat room endpoints.
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

// roomNameAndService reads the path's room name and the query parameters.
func roomNameAndService(r *http.Request) (name, service string, invite bool, err error) {
	if name, err = pathVar(r, "roomName"); err != nil {
		return "", "", false, err
	}
	service, invite, err = roomQuery(r)
	return name, service, invite, err
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

func (a *api) listChatServices(w http.ResponseWriter, r *http.Request) error {
	svcs, err := a.svc.ChatServices(r.Context(), a.actor(r))
	if err != nil {
		return err
	}
	out := chatServicesEntity{Services: []chatServiceEntity{}}
	for _, s := range svcs {
		out.Services = append(out.Services, chatServiceEntity{ServiceName: s.Name, Description: s.Description})
	}
	a.write(w, r, http.StatusOK, out)
	return nil
}

func (a *api) createChatService(w http.ResponseWriter, r *http.Request) error {
	return fault.New(fault.NotSupported, "a chat service is part of the XMPP server's configuration and cannot be created over this API: "+
		`add a MUC component to Prosody (Component "conference.example.org" "muc") or configure mod_muc's host on ejabberd`)
}

// decodeOptional decodes a body that may be left out.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(r, v)
}

// settingNames names settings as the room entity does, for a header.
func settingNames(settings []string) string {
	names := make([]string, len(settings))
	for i, s := range settings {
		names[i] = openfireSetting(s)
	}
	return strings.Join(names, ", ")
}
