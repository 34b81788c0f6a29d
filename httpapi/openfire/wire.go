package openfire

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"xmpprest/component/fault"
)

const (
	mimeJSON = "application/json"
	mimeXML  = "application/xml"
)

// decode reads the request body into v: JSON when the Content-Type is
// application/json (or +json), XML for application/xml, text/xml or no
// Content-Type. A broken body, a value of the wrong type or an oversized
// body is a fault.BadRequest that says what was wrong; any other
// Content-Type is errUnsupportedMedia (415).
func decode(r *http.Request, v any) error {
	format, err := bodyFormat(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fault.New(fault.BadRequest, "the request body is larger than the limit of %d bytes", tooBig.Limit)
		}
		return fault.Wrap(fault.BadRequest, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fault.New(fault.BadRequest, "the request has no body: send the entity as %s", format)
	}
	if format == mimeJSON {
		return decodeJSON(body, v)
	}
	return decodeXML(body, v)
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonFault(err)
	}
	if dec.More() {
		return fault.New(fault.BadRequest, "malformed JSON body: unexpected data after the first value")
	}
	return nil
}

// jsonFault explains a JSON decoding error.
func jsonFault(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var fe *fault.Error
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.As(err, &syn):
		return fault.New(fault.BadRequest, "malformed JSON body at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		want := typ.Type.String()
		switch typ.Type.Kind() {
		case reflect.Map, reflect.Struct:
			want = "a JSON object"
		case reflect.Slice:
			want = "a JSON array"
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "true or false"
		}
		if typ.Field == "" {
			return fault.New(fault.BadRequest, "the JSON body must be %s, not %s", want, typ.Value)
		}
		return fault.New(fault.BadRequest, "JSON field %s: expected %s, got %s", typ.Field, want, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.New(fault.BadRequest, "malformed JSON body: it ends too early")
	}
	return fault.New(fault.BadRequest, "malformed JSON body: %v", err)
}

func decodeXML(body []byte, v any) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	if err := dec.Decode(v); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return fe
		}
		var syn *xml.SyntaxError
		if errors.As(err, &syn) {
			return fault.New(fault.BadRequest, "malformed XML body (line %d): %s", syn.Line, syn.Msg)
		}
		var ue xml.UnmarshalError
		if errors.As(err, &ue) {
			return fault.New(fault.BadRequest, "unexpected XML body: %s", string(ue))
		}
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			return fault.New(fault.BadRequest, "XML body: %q is not a valid number", ne.Num)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fault.New(fault.BadRequest, "malformed XML body: it ends too early")
		}
		return fault.New(fault.BadRequest, "malformed XML body: %v", err)
	}
	// Anything but whitespace, comments or processing instructions after
	// the root element is garbage.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fault.New(fault.BadRequest, "malformed XML body after the root element: %v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return fault.New(fault.BadRequest, "malformed XML body: text after the root element")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fault.New(fault.BadRequest, "malformed XML body: more than one root element")
		}
	}
}

// errUnsupportedMedia marks a body of a Content-Type the API does not read.
type errUnsupportedMedia struct{ contentType string }

func (e errUnsupportedMedia) Error() string {
	return fmt.Sprintf("Content-Type %q is not supported: send application/xml or application/json", e.contentType)
}

// bodyFormat is mimeJSON or mimeXML by the request's Content-Type.
func bodyFormat(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if strings.TrimSpace(ct) == "" {
		return mimeXML, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", errUnsupportedMedia{ct}
	}
	switch {
	case mt == mimeJSON || strings.HasSuffix(mt, "+json"):
		return mimeJSON, nil
	case mt == mimeXML || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return mimeXML, nil
	}
	return "", errUnsupportedMedia{ct}
}

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	typ string
	q   float64
}

func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		out = append(out, mediaRange{typ: mt, q: q})
	}
	return out
}

func isJSONType(mt string) bool { return mt == mimeJSON || strings.HasSuffix(mt, "+json") }

