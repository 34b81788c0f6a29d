package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

// TestSparkWebRawStanzas: POST /xmpp sends a stanza from the user's own
// session whatever its from says, answers an iq's reply, and refuses what
// is not one well-formed message, presence or iq. The server runs without
// an upload service, which the upload request reports as 501.
func TestSparkWebRawStanzas(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := startSparkWebOn(t, kind, xmppserver.Options{WithoutUpload: true})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		alice := e.account("alice", "alice-pw")
		bob := e.account("bob", "bob-pw")
		token := e.signIn("alice", "alice-pw")
		b, err := c2stest.Login(ctx, e.c2sOpts(), bob, "bob-pw", "phone")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.SendPresence(ctx)

		// A message with a forged from arrives from alice.
		e.swJSON("POST", "/xmpp", token, fmt.Sprintf(`<message xmlns='jabber:client' to='%s' from='%s' type='chat'><body>raw hello</body></message>`, bob, bob), nil)
		m, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "raw hello" })
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(m.From, alice.String()+"/") {
			t.Fatalf("raw message from %q, want alice's session", m.From)
		}
		// A presence reaches its addressee.
		e.swJSON("POST", "/xmpp", token, fmt.Sprintf(`<presence to='%s' type='subscribe'/>`, bob), nil)
		if _, err := b.WaitPresence(ctx, func(p c2stest.Presence) bool {
			return p.Type == "subscribe" && strings.HasPrefix(p.From, alice.String())
		}); err != nil {
			t.Fatal(err)
		}
		// An iq's reply is answered: the server's version, and an error
		// reply as it is.
		got := e.wantStatus(http.StatusOK, "POST", "/xmpp", token, fmt.Sprintf(`<iq type='get' to='%s'><query xmlns='jabber:iq:version'/></iq>`, e.Server.Hosts[0]))
		if !strings.Contains(got, "type=\"result\"") || !strings.Contains(got, "<name") {
			t.Fatalf("version reply %s", got)
		}
		got = e.wantStatus(http.StatusOK, "POST", "/xmpp", token, fmt.Sprintf(`<iq type='get' to='%s'><query xmlns='urn:example:nothing'/></iq>`, e.Server.Hosts[0]))
		if !strings.Contains(got, "type=\"error\"") {
			t.Fatalf("error reply %s", got)
		}

		// Refused: not a stanza, not well-formed, several, directives.
		for _, bad := range []string{
			"",
			"hello",
			"<message to='x@y'><body>unclosed</message>",
			"<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>",
			"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
			"<message xmlns='jabber:server' to='a@b'/>",
			"<message to='a@b'/><message to='a@b'/>",
			"<!DOCTYPE x [<!ENTITY a 'b'>]><message to='a@b'><body>&a;</body></message>",
			"<message to='a@b'><body>&unknown;</body></message>",
			"<iq type='get' to='a@b'/>",
			"<iq type='bogus' to='a@b'><ping xmlns='urn:xmpp:ping'/></iq>",
		} {
			e.wantStatus(http.StatusBadRequest, "POST", "/xmpp", token, bad)
		}
		e.wantStatus(http.StatusUnauthorized, "POST", "/xmpp", "", "<presence/>")

		if msg := e.wantStatus(http.StatusNotImplemented, "GET", "/upload/x.txt/3", token, ""); !strings.Contains(msg, "upload") {
			t.Fatalf("501 without saying why: %q", msg)
		}
	})
}
