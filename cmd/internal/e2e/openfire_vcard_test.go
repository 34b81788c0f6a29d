package e2e

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

const testVCard = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<vCard xmlns="vcard-temp">
    <N><FAMILY>Doe</FAMILY><GIVEN>Janice</GIVEN><MIDDLE>Francis</MIDDLE></N>
    <NICKNAME>Jane</NICKNAME>
    <FN>Janice Francis Doe</FN>
    <EMAIL><HOME/><INTERNET/><PREF/><USERID>j.doe@example.org</USERID></EMAIL>
</vCard>`

// vcardFields is what the tests read of a vCard.
type vcardFields struct {
	XMLName  xml.Name `xml:"vcard-temp vCard"`
	FN       string   `xml:"FN"`
	Nickname string   `xml:"NICKNAME"`
	Family   string   `xml:"N>FAMILY"`
	Email    string   `xml:"EMAIL>USERID"`
}

// TestOpenfireVCard sets, reads and deletes a user's vCard where the server
// grants the XEP-0356 IQ permission for vcard-temp (Prosody), checking it
// with the user's own vcard-temp get over c2s; ejabberd 23.01 has no IQ
// permission: 501.
func TestOpenfireVCard(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		e.awaitPrivileges()
		alice := e.account("alice", "pw")
		path := "/users/" + alice.Localpart() + "/vcard"
		xmlHeaders := map[string]string{"Authorization": apiSecret, "Content-Type": "application/xml"}

		if kind == xmppserver.Ejabberd {
			for _, m := range []string{"GET", "PUT", "DELETE"} {
				body := ""
				if m == "PUT" {
					body = testVCard
				}
				status, answer := e.raw(m, ofPrefix+path, xmlHeaders, body)
				er := wantError(t, fmtXML, m+" vcard on ejabberd 23.01", status, answer, 501, "")
				if !strings.Contains(er.Message, "vcard-temp") {
					t.Errorf("501 does not name the missing permission: %+v", er)
				}
			}
			wantLimitation(t, e, "iq:vcard-temp")
			return
		}

		status, body := e.raw("GET", ofPrefix+path, xmlHeaders, "")
		if status != 204 || body != "" {
			t.Fatalf("vCard of a user without one: %d %q, want 204 and no body", status, body)
		}
		status, body = e.raw("PUT", ofPrefix+path, xmlHeaders, testVCard)
		wantStatus(t, "PUT vcard", status, body, 200)

		status, body = e.raw("GET", ofPrefix+path, xmlHeaders, "")
		wantStatus(t, "GET vcard", status, body, 200)
		var v vcardFields
		if err := xml.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("vCard answer %q: %v", body, err)
		}
		want := vcardFields{XMLName: v.XMLName, FN: "Janice Francis Doe", Nickname: "Jane", Family: "Doe", Email: "j.doe@example.org"}
		if v != want {
			t.Fatalf("vCard = %+v, want %+v", v, want)
		}

		// The user's own client sees it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := e.client(alice, "pw")
		reply, err := c.IQ(ctx, `<iq type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>`)
		if err != nil {
			t.Fatal(err)
		}
		var own struct {
			Type  string      `xml:"type,attr"`
			VCard vcardFields `xml:"vCard"`
		}
		if err := xml.Unmarshal([]byte(reply), &own); err != nil || own.Type != "result" || own.VCard.FN != "Janice Francis Doe" {
			t.Fatalf("alice's own vCard over c2s: %v %s", err, reply)
		}

		// Bad input changes nothing.
		for _, bad := range []struct {
			what, contentType, body string
			status                  int
		}{
			{"broken XML", "application/xml", "<vCard xmlns='vcard-temp'><FN>x</vCard>", 400},
			{"wrong root", "application/xml", "<user><FN>x</FN></user>", 400},
			{"empty body", "application/xml", "", 400},
			{"doctype", "application/xml", `<!DOCTYPE vCard [<!ENTITY x "y">]><vCard xmlns="vcard-temp"><FN>&x;</FN></vCard>`, 400},
			{"JSON", "application/json", `{"FN":"x"}`, 415},
		} {
			status, body := e.raw("PUT", ofPrefix+path, map[string]string{"Authorization": apiSecret, "Content-Type": bad.contentType}, bad.body)
			if status != bad.status {
				t.Fatalf("%s: status %d, want %d; body %s", bad.what, status, bad.status, body)
			}
		}
		status, body = e.raw("GET", ofPrefix+path, xmlHeaders, "")
		if status != 200 || !strings.Contains(body, "Janice Francis Doe") {
			t.Fatalf("bad input changed the vCard: %d %s", status, body)
		}
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			status, body := e.raw(m, ofPrefix+"/users/nobody/vcard", xmlHeaders, testVCard)
			wantError(t, fmtXML, m+" vcard of a missing user", status, body, 404, "UserNotFoundException")
		}

		status, body = e.raw("DELETE", ofPrefix+path, xmlHeaders, "")
		wantStatus(t, "DELETE vcard", status, body, 200)
		status, body = e.raw("GET", ofPrefix+path, xmlHeaders, "")
		if status != 204 {
			t.Fatalf("vCard after delete: %d %s, want 204", status, body)
		}
		reply, err = c.IQ(ctx, `<iq type='get' id='v2'><vCard xmlns='vcard-temp'/></iq>`)
		if err != nil || strings.Contains(reply, "Janice") {
			t.Fatalf("alice's own vCard after delete: %v %s", err, reply)
		}
	})
}
