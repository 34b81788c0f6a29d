package openfire

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"xmpprest/component/fault"
)

func TestDecodeRosterItemShapes(t *testing.T) {
	for _, c := range []struct {
		name, contentType, body string
		nickname                string
		sub                     subType
		groups                  *[]string
	}{
		{"xml", mimeXML, `<rosterItem><jid>b@x.org</jid><nickname>B</nickname><subscriptionType>3</subscriptionType><groups><group>F</group></groups></rosterItem>`,
			"B", subType{true, 3}, &[]string{"F"}},
		{"xml minimal", mimeXML, `<rosterItem><jid>b@x.org</jid></rosterItem>`, "", subType{}, nil},
		{"json", mimeJSON, `{"jid":"b@x.org","nickname":"B","subscriptionType":-1,"groups":["F","G"]}`,
			"B", subType{true, -1}, &[]string{"F", "G"}},
		{"json old name and wrapped groups", mimeJSON, `{"jid":"b@x.org","name":"B","subscriptionType":"2","groups":{"group":["F"]}}`,
			"B", subType{true, 2}, &[]string{"F"}},
		{"json single wrapped group, nulls", mimeJSON, `{"jid":"b@x.org","nickname":null,"subscriptionType":null,"groups":{"group":"F"}}`,
			"", subType{}, &[]string{"F"}},
	} {
		var in rosterItemIn
		if err := decode(request(c.contentType, "", c.body), &in); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if in.JID.Value != "b@x.org" || in.nickname().Value != c.nickname || in.SubscriptionType != c.sub || !reflect.DeepEqual(in.Groups.Ptr(), c.groups) {
			t.Errorf("%s: got %+v nickname %q groups %v", c.name, in, in.nickname().Value, in.Groups.Ptr())
		}
	}
	for _, bad := range []struct{ contentType, body string }{
		{mimeJSON, `{"jid":"b@x.org","subscriptionType":4}`},
		{mimeJSON, `{"jid":"b@x.org","subscriptionType":"both"}`},
		{mimeJSON, `{"jid":"b@x.org","subscriptionType":true}`},
		{mimeXML, `<rosterItem><jid>b@x.org</jid><subscriptionType>-2</subscriptionType></rosterItem>`},
		{mimeXML, `<rosterItem><jid>b@x.org</jid><subscriptionType>x</subscriptionType></rosterItem>`},
		{mimeJSON, `{"jid":["b@x.org"]}`},
	} {
		var in rosterItemIn
		if err := decode(request(bad.contentType, "", bad.body), &in); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%s: want BadRequest, got %v", bad.body, err)
		}
	}
}

func TestSubscriptionTypes(t *testing.T) {
	for n, s := range map[int]string{-1: "remove", 0: "none", 1: "to", 2: "from", 3: "both"} {
		if subscriptionTypes[n] != s || (n >= 0 && subscriptionNumber(s) != n) {
			t.Errorf("%d <-> %s broken", n, s)
		}
	}
	if subscriptionNumber("") != 0 {
		t.Error("an item without subscription is none (0)")
	}
}

func TestWriteRoster(t *testing.T) {
	a := &api{}
	out := rosterEntity{Items: []rosterItemEntity{{JID: "b@x.org", Nickname: "B", SubscriptionType: 3, Groups: []string{}}}}
	for accept, want := range map[string]string{
		mimeJSON: `{"rosterItem":[{"jid":"b@x.org","nickname":"B","subscriptionType":3,"groups":[]}]}`,
		mimeXML:  `<?xml version="1.0" encoding="UTF-8"?><roster><rosterItem><jid>b@x.org</jid><nickname>B</nickname><subscriptionType>3</subscriptionType><groups></groups></rosterItem></roster>`,
	} {
		r := httptest.NewRequest(http.MethodGet, Prefix+"/users/a/roster", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		a.write(w, r, http.StatusOK, out)
		if w.Body.String() != want {
			t.Errorf("%s:\n got %s\nwant %s", accept, w.Body.String(), want)
		}
	}
}
