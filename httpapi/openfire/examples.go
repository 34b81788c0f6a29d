package openfire

import (
	"net/http"

	"xmpprest/httpapi"
)

// The example account, group and property the documented example requests
// make, read, change and remove, in that order (see httpapi.RouteDoc.Order).
const (
	exampleUser     = "alice"
	exampleGroup    = "staff"
	exampleProperty = "example.greeting"
	exampleRoom     = "lounge"
)

// exampleRoomEntity is the example room as the API answers it.
var exampleRoomEntity = roomEntity{RoomName: exampleRoom, NaturalName: "The lounge", Description: "Talk about anything",
	Persistent: true, PublicRoom: true, CanAnyoneDiscoverJID: true, LogEnabled: true, MaxUsers: 30,
	BroadcastPresenceRoles: []string{"moderator", "participant", "visitor"},
	Owners:                 []string{"rest.example.org"}, Admins: []string{}, Members: []string{}, Outcasts: []string{},
	OwnerGroups: []string{}, AdminGroups: []string{}, MemberGroups: []string{}, OutcastGroups: []string{}, AllowPM: "anyone"}

// routeDocs document the routes with example requests and answers, by
// "METHOD path". The API documents show them, and a test sends each one to
// a real server and checks the answer against the document.
var routeDocs = map[string]httpapi.RouteDoc{
	"POST /users": {Status: http.StatusCreated,
		Description: "One user, or (REST API 1.3.0) {\"users\":[...]} to create several; properties as {\"property\":[{\"@key\":...,\"@value\":...}]}.",
		Request:     map[string]any{"username": exampleUser, "password": "correct horse", "name": "Alice Liddell", "email": "alice@example.org"}},
	"GET /users": {Query: []httpapi.Param{
		{Name: "search", Description: "a part of the username", Example: "ali"},
		{Name: "propertyKey", Description: "only users with this property"},
		{Name: "propertyValue", Description: "... and this value (with propertyKey)"}},
		Response: usersEntity{Users: []userEntity{{Username: exampleUser, Name: "Alice Liddell", Email: "alice@example.org"}}}},
	"GET /users/{username}": {Path: map[string]string{"username": exampleUser},
		Response: userEntity{Username: exampleUser, Name: "Alice Liddell", Email: "alice@example.org"}},
	"PUT /users/{username}": {Path: map[string]string{"username": exampleUser},
		Description: "Fields left out stay as they are; another username renames the account (with the password in the body).",
		Request:     map[string]any{"username": exampleUser, "name": "Alice L."}},
	"DELETE /users/{username}": {Path: map[string]string{"username": exampleUser}, Order: 1},

	"POST /groups": {Status: http.StatusCreated,
		Description: "A shared group is pushed into its members' rosters (XEP-0356).",
		Request:     map[string]any{"name": exampleGroup, "description": "Everyone on staff", "shared": false, "members": map[string]any{"member": []string{exampleUser}}}},
	"GET /groups": {Response: groupsEntity{Groups: []groupEntity{{Name: exampleGroup, Description: "Everyone on staff", Admins: []string{}, Members: []string{exampleUser}}}}},
	"GET /groups/{groupName}": {Path: map[string]string{"groupName": exampleGroup},
		Response: groupEntity{Name: exampleGroup, Description: "Everyone on staff", Admins: []string{}, Members: []string{exampleUser}}},
	"PUT /groups/{groupName}": {Path: map[string]string{"groupName": exampleGroup},
		Request: map[string]any{"name": exampleGroup, "description": "The staff"}},
	"DELETE /groups/{groupName}": {Path: map[string]string{"groupName": exampleGroup}},
	"GET /users/{username}/groups": {Path: map[string]string{"username": exampleUser},
		Response: userGroupsEntity{GroupNames: []string{exampleGroup}}},

	"POST /system/properties": {Status: http.StatusCreated,
		Request: map[string]any{"@key": exampleProperty, "@value": "hello"}},
	"GET /system/properties": {Response: systemPropertiesEntity{Properties: []propertyEntity{{Key: exampleProperty, Value: "hello"}}}},
	"GET /system/properties/{propertyName}": {Path: map[string]string{"propertyName": exampleProperty},
		Response: propertyEntity{Key: exampleProperty, Value: "hello"}},
	"PUT /system/properties/{propertyName}": {Path: map[string]string{"propertyName": exampleProperty},
		Request: map[string]any{"@key": exampleProperty, "@value": "hello again"}},
	"DELETE /system/properties/{propertyName}": {Path: map[string]string{"propertyName": exampleProperty}},

	"GET /chatservices": {Response: chatServicesEntity{Services: []chatServiceEntity{{ServiceName: "conference", Description: "Chat rooms"}}}},
	"POST /chatrooms": {Status: http.StatusCreated,
		Description: "Settings left out take the service's defaults; owners, admins, members and outcasts (users or groups) are set as given. ?servicename= picks another chat service.",
		Request:     map[string]any{"roomName": exampleRoom, "naturalName": "The lounge", "description": "Talk about anything", "persistent": true, "publicRoom": true}},
	"GET /chatrooms": {Query: []httpapi.Param{
		{Name: "servicename", Description: "the chat service (default conference)"},
		{Name: "type", Description: "public (the default) or all", Example: "all"},
		{Name: "search", Description: "a part of the room name"},
		{Name: "expandGroups", Description: "list the members of affiliated groups"}},
		Response: roomsEntity{Rooms: []roomEntity{exampleRoomEntity}}},
	"GET /chatrooms/{roomName}": {Path: map[string]string{"roomName": exampleRoom}, Response: exampleRoomEntity},
	"PUT /chatrooms/{roomName}": {Path: map[string]string{"roomName": exampleRoom},
		Description: "Replaces the settings and affiliations given; those left out stay.",
		Request:     map[string]any{"roomName": exampleRoom, "naturalName": "The big lounge"}},
	"DELETE /chatrooms/{roomName}": {Path: map[string]string{"roomName": exampleRoom}},
	"GET /chatrooms/{roomName}/occupants": {Path: map[string]string{"roomName": exampleRoom},
		Response: occupantsEntity{Occupants: []occupantEntity{}}},

	"GET /sessions": {Response: sessionsEntity{Sessions: []sessionEntity{}}},
	"GET /sessions/{username}": {Path: map[string]string{"username": exampleUser},
		Response: sessionsEntity{Sessions: []sessionEntity{}}},
	"GET /system/statistics/sessions": {Response: sessionsCountEntity{LocalSessions: 0, ClusterSessions: 0}},
	"POST /messages/users": {Status: http.StatusCreated, Description: "An announcement (XEP-0133 announce) to every online user.",
		Request: map[string]any{"body": "The server restarts at noon."}},
}

// errorExample is Openfire's error body, for the API documents.
var errorExample = errorBody{Resource: exampleUser, Message: "User does not exist", Exception: "UserNotFoundException"}