// responseFormat is JSON when the Accept header prefers application/json to
// XML, and XML (Openfire's default) otherwise.
func responseFormat(r *http.Request) string {
	best, bestQ := mimeXML, 0.0
	for _, m := range parseAccept(r.Header.Get("Accept")) {
		if m.q <= bestQ {
			continue
		}
		switch {
		case isJSONType(m.typ):
			best, bestQ = mimeJSON, m.q
		case m.typ == mimeXML || m.typ == "text/xml":
			best, bestQ = mimeXML, m.q
		}
	}
	return best
}

// errorFormat chooses the format of an error body as Openfire does: the
// Accept type when it names exactly one concrete type, else the request's
// Content-Type, else XML.
func errorFormat(r *http.Request) string {
	accepts := parseAccept(r.Header.Get("Accept"))
	if len(accepts) == 1 && !strings.Contains(accepts[0].typ, "*") {
		if isJSONType(accepts[0].typ) {
			return mimeJSON
		}
		return mimeXML
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && isJSONType(mt) {
			return mimeJSON
		}
	}
	return mimeXML
}

// write answers v with status, as XML or as JSON when the client asks for
// it. v must be one of the package's entity types (their XML root names and
// JSON shapes follow Openfire's).
func (a *api) write(w http.ResponseWriter, r *http.Request, status int, v any) {
	format := responseFormat(r)
	var body []byte
	var err error
	if format == mimeJSON {
		body, err = json.Marshal(v)
	} else {
		body, err = xml.Marshal(v)
		if err == nil {
			body = append([]byte(xml.Header[:len(xml.Header)-1]), body...)
		}
	}
	if err != nil {
		a.fail(w, r, fault.Wrap(fault.Internal, err, "encode the answer"))
		return
	}
	w.Header().Set("Content-Type", format)
	w.WriteHeader(status)
	w.Write(body)
}

// created answers 201 with an empty body.
func created(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }

// ok answers 200 with an empty body.
func ok(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }

// errorBody is Openfire's error entity.
type errorBody struct {
	XMLName   xml.Name `xml:"error" json:"-"`
	Resource  string   `xml:"resource" json:"resource"`
	Message   string   `xml:"message" json:"message"`
	Exception string   `xml:"exception" json:"exception"`
}

// Exception names Openfire uses.
const (
	exIllegalArgument    = "IllegalArgumentException"
	exUserNotFound       = "UserNotFoundException"
	exUserAlreadyExists  = "UserAlreadyExistsException"
	exGroupNotFound      = "GroupNotFoundException"
	exGroupAlreadyExists = "GroupAlreadyExistsException"
	exPropertyNotFound   = "PropertyNotFoundException"
	exSharedGroup        = "SharedGroupException"
	exNotAllowed         = "NotAllowedException"
	exAlreadyExists      = "AlreadyExistsException"
	exRoomNotFound       = "RoomNotFoundException"
	exNotSupported       = "NotSupportedException"
	exUnavailable        = "ServiceUnavailableException"
	exTimeout            = "TimeoutException"
	exBadGateway         = "BadGatewayException"
	exInternal           = "InternalServerErrorException"
	exUnsupportedMedia   = "NotSupportedException"
)

