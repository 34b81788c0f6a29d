package ops

import (
	"encoding/xml"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
)

// Replies recorded from Prosody 0.12 and ejabberd 23.01 with alice online
// twice (resource "one" with presence, "two" without).
const (
	prosodyOnline  = `<command xmlns="http://jabber.org/protocol/commands" node="http://jabber.org/protocol/admin#get-online-users-list" status="completed"><x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/admin</value></field><field var="onlineuserjids" type="text-multi" label="The list of all online users"><value>alice@example.org</value><value> - one: available(0), IP: [127.0.0.1]</value><value> - two: unavailable(-), IP: [127.0.0.1]</value></field></x></command>`
	ejabberdOnline = `<command xmlns="http://jabber.org/protocol/commands" node="http://jabber.org/protocol/admin#get-online-users-list" status="completed"><x xmlns="jabber:x:data" type="form"><field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/admin</value></field><field var="onlineuserjids" type="jid-multi" label="The list of all online users"><value>alice@example.org</value></field></x></command>`
)

func decodeCommand(t *testing.T, s string) *adhoc.Command {
	t.Helper()
	var c adhoc.Command
	if err := xml.Unmarshal([]byte(s), &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestParseOnlineUsersProsodyDetails(t *testing.T) {
	users, details := parseOnlineUsers(decodeCommand(t, prosodyOnline).Form)
	if len(users) != 1 || users[0].String() != "alice@example.org" {
		t.Fatalf("users = %v", users)
	}
	one := details["alice@example.org/one"]
	if one.Presence != "available" || one.Priority == nil || *one.Priority != 0 || one.IPAddress != "127.0.0.1" {
		t.Errorf("one = %+v", one)
	}
	two := details["alice@example.org/two"]
	if two.Presence != "unavailable" || two.Priority != nil {
		t.Errorf("two = %+v", two)
	}
}

func TestParseOnlineUsersEjabberd(t *testing.T) {
	users, details := parseOnlineUsers(decodeCommand(t, ejabberdOnline).Form)
	if len(users) != 1 || users[0].String() != "alice@example.org" || len(details) != 0 {
		t.Fatalf("users = %v, details = %v", users, details)
	}
}

func TestSessionsFromStats(t *testing.T) {
	alice := jid.MustParse("alice@example.org")
	// ejabberd: "ip:port", in the order of the resources.
	ss := sessionsFromStats(alice, adhoc.UserStats{
		IPAddresses:     []string{"127.0.0.1:35346", "[::1]:35338"},
		OnlineResources: []string{"two", "one"},
	})
	if len(ss) != 2 || ss[0].Resource != "one" || ss[0].IPAddress != "::1" || ss[1].IPAddress != "127.0.0.1" {
		t.Fatalf("sessions = %+v", ss)
	}
	if ss[0].JID.String() != "alice@example.org/one" || ss[0].Username != "alice" {
		t.Errorf("session = %+v", ss[0])
	}
	// Lists of different lengths: no guessing which address is whose.
	ss = sessionsFromStats(alice, adhoc.UserStats{IPAddresses: []string{"127.0.0.1"}, OnlineResources: []string{"a", "b"}})
	if len(ss) != 2 || ss[0].IPAddress != "" {
		t.Errorf("mismatched lists: %+v", ss)
	}
}
