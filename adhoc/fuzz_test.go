package adhoc

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component"
)

// fuzzSender answers every IQ with the same reply, decoded as the link
// decodes it.
type fuzzSender string

func (s fuzzSender) Do(_ context.Context, _ component.IQ, result any) error {
	return component.DecodeReply(xml.NewDecoder(strings.NewReader(string(s))), result)
}

// Every typed command reads any reply a server may send (data forms,
// notes, errors, garbage) into a value or an error: no panic, no hang.
func FuzzCommandReply(f *testing.F) {
	for _, seed := range []string{
		`<iq type='result'><command xmlns='http://jabber.org/protocol/commands' status='executing' sessionid='s' node='n'><x xmlns='jabber:x:data' type='form'><field var='accountjid' type='jid-single'/><field var='password' type='text-private'/></x></command></iq>`,
		`<iq type='result'><command xmlns='http://jabber.org/protocol/commands' status='completed'><x xmlns='jabber:x:data' type='result'><field var='onlineusers'><value>a@b</value><value>c@d</value></field><field var='registeredusersnum'><value>12</value></field></x></command></iq>`,
		`<iq type='result'><command xmlns='http://jabber.org/protocol/commands' status='completed'><note type='error'>User does not exist</note></command></iq>`,
		`<iq type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></iq>`,
		`<iq type='result'><command xmlns='http://jabber.org/protocol/commands' status='completed'><x xmlns='jabber:x:data' type='result'><field var='lastlogin'><value>Never</value></field><field var='rostersize'><value>x</value></field></x></command></iq>`,
		`<iq type='result'/>`, `<iq`, ``,
	} {
		f.Add(seed)
	}
	user, host := jid.MustParse("alice@example.org"), jid.MustParse("example.org")
	f.Fuzz(func(t *testing.T, reply string) {
		ctx := context.Background()
		c := NewClient(fuzzSender(reply), nil)
		c.AddUser(ctx, NewUser{JID: user, Password: "pw"})
		c.DeleteUser(ctx, user)
		c.ChangePassword(ctx, user, "pw")
		c.EndSessions(ctx, user)
		c.OnlineUsers(ctx, host)
		c.RegisteredUsers(ctx, host)
		c.RegisteredUsersNum(ctx, host)
		c.OnlineUsersNum(ctx, host)
		c.UserStats(ctx, user)
		c.LastLogin(ctx, user)
		c.UserExists(ctx, user)
		c.UserRoster(ctx, user)
		c.Announce(ctx, host, "s", "b")
	})
}
