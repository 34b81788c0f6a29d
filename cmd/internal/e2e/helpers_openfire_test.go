package e2e

import (
	"encoding/json"
	"encoding/xml"
	"testing"

	"xmpprest/adhoc"
)

// ofPrefix is where the Openfire REST API is served.
const ofPrefix = "/plugins/restapi/v1"

// wireFormat is XML or JSON, for both the request body and the answer.
type wireFormat string

const (
	fmtXML  wireFormat = "application/xml"
	fmtJSON wireFormat = "application/json"
)

var wireFormats = []wireFormat{fmtXML, fmtJSON}

func (f wireFormat) name() string {
	if f == fmtJSON {
		return "json"
	}
	return "xml"
}

// of calls the Openfire API in format f (Content-Type and Accept).
func (e *env) of(method, path string, f wireFormat, body string) (int, string) {
	e.t.Helper()
	ct := ""
	if body != "" {
		ct = string(f)
	}
	return e.do(method, ofPrefix+path, ct, string(f), body)
}

// decodeAs decodes an answer body in format f.
func decodeAs(t *testing.T, f wireFormat, body string, v any) {
	t.Helper()
	var err error
	if f == fmtJSON {
		err = json.Unmarshal([]byte(body), v)
	} else {
		err = xml.Unmarshal([]byte(body), v)
	}
	if err != nil {
		t.Fatalf("decode %s answer %q: %v", f.name(), body, err)
	}
}

// ofError is Openfire's error body.
type ofError struct {
	Resource  string `xml:"resource" json:"resource"`
	Message   string `xml:"message" json:"message"`
	Exception string `xml:"exception" json:"exception"`
}

// wantError checks status and the error body (in format f).
func wantError(t *testing.T, f wireFormat, what string, status int, body string, wantStatus int, exception string) ofError {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s (%s): status %d, want %d; body %s", what, f.name(), status, wantStatus, body)
	}
	var e ofError
	decodeAs(t, f, body, &e)
	if exception != "" && e.Exception != exception {
		t.Errorf("%s (%s): exception %q, want %q (body %s)", what, f.name(), e.Exception, exception, body)
	}
	if e.Message == "" {
		t.Errorf("%s (%s): error body without a message: %s", what, f.name(), body)
	}
	return e
}

// wantStatus checks a status code.
func wantStatus(t *testing.T, what string, status int, body string, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, status, want, body)
	}
}

// offers reports whether the default host offers an ad-hoc command.
func (e *env) offers(node string) bool {
	ok, _ := e.D.Adhoc.Offers(e.D.Link.DefaultHost().String(), node)
	return ok
}

// raw makes a request with the given headers (nil: none) and returns
// status and body.
func (e *env) raw(method, path string, headers map[string]string, body string) (int, string) {
	e.t.Helper()
	res := e.request(method, path, headers, body)
	return res.Status, res.Body
}

// ofUser is a user as the Openfire API answers it.
type ofUser struct {
	Username   string       `xml:"username" json:"username"`
	Name       string       `xml:"name" json:"name"`
	Email      string       `xml:"email" json:"email"`
	Properties []ofProperty `xml:"properties>property" json:"properties"`
}

type ofProperty struct {
	Key   string `xml:"key,attr" json:"key"`
	Value string `xml:"value,attr" json:"value"`
}

type ofUsers struct {
	Users []ofUser `xml:"user" json:"users"`
}

func (u ofUser) property(key string) (string, bool) {
	for _, p := range u.Properties {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// listOffered reports whether the host can list users.
func (e *env) listOffered() bool { return e.offers(adhoc.NodeGetRegisteredUsersList) }
