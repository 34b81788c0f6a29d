package component

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
)

// tokens hides the *xml.Decoder, as mellium's session does: decoding from a
// bare token stream is where encoding/xml's ",innerxml" stays empty.
type tokens struct{ d *xml.Decoder }

func (t tokens) Token() (xml.Token, error) { return t.d.Token() }

func replay(raw string) xml.TokenReader {
	return tokens{xml.NewDecoder(strings.NewReader(raw))}
}

// Recorded on Prosody 0.12 with mod_privilege (prosody-modules, Debian
// bookworm).
const (
	prosodyPrivilegedVCard = `<iq id='v2' to='rest.example.org' from='alice@example.org' type='result'><privilege xmlns='urn:xmpp:privilege:2'><forwarded xmlns='urn:xmpp:forward:0'><iq id='p2' to='alice@example.org' xmlns='jabber:client' type='result'><vCard xmlns='vcard-temp'><FN>Alice A</FN><N><FAMILY/><GIVEN/><MIDDLE/><PREFIX/><SUFFIX/></N></vCard></iq></forwarded></privilege></iq>`
	prosodyPrivilegedSet   = `<iq id='v1' to='rest.example.org' from='alice@example.org' type='result'><privilege xmlns='urn:xmpp:privilege:2'><forwarded xmlns='urn:xmpp:forward:0'><iq id='p1' to='alice@example.org' xmlns='jabber:client' type='result'/></forwarded></privilege></iq>`
	prosodyPrivilegedError = `<iq id='v2' to='rest.example.org' from='alice@example.org' type='result'><privilege xmlns='urn:xmpp:privilege:2'><forwarded xmlns='urn:xmpp:forward:0'><iq id='p2' to='alice@example.org' xmlns='jabber:client' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq></forwarded></privilege></iq>`
	prosodyIQNotGranted    = `<iq id='v3' to='rest.example.org' from='alice@example.org' type='error'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>you are not allowed to send privileged &lt;IQ&gt; stanzas of this type and namespace</text></error></iq>`
	prosodyAdvert          = `<message xmlns='jabber:component:accept' to='rest.example.org' from='example.org'><privilege xmlns='urn:xmpp:privilege:2'><perm type='both' access='roster'/><perm type='outgoing' access='message'/><perm access='iq'><namespace ns='urn:xmpp:mam:2' type='get'><namespace ns='vcard-temp' type='both'/></namespace></perm></privilege></message>`
	prosodyRosterResult    = `<iq id='r2' to='rest.example.org' from='alice@example.org' type='result'><query xmlns='jabber:iq:roster'><item name='Bob' subscription='both' jid='bob@example.org'><group>G</group></item></query></iq>`
)

// Recorded on ejabberd 23.01.
const (
	ejabberdRosterSet = `<iq to='rest.example.org' from='alice@example.org' type='error' id='r1'><query xmlns='jabber:iq:roster'><item jid='bob@example.org' name='Bob' subscription='both'><group>G</group></item></query><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Module failed to handle the query</text></error></iq>`
	ejabberdAdvert    = `<message xmlns='jabber:component:accept' to='rest.example.org' from='example.org'><privilege xmlns='urn:xmpp:privilege:1'><perm type='outgoing' access='message'/><perm type='both' access='roster'/><perm type='none' access='presence'/></privilege></message>`
)

func testLink(t *testing.T) *Link {
	t.Helper()
	return New(Config{Domain: jid.MustParse("rest.example.org"), Hosts: []jid.JID{jid.MustParse("example.org")}})
}

func TestPrivilegedIQPayload(t *testing.T) {
	body, err := privilegedIQPayload(NSPrivilege2, jid.MustParse("alice@example.org"), stanza.SetIQ, "priv-1", []byte(`<vCard xmlns="vcard-temp"><FN>A &amp; B</FN></vCard>`))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		XMLName xml.Name `xml:"urn:xmpp:privilege:2 privileged_iq"`
		IQ      struct {
			Type  string `xml:"type,attr"`
			ID    string `xml:"id,attr"`
			From  string `xml:"from,attr"`
			To    string `xml:"to,attr"`
			VCard struct {
				FN string `xml:"FN"`
			} `xml:"vcard-temp vCard"`
		} `xml:"jabber:client iq"`
	}
	if err := xml.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if v.IQ.Type != "set" || v.IQ.ID != "priv-1" || v.IQ.From != "alice@example.org" || v.IQ.To != "alice@example.org" || v.IQ.VCard.FN != "A & B" {
		t.Fatalf("wrapped IQ = %+v (%s)", v.IQ, body)
	}
}

