package c2stest

import (
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmlstream"
)

func TestReadRaw(t *testing.T) {
	in := `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>` +
		`<message xmlns='jabber:client' from='a@x/r' to='b@x' type='chat' id='1' xml:lang='en'>` +
		`<body>hi &amp; &lt;bye&gt;</body><body xml:lang='fr'>salut</body><subject>s</subject>` +
		`<x xmlns='jabber:x:data' type='form'><field var='f'/></x></message>`
	d := xml.NewDecoder(strings.NewReader(in))
	d.Token() // stream
	tok, _ := d.Token()
	start := tok.(xml.StartElement)
	raw, err := readRaw(start, xmlstream.InnerElement(d))
	if err != nil {
		t.Fatal(err)
	}
	want := `<message xmlns="jabber:client" from="a@x/r" to="b@x" type="chat" id="1" xml:lang="en">` +
		`<body>hi &amp; &lt;bye&gt;</body><body xml:lang="fr">salut</body><subject>s</subject>` +
		`<x xmlns="jabber:x:data" type="form"><field var="f"></field></x></message>`
	if string(raw) != want {
		t.Errorf("got  %s\nwant %s", raw, want)
	}
	m, err := parseMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != "a@x/r" || m.To != "b@x" || m.Type != "chat" || m.ID != "1" || m.Body != "hi & <bye>" || m.Subject != "s" || m.Raw != want {
		t.Errorf("got %+v", m)
	}
}
