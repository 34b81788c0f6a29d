package openfire

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func request(contentType, accept, body string) *http.Request {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	return r
}

func TestDecodeUserShapes(t *testing.T) {
	for _, c := range []struct{ ct, body string }{
		{"application/xml", `<user><username>u</username><name>N</name><properties><property key="k" value="v"/></properties></user>`},
		{"application/json", `{"username":"u","name":"N","properties":[{"key":"k","value":"v"}]}`},
		{"application/json", `{"username":"u","name":"N","properties":{"property":[{"@key":"k","@value":"v"}]}}`},
		{"application/json", `{"username":"u","name":"N","email":null,"password":false,"properties":{"property":{"@key":"k","@value":"v"}}}`},
		{"application/json; charset=utf-8", `{"username":"u","name":"N","properties":[{"key":"k","value":"v"}]}`},
	} {
		var in usersIn
		if err := decode(request(c.ct, "", c.body), &in); err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		if in.bulk || len(in.users) != 1 {
			t.Fatalf("%s: %+v", c.body, in)
		}
		u := in.users[0]
		if u.Username.Value != "u" || u.Name.Value != "N" || u.Email.Set || u.Password.Set || len(u.Properties.Items) != 1 ||
			u.Properties.Items[0].Key != "k" || u.Properties.Items[0].Value != "v" {
			t.Errorf("%s: %+v", c.body, u)
		}
	}
}

func TestDecodeBulkUsers(t *testing.T) {
	var in usersIn
	if err := decode(request("application/json", "", `{"users":[{"username":"a","password":"p"},{"username":"b","password":"q"}]}`), &in); err != nil {
		t.Fatal(err)
	}
	if !in.bulk || len(in.users) != 2 || in.users[1].Username.Value != "b" {
		t.Errorf("bulk = %+v", in)
	}
}

func TestDecodeFaults(t *testing.T) {
	for _, c := range []struct {
		ct, body, mention string
	}{
		{"application/json", `{"username":`, "JSON"},
		{"application/json", `{"username":7}`, "username"},
		{"application/json", `{"username":"a"} {}`, "after"},
		{"application/xml", `<user><username>a</user>`, "XML"},
		{"application/xml", `<user/>trailing`, "after the root"},
		{"application/json", ``, "no body"},
	} {
		var in usersIn
		err := decode(request(c.ct, "", c.body), &in)
		if !fault.Is(err, fault.BadRequest) || !strings.Contains(fault.Message(err), c.mention) {
			t.Errorf("%q: %v (want BadRequest mentioning %q)", c.body, err, c.mention)
		}
	}
	var in usersIn
	err := decode(request("text/plain", "", "x"), &in)
	if _, ok := err.(*httpapi.UnsupportedMediaError); !ok {
		t.Errorf("text/plain: %v", err)
	}
	r := request("application/json", "", strings.Repeat(" ", 100)+`{}`)
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
	if err := decode(r, &in); !fault.Is(err, fault.TooLarge) || !strings.Contains(fault.Message(err), "limit") {
		t.Errorf("oversize: %v", err)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ ct, accept, resp, errFmt string }{
		{"", "", mimeXML, mimeXML},
		{"", "application/json", mimeJSON, mimeJSON},
		{"application/json", "", mimeXML, mimeJSON},
		{"application/json", "application/xml", mimeXML, mimeXML},
		{"application/json", "*/*", mimeXML, mimeJSON},
		{"application/xml", "application/json, application/xml;q=0.5", mimeJSON, mimeXML},
		{"", "text/html", mimeXML, mimeXML},
	} {
		r := request(c.ct, c.accept, "")
		if got := responseFormat(r); got != c.resp {
			t.Errorf("ct %q accept %q: response format %s, want %s", c.ct, c.accept, got, c.resp)
		}
		if got := errorFormat(r); got != c.errFmt {
			t.Errorf("ct %q accept %q: error format %s, want %s", c.ct, c.accept, got, c.errFmt)
		}
	}
}