// statusOf maps a fault kind onto a status code.
func statusOf(k fault.Kind) int {
	switch k {
	case fault.BadRequest:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden, fault.Denied:
		return http.StatusForbidden
	case fault.Refused:
		return http.StatusConflict
	case fault.NotSupported:
		return http.StatusNotImplemented
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	case fault.Timeout:
		return http.StatusGatewayTimeout
	case fault.BadGateway:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// defaultException names the exception of a fault kind when the handler
// does not name a more precise one.
func defaultException(k fault.Kind) string {
	switch k {
	case fault.BadRequest:
		return exIllegalArgument
	case fault.NotFound:
		return "NotFoundException"
	case fault.Conflict:
		return exAlreadyExists
	case fault.Forbidden, fault.Denied, fault.Refused:
		return exNotAllowed
	case fault.NotSupported:
		return exNotSupported
	case fault.Unavailable:
		return exUnavailable
	case fault.Timeout:
		return exTimeout
	case fault.BadGateway:
		return exBadGateway
	}
	return exInternal
}

// failure refines how fail reports an error.
type failure struct {
	// exceptions names the exception per fault kind (e.g. NotFound →
	// UserNotFoundException).
	exceptions map[fault.Kind]string
	// messages replaces the message per fault kind (Openfire's own text,
	// e.g. "Could not get user"); the fault's message is kept otherwise.
	messages map[fault.Kind]string
	// resource names the thing when the fault does not.
	resource string
}

// userFailure is how user endpoints report errors.
func userFailure(username string) failure {
	return failure{
		exceptions: map[fault.Kind]string{fault.NotFound: exUserNotFound, fault.Conflict: exUserAlreadyExists},
		resource:   username,
	}
}

// fail writes err as Openfire's error body, with the status of its kind.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.failAs(w, r, err, failure{})
}

// failAs writes err as Openfire's error body, with the exception names,
// messages and resource of f.
func (a *api) failAs(w http.ResponseWriter, r *http.Request, err error, f failure) {
	var um errUnsupportedMedia
	if errors.As(err, &um) {
		a.writeError(w, r, http.StatusUnsupportedMediaType, errorBody{
			Resource: r.URL.Path, Message: um.Error(), Exception: exUnsupportedMedia})
		return
	}
	kind := fault.KindOf(err)
	body := errorBody{Message: fault.Message(err), Exception: f.exceptions[kind]}
	if body.Exception == "" {
		body.Exception = defaultException(kind)
	}
	if m := f.messages[kind]; m != "" {
		body.Message = m
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Resource != "" {
		body.Resource = fe.Resource
	}
	if f.resource != "" && (body.Resource == "" || kind == fault.NotFound || kind == fault.Conflict) {
		body.Resource = f.resource
	}
	status := statusOf(kind)
	if status >= 500 && a.svc != nil && a.svc.Log != nil {
		a.svc.Log.Warn("openfire API call failed", "path", r.URL.EscapedPath(), "status", status, "error", err.Error())
	}
	a.writeError(w, r, status, body)
}

func (a *api) writeError(w http.ResponseWriter, r *http.Request, status int, body errorBody) {
	var out []byte
	format := errorFormat(r)
	if format == mimeJSON {
		out, _ = json.Marshal(body)
	} else {
		out, _ = xml.Marshal(body)
		out = append([]byte(xml.Header[:len(xml.Header)-1]), out...)
	}
	w.Header().Set("Content-Type", format)
	w.WriteHeader(status)
	w.Write(out)
}

// clientAddress is the caller's IP address (without the port).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Timestamp is a date on the wire: epoch milliseconds in JSON, ISO-8601
// with the offset in XML (Openfire's two shapes).
type Timestamp struct{ time.Time }

const isoLayout = "2006-01-02T15:04:05.000-07:00"

// MarshalJSON writes epoch milliseconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(t.UnixMilli(), 10)), nil
}

// MarshalText writes ISO-8601 with the offset.
func (t Timestamp) MarshalText() ([]byte, error) {
	return []byte(t.Format(isoLayout)), nil
}

// UnmarshalJSON reads epoch milliseconds or an ISO-8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		t.Time = time.UnixMilli(ms)
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fault.New(fault.BadRequest, "a date must be epoch milliseconds or ISO-8601, not %s", s)
	}
	return t.UnmarshalText([]byte(str))
}

