package component

import (
	"encoding/xml"
	"strings"
	"testing"
)

// Any IQ reply, well-formed or not, decodes into a value or a classified
// error: no panic, no hang.
func FuzzDecodeReply(f *testing.F) {
	for _, seed := range []string{
		`<iq type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im'/><feature var='urn:xmpp:ping'/></query></iq>`,
		`<iq type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='conference.example.org'/></query></iq>`,
		`<iq type='error'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
		`<iq type='error'/>`, `<iq type='result'/>`, `<iq type='result'><query xmlns='jabber:iq:version'><name>x</name></query></iq>`,
		`<iq`, ``, `<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a "b">]><iq type='result'>&a;</iq>`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		var info discoInfoReply
		DecodeReply(xml.NewDecoder(strings.NewReader(reply)), &info)
		var items discoItemsQuery
		DecodeReply(xml.NewDecoder(strings.NewReader(reply)), &items)
		DecodeReply(xml.NewDecoder(strings.NewReader(reply)), nil)
	})
}
