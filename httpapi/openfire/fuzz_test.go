package openfire

import (
	"net/http/httptest"
	"strings"
	"testing"

	"xmpprest/httpapi"
)

// bodyTypes make a fresh value of every entity the dialect reads from a
// request body.
var bodyTypes = map[string]func() any{
	"users": func() any { return &usersIn{} }, "user": func() any { return &userIn{} },
	"group": func() any { return &groupIn{} }, "userGroups": func() any { return &userGroupsIn{} },
	"property": func() any { return &propertyEntity{} }, "rosterItem": func() any { return &rosterItemIn{} },
	"room": func() any { return &roomIn{} }, "rooms": func() any { return &roomsIn{} },
	"affiliations": func() any { return &affiliationsIn{} }, "invitation": func() any { return &invitationIn{} },
	"message": func() any { return &messageIn{} },
}

// Every body decoder of the dialect, JSON and XML, old shapes included,
// answers any input with a value or a fault: no panic, no hang.
func FuzzOpenfireBodies(f *testing.F) {
	for _, seed := range []string{
		`{"username":"a","password":"p","properties":{"property":[{"@key":"k","@value":"v"}]}}`,
		`{"users":[{"username":"a","password":"p"}]}`,
		`{"name":"g","description":null,"admins":false,"members":{"member":["a@b"]}}`,
		`{"groupname":["g1","g2"]}`, `{"@key":"k","@value":"v"}`,
		`{"jid":"a@b","name":"n","subscriptionType":3,"groups":{"group":"g"}}`,
		`{"roomName":"r","naturalName":"n","maxUsers":"30","owners":{"owner":"a@b"},"broadcastPresenceRoles":false}`,
		`<user><username>a</username><password>p</password><properties><property key="k" value="v"/></properties></user>`,
		`<group><name>g</name><members><member>a@b</member></members></group>`,
		`<chatRoom><roomName>r</roomName><maxUsers>30</maxUsers></chatRoom>`,
		`<rosterItem><jid>a@b</jid><subscriptionType>3</subscriptionType></rosterItem>`,
		"\xff\xfe", "[[[[[", "<a><a><a>", "null", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, ct := range []string{"application/json", "application/xml"} {
			for _, make := range bodyTypes {
				r := httptest.NewRequest("POST", "/", strings.NewReader(body))
				r.Header.Set("Content-Type", ct)
				_ = httpapi.DecodeBody(r, make(), httpapi.MediaXML, httpapi.MediaJSON)
			}
		}
	})
}
