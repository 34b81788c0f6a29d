package adhoc

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component"
)

// Replies recorded from Prosody 0.12.3 on loopback (duplicate namespace
// declarations of the capture removed).
const (
	prosodyAddUserForm = `<iq xmlns="jabber:component:accept" type="result" from="example.org" to="rest.example.org" id="e">` +
		`<command xmlns="http://jabber.org/protocol/commands" node="http://jabber.org/protocol/admin#add-user" sessionid="7d4516c0-e945-485f-85c6-a45254c7579a" status="executing">` +
		`<actions execute="complete"><next/><complete/></actions>` +
		`<x xmlns="jabber:x:data" type="form"><title>Adding a User</title><instructions>Fill out this form to add a user.</instructions>` +
		`<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/admin</value></field>` +
		`<field var="accountjid" label="The Jabber ID for the account to be added" type="jid-single"><required/></field>` +
		`<field var="password" label="The password for this account" type="text-private"/>` +
		`<field var="password-verify" label="Retype password" type="text-private"/></x></command></iq>`
	prosodyAddUserDone = `<iq xmlns="jabber:component:accept" type="result" from="example.org" to="rest.example.org" id="a9">` +
		`<command xmlns="http://jabber.org/protocol/commands" node="http://jabber.org/protocol/admin#add-user" sessionid="980b57ca-8590-45ab-87dd-b45961d5a2a1" status="completed">` +
		`<note type="info">Account successfully created</note></command></iq>`
)

// prosodyUserList is a get-registered-users-list reply of Prosody with n
// accounts.
func prosodyUserList(n int) string {
	var b strings.Builder
	b.WriteString(`<iq xmlns="jabber:component:accept" type="result" from="example.org" to="rest.example.org" id="r">` +
		`<command xmlns="http://jabber.org/protocol/commands" node="http://jabber.org/protocol/admin#get-registered-users-list" sessionid="1fdb83f6-17e7-4241-b3d8-6adbcc5ed286" status="completed">` +
		`<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/admin</value></field>` +
		`<field var="registereduserjids" label="The list of all users" type="jid-multi">`)
	for i := range n {
		fmt.Fprintf(&b, "<value>user%d@example.org</value>", i)
	}
	b.WriteString(`</field></x></command></iq>`)
	return b.String()
}

func learnedAddUserSpec(b *testing.B) *formSpec {
	var reply Command
	if err := component.DecodeReply(xml.NewDecoder(strings.NewReader(prosodyAddUserForm)), &reply); err != nil {
		b.Fatal(err)
	}
	return learn(reply.Form)
}

func addUserRequest() Request {
	return Request{Host: jid.MustParse("example.org"), Node: NodeAddUser, Args: []Arg{
		argAccountJID("alice@example.org"),
		{Names: []string{"password"}, Values: []string{"s3cret"}},
		{Names: []string{"password-verify"}, Values: []string{"s3cret"}, Optional: true},
	}}
}

// BenchmarkBuildCommandStanza is the outgoing half of a one-shot command:
// the form filled with the host's field names, and the command marshaled
// the way component.Link marshals a payload.
func BenchmarkBuildCommandStanza(b *testing.B) {
	spec, req := learnedAddUserSpec(b), addUserRequest()
	b.ReportAllocs()
	for b.Loop() {
		form, err := fill(req, spec)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := xml.Marshal(Command{Node: req.Node, Action: "complete", Form: form}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeCommandReply decodes recorded replies into a Command, as
// component.Link does for adhoc.Client.
func BenchmarkDecodeCommandReply(b *testing.B) {
	for _, tc := range []struct {
		name, reply string
	}{
		{"add-user-completed", prosodyAddUserDone},
		{"add-user-form", prosodyAddUserForm},
		{"user-list-100", prosodyUserList(100)},
		{"user-list-10000", prosodyUserList(10000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.reply)))
			b.ReportAllocs()
			for b.Loop() {
				var c Command
				if err := component.DecodeReply(xml.NewDecoder(strings.NewReader(tc.reply)), &c); err != nil {
					b.Fatal(err)
				}
				if c.Status == "" {
					b.Fatal("no status decoded")
				}
			}
		})
	}
}

// cannedSender answers every IQ with the same recorded reply, after
// marshaling the payload as component.Link does: the client's whole cost
// without the network.
type cannedSender struct{ reply string }

func (s cannedSender) Do(_ context.Context, iq component.IQ, result any) error {
	if _, err := xml.Marshal(iq.Payload); err != nil {
		return err
	}
	return component.DecodeReply(xml.NewDecoder(strings.NewReader(s.reply)), result)
}

// BenchmarkAddUserClientSide is AddUser on a host whose form is known: one
// stanza built, one reply decoded and checked.
func BenchmarkAddUserClientSide(b *testing.B) {
	c := NewClient(cannedSender{prosodyAddUserDone}, nil)
	c.forms.Store(formKey{"example.org", NodeAddUser}, learnedAddUserSpec(b))
	u := NewUser{JID: jid.MustParse("alice@example.org"), Password: "s3cret"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.AddUser(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegisteredUsersClientSide lists 1000 accounts from a recorded
// reply.
func BenchmarkRegisteredUsersClientSide(b *testing.B) {
	c := NewClient(cannedSender{prosodyUserList(1000)}, nil)
	c.forms.Store(formKey{"example.org", NodeGetRegisteredUsersList}, &formSpec{
		formType: "http://jabber.org/protocol/admin", types: map[string]string{"max_items": "list-single"}})
	host := jid.MustParse("example.org")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		users, err := c.RegisteredUsers(ctx, host)
		if err != nil || len(users) != 1000 {
			b.Fatalf("%d users, %v", len(users), err)
		}
	}
}