func TestFailWritesOpenfireError(t *testing.T) {
	a := &api{}
	w := httptest.NewRecorder()
	a.writeFault(w, request("", "application/json", ""), userFailure("bob").wrap(fault.New(fault.NotFound, "Could not get user")))
	if w.Code != 404 {
		t.Fatalf("status %d", w.Code)
	}
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if e != (errorBody{Resource: "bob", Message: "Could not get user", Exception: "UserNotFoundException"}) {
		t.Errorf("error = %+v", e)
	}
	w = httptest.NewRecorder()
	a.writeFault(w, request("", "", ""), fault.New(fault.NotSupported, "no command"))
	if w.Code != 501 || !strings.Contains(w.Body.String(), "<error><resource></resource><message>no command</message>") {
		t.Errorf("501: %d %s", w.Code, w.Body.String())
	}
}

func TestWriteOmitsEmptyFields(t *testing.T) {
	a := &api{}
	u := userEntity{Username: "u"}
	w := httptest.NewRecorder()
	a.write(w, request("", "application/json", ""), 200, u)
	if strings.TrimSpace(w.Body.String()) != `{"username":"u"}` {
		t.Errorf("JSON = %s", w.Body.String())
	}
	w = httptest.NewRecorder()
	a.write(w, request("", "", ""), 200, u)
	if !strings.HasSuffix(w.Body.String(), `<user><username>u</username></user>`) {
		t.Errorf("XML = %s", w.Body.String())
	}
}

func TestTimestamp(t *testing.T) {
	ts := httpapi.Timestamp{Time: time.Date(2014, 7, 10, 9, 49, 12, 411e6, time.FixedZone("", 2*3600))}
	b, _ := json.Marshal(ts)
	if string(b) != "1404978552411" {
		t.Errorf("JSON = %s", b)
	}
	x, _ := xml.Marshal(struct {
		XMLName xml.Name          `xml:"x"`
		T       httpapi.Timestamp `xml:"t"`
	}{T: ts})
	if !strings.Contains(string(x), "<t>2014-07-10T09:49:12.411+02:00</t>") {
		t.Errorf("XML = %s", x)
	}
}

// The operations report neutral faults; the dialect gives them Openfire's
// exceptions and texts, and a failure wrapped around an error by a handler
// names the resource.
func TestOpenfireTextsOfNeutralFaults(t *testing.T) {
	a := &api{}
	for _, c := range []struct {
		err                          error
		status                       int
		exception, message, resource string
	}{
		{userFailure("bob").wrap(fault.Wrap(fault.NotFound, ops.ErrUserNotFound, "there is no user bob@x").About("bob@x")),
			404, "UserNotFoundException", "Could not get user", "bob"},
		{fault.Wrap(fault.Conflict, ops.ErrUserExists, "user bob@x already exists"),
			409, "UserAlreadyExistsException", "User already exists", ""},
		{fault.Wrap(fault.NotFound, ops.ErrGroupNotFound, "there is no group %q", "G").About("G"),
			404, "GroupNotFoundException", "Could not find group", "G"},
		{fault.Wrap(fault.Conflict, ops.ErrGroupExists, "group %q already exists", "G").About("G"),
			409, "GroupAlreadyExistsException", `Could not create a group: "G" already exists`, "G"},
		{fault.Wrap(fault.NotFound, ops.ErrPropertyNotFound, "there is no system property %q", "k").About("k"),
			404, "PropertyNotFoundException", "Could not find property", "k"},
		{fault.New(fault.Denied, "these credentials administer a only, not b"),
			403, "NotAllowedException", "these credentials administer a only, not b", ""},
	} {
		w := httptest.NewRecorder()
		a.writeFault(w, request("", "application/json", ""), c.err)
		var e errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if w.Code != c.status || e != (errorBody{Resource: c.resource, Message: c.message, Exception: c.exception}) {
			t.Errorf("%v: %d %+v", c.err, w.Code, e)
		}
	}
}