func TestRosterQueryShape(t *testing.T) {
	b, err := xml.Marshal(rosterQuery{Items: []RosterItem{{JID: "bob@example.org", Name: "Bob", Subscription: "both", Groups: []string{"G", "H"}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<query xmlns="jabber:iq:roster"><item jid="bob@example.org" name="Bob" subscription="both"><group>G</group><group>H</group></item></query>`
	if string(b) != want {
		t.Fatalf("roster set payload\n got %s\nwant %s", b, want)
	}
	b, _ = xml.Marshal(rosterQuery{})
	if string(b) != `<query xmlns="jabber:iq:roster"></query>` {
		t.Fatalf("roster get payload %s", b)
	}
	var q rosterQuery
	if err := DecodeReply(replay(prosodyRosterResult), &q); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(q.Items, []RosterItem{{JID: "bob@example.org", Name: "Bob", Subscription: "both", Groups: []string{"G"}}}) {
		t.Fatalf("roster = %+v", q.Items)
	}
}

func TestPrivilegedReply(t *testing.T) {
	var r privilegeReply
	if err := DecodeReply(replay(prosodyPrivilegedVCard), &r); err != nil {
		t.Fatal(err)
	}
	var v Element
	if err := r.decode(&v); err != nil {
		t.Fatal(err)
	}
	want := `<vCard xmlns="vcard-temp"><FN>Alice A</FN><N><FAMILY></FAMILY><GIVEN></GIVEN><MIDDLE></MIDDLE><PREFIX></PREFIX><SUFFIX></SUFFIX></N></vCard>`
	if v.Name != (xml.Name{Space: NSVCardTemp, Local: "vCard"}) || string(v.XML) != want {
		t.Fatalf("vCard = %v %s", v.Name, v.XML)
	}

	r = privilegeReply{}
	if err := DecodeReply(replay(prosodyPrivilegedSet), &r); err != nil {
		t.Fatal(err)
	}
	if err := r.decode(nil); err != nil {
		t.Fatalf("set result: %v", err)
	}

	r = privilegeReply{}
	if err := DecodeReply(replay(prosodyPrivilegedError), &r); err != nil {
		t.Fatal(err)
	}
	if err := r.decode(&v); StanzaCondition(err) != stanza.ItemNotFound || !fault.Is(err, fault.NotFound) {
		t.Fatalf("forwarded error: %v", err)
	}

	err := DecodeReply(replay(prosodyIQNotGranted), &r)
	if err := privilegeFailure(err, "read vCards"); !fault.Is(err, fault.NotSupported) {
		t.Fatalf("refused privilege: want NotSupported, got %v", err)
	}
	if err := (privilegeReply{}).decode(nil); !fault.Is(err, fault.BadGateway) {
		t.Fatalf("empty reply: %v", err)
	}
}

func TestElementKeepsNamespacesAndLang(t *testing.T) {
	var e Element
	raw := `<x xmlns='a' xmlns:p='urn:p' xml:lang='de' k='v&amp;w' p:skip='1'><y>t&lt;</y><z xmlns='b'><w/></z></x>`
	if err := xml.NewTokenDecoder(replay(raw)).Decode(&e); err != nil {
		t.Fatal(err)
	}
	want := `<x xmlns="a" xml:lang="de" k="v&amp;w"><y>t&lt;</y><z xmlns="b"><w></w></z></x>`
	if string(e.XML) != want {
		t.Fatalf("element\n got %s\nwant %s", e.XML, want)
	}
}

func TestPrivilegeAdvertisements(t *testing.T) {
	l := testLink(t)
	l.dispatch(Inbound{Name: "message", From: "example.org", Raw: []byte(prosodyAdvert)})
	p := l.caps.Privileges()
	if p.Namespace != NSPrivilege2 || !p.CanRosterSet() || !p.CanIQ(NSVCardTemp, "get") || !p.CanIQ(NSVCardTemp, "set") ||
		!p.CanIQ("urn:xmpp:mam:2", "get") || p.CanIQ("urn:xmpp:mam:2", "set") {
		t.Fatalf("Prosody's nested namespaces not all read: %+v", p)
	}
	if lim := limitations(l.cfg.Hosts, nil, p, &l.caps.observed); len(lim) != 0 {
		t.Fatalf("limitations with everything granted: %+v", lim)
	}

	l = testLink(t)
	l.dispatch(Inbound{Name: "message", From: "example.org", Raw: []byte(ejabberdAdvert)})
	p = l.caps.Privileges()
	if p.Namespace != NSPrivilege1 || !p.CanRosterGet() || p.CanIQ(NSVCardTemp, "get") {
		t.Fatalf("ejabberd privileges = %+v", p)
	}
	lim := limitations(l.cfg.Hosts, nil, p, &l.caps.observed)
	if len(lim) != 1 || lim[0].Feature != "iq:vcard-temp" {
		t.Fatalf("ejabberd limitations before any roster set = %+v", lim)
	}
	lim = limitations(l.cfg.Hosts, []HostCapabilities{{Host: "example.org", Software: "ejabberd", Version: "23.01"}}, p, &l.caps.observed)
	if len(lim) != 2 || lim[0].Feature != "roster-set" {
		t.Fatalf("ejabberd 23.01 limitations = %+v", lim)
	}
	if knownRosterSetBug(HostCapabilities{Software: "ejabberd", Version: "23.10"}) || knownRosterSetBug(HostCapabilities{Software: "ejabberd", Version: "24.12.1"}) {
		t.Error("ejabberd 23.10 and later do not have the roster set bug")
	}
	if !knownRosterSetBug(HostCapabilities{Software: "ejabberd", Version: "23.01-1"}) {
		t.Error("Debian's ejabberd 23.01 (version \"23.01-1\") has the roster set bug")
	}
}

func TestEjabberdRosterSetBugIsRecognised(t *testing.T) {
	l := testLink(t)
	l.dispatch(Inbound{Name: "message", From: "example.org", Raw: []byte(ejabberdAdvert)})
	err := DecodeReply(replay(ejabberdRosterSet), nil)
	if !l.isEjabberdRosterSetBug("example.org", err) {
		t.Fatalf("ejabberd's roster set failure not recognised: %v", err)
	}
	other := ClassifyStanzaError(stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError,
		Text: map[string]string{"": "Unable to save roster"}})
	if l.isEjabberdRosterSetBug("example.org", other) {
		t.Fatal("Prosody's storage failure taken for ejabberd's bug")
	}
}

func TestRosterSetRefusedWithoutGrant(t *testing.T) {
	l := testLink(t) // no advertisement: nothing granted
	err := l.RosterSet(t.Context(), jid.MustParse("alice@example.org"), RosterItem{JID: "bob@example.org"})
	if !fault.Is(err, fault.NotSupported) || !strings.Contains(fault.Message(err), "roster") {
		t.Fatalf("roster set without grant: %v", err)
	}
	_, err = l.RosterGet(t.Context(), jid.MustParse("alice@example.org"))
	if !fault.Is(err, fault.NotSupported) {
		t.Fatalf("roster get without grant: %v", err)
	}
	err = l.PrivilegedIQ(t.Context(), jid.MustParse("alice@example.org"), stanza.GetIQ, NSVCardTemp, nil, nil)
	if !fault.Is(err, fault.NotSupported) || !strings.Contains(fault.Message(err), "vcard-temp") {
		t.Fatalf("privileged IQ without grant: %v", err)
	}
}

func TestRosterItemValidation(t *testing.T) {
	for _, it := range []RosterItem{
		{JID: "bob@example.org/phone"},
		{JID: "a@b@c"},
		{JID: "bob@example.org", Subscription: "pending"},
	} {
		if err := validRosterItem(it); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%+v: want BadRequest, got %v", it, err)
		}
	}
	if err := validRosterItem(RosterItem{JID: "bob@example.org", Subscription: "remove"}); err != nil {
		t.Error(err)
	}
}
