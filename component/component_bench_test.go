package component

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// BenchmarkEncodeIQ is the outgoing path of Link.do up to the wire: the
// payload marshaled, read back as tokens, wrapped in the IQ header and
// encoded, as the session does when it sends.
func BenchmarkEncodeIQ(b *testing.B) {
	head := stanza.IQ{Type: stanza.GetIQ, ID: "b1", From: jid.MustParse("rest.example.org"), To: jid.MustParse("example.org")}
	b.ReportAllocs()
	for b.Loop() {
		body, err := xmlEncode(pingIQ{})
		if err != nil {
			b.Fatal(err)
		}
		r := head.Wrap(xml.NewDecoder(bytes.NewReader(body)))
		e := xml.NewEncoder(io.Discard)
		for {
			tok, err := r.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := e.EncodeToken(tok); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeReply decodes a result and a classified error reply
// (recorded from Prosody 0.12).
func BenchmarkDecodeReply(b *testing.B) {
	for _, tc := range []struct {
		name, reply string
		fails       bool
	}{
		{"result", `<iq xmlns="jabber:component:accept" type="result" from="example.org" to="rest.example.org" id="b1"/>`, false},
		{"error", `<iq xmlns="jabber:component:accept" type="error" from="example.org" to="rest.example.org" id="b1">` +
			`<error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>` +
			`<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">No such user</text></error></iq>`, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var p pingIQ
				err := DecodeReply(xml.NewDecoder(strings.NewReader(tc.reply)), &p)
				if (err != nil) != tc.fails {
					b.Fatalf("err = %v", err)
				}
			}
		})
	}
}