// UnmarshalText reads ISO-8601 (with or without milliseconds) or epoch
// milliseconds.
func (t *Timestamp) UnmarshalText(b []byte) error {
	v, err := parseTime(string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// parseTime reads a date as clients send it: epoch milliseconds or ISO-8601.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	for _, layout := range []string{isoLayout, time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fault.New(fault.BadRequest, "%q is not a date: send epoch milliseconds or ISO-8601 (2014-07-10T09:49:12.411+02:00)", s)
}

// Text is an optional string of a request body: Set tells whether the body
// named it. In JSON it also accepts null and false for "absent", which old
// clients send; numbers and true are refused as the wrong type.
type Text struct {
	Set   bool
	Value string
}

// UnmarshalJSON reads a string, null or false.
func (t *Text) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "false" {
		*t = Text{}
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return &json.UnmarshalTypeError{Value: s, Type: reflect.TypeFor[string]()}
	}
	*t = Text{Set: true, Value: v}
	return nil
}

// UnmarshalText reads an XML element's or attribute's text.
func (t *Text) UnmarshalText(b []byte) error {
	*t = Text{Set: true, Value: string(b)}
	return nil
}

// String returns the value.
func (t Text) String() string { return t.Value }

// Ptr returns the value, or nil when the body did not name it.
func (t Text) Ptr() *string {
	if !t.Set {
		return nil
	}
	v := t.Value
	return &v
}

// Flag is an optional boolean of a request body: JSON true/false/null or
// the strings "true"/"false"; in XML "true"/"false"/"1"/"0".
type Flag struct {
	Set   bool // the body named it
	Value bool
}

// UnmarshalJSON reads a boolean, a boolean string or null.
func (f *Flag) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "null" || s == "" {
		*f = Flag{}
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[bool]()}
	}
	*f = Flag{Set: true, Value: v}
	return nil
}

// UnmarshalText reads "true"/"false"/"1"/"0".
func (f *Flag) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*f = Flag{}
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fault.New(fault.BadRequest, "expected true or false, got %q", s)
	}
	*f = Flag{Set: true, Value: v}
	return nil
}

// MarshalJSON writes the boolean.
func (f Flag) MarshalJSON() ([]byte, error) { return json.Marshal(f.Value) }

// MarshalText writes "true" or "false".
func (f Flag) MarshalText() ([]byte, error) { return []byte(strconv.FormatBool(f.Value)), nil }

// optList is an optional list of strings in a request body (group and
// room members, roles, groups); Set tells
// whether the body named it. XML: the text of each child element
// (<members><member>a</member>...</members>). JSON: an array, a single
// string, the old wrapped form {"member":[...]} / {"member":"a"}, or null
// or false for absent.
type optList struct {
	Set    bool
	Values []string
}

// UnmarshalJSON reads the JSON forms.
func (l *optList) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null" || s == "false":
		*l = optList{}
		return nil
	case strings.HasPrefix(s, "["):
		var v []string
		if err := json.Unmarshal(b, &v); err != nil {
			return &json.UnmarshalTypeError{Value: "array with a non-string", Type: reflect.TypeFor[[]string]()}
		}
		*l = optList{Set: true, Values: v}
		return nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = optList{Set: true, Values: []string{v}}
		return nil
	case strings.HasPrefix(s, "{"):
		var wrapped map[string]json.RawMessage
		if err := json.Unmarshal(b, &wrapped); err != nil {
			return err
		}
		if len(wrapped) > 1 {
			return &json.UnmarshalTypeError{Value: "object with several keys", Type: reflect.TypeFor[[]string]()}
		}
		out := optList{Set: true}
		for _, raw := range wrapped {
			var inner optList
			if err := inner.UnmarshalJSON(raw); err != nil {
				return err
			}
			out.Values = inner.Values
		}
		*l = out
		return nil
	}
	return &json.UnmarshalTypeError{Value: s, Type: reflect.TypeFor[[]string]()}
}

// UnmarshalXML reads the text of each child element.
func (l *optList) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var v struct {
		Items []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	out := optList{Set: true, Values: []string{}}
	for _, it := range v.Items {
		out.Values = append(out.Values, strings.TrimSpace(it.Text))
	}
	*l = out
	return nil
}

// ptr returns the list, or nil when the body did not name it.
func (l optList) ptr() *[]string {
	if !l.Set {
		return nil
	}
	v := l.Values
	if v == nil {
		v = []string{}
	}
	return &v
}
