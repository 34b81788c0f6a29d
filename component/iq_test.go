package component

import (
	"encoding/xml"
	"strings"
	"testing"

	"xmpprest/component/fault"
)

func TestDecodeReply(t *testing.T) {
	var ping pingIQ
	err := DecodeReply(xml.NewDecoder(strings.NewReader(
		`<iq type='result' from='example.org' id='1'><ping xmlns='urn:xmpp:ping'/></iq>`)), &ping)
	if err != nil || ping.XMLName.Local != "ping" {
		t.Fatalf("result: %v %+v", err, ping)
	}
	if err := DecodeReply(xml.NewDecoder(strings.NewReader(`<iq type='result' id='1'/>`)), &ping); err != nil {
		t.Fatalf("empty result: %v", err)
	}
}

// Error replies recorded from Prosody 0.12 and ejabberd 23.01 become faults
// of the right kind, keeping the server's text.
func TestErrorRepliesAreClassified(t *testing.T) {
	for _, tc := range []struct {
		reply string
		kind  fault.Kind
		text  string
	}{
		{`<iq type='error' from='example.org' id='c1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`, fault.NotSupported, "service-unavailable"},
		{`<iq to='rest.example.org' from='example.org' type='error' id='c1'><command node='x' xmlns='http://jabber.org/protocol/commands'/><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>No hook has processed this command</text></error></iq>`, fault.NotFound, "No hook has processed this command"},
		{`<iq type='error' id='1'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`, fault.Conflict, "conflict"},
		{`<iq type='error' id='1'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Only owners can configure rooms</text></error></iq>`, fault.Forbidden, "Only owners"},
		{`<iq type='error' id='1'><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Module failed to handle the query</text></error></iq>`, fault.BadGateway, "Module failed"},
		{`<iq type='error' id='1'/>`, fault.BadGateway, "without an <error/>"},
	} {
		err := DecodeReply(xml.NewDecoder(strings.NewReader(tc.reply)), nil)
		if fault.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s\n  got %v (%s), want %s containing %q", tc.reply, err, fault.KindOf(err), tc.kind, tc.text)
		}
	}
}

func TestJitterStaysInRange(t *testing.T) {
	for i := 0; i < 1000; i++ {
		d := jitter(2000)
		if d < 1000 || d >= 2000 {
			t.Fatalf("jitter(2000) = %d", d)
		}
	}
}
