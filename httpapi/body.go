package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"xmpprest/component/fault"
)

// The media types the dialects read and write.
const (
	MediaJSON = "application/json"
	MediaXML  = "application/xml"
)

// UnsupportedMediaError is a request body of a Content-Type the route does
// not read; dialects answer it with 415.
type UnsupportedMediaError struct {
	ContentType string
	Accepted    []string
}

func (e *UnsupportedMediaError) Error() string {
	return fmt.Sprintf("Content-Type %q is not supported: send %s", e.ContentType, strings.Join(e.Accepted, " or "))
}

// BodyFormat returns MediaJSON or MediaXML by the request's Content-Type,
// limited to the formats given (the first is the default for a request
// without a Content-Type). Any other type is an *UnsupportedMediaError.
func BodyFormat(r *http.Request, formats ...string) (string, error) {
	if len(formats) == 0 {
		formats = []string{MediaJSON}
	}
	ct := r.Header.Get("Content-Type")
	if strings.TrimSpace(ct) == "" {
		return formats[0], nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		var got string
		switch {
		case isJSONType(mt):
			got = MediaJSON
		case isXMLType(mt):
			got = MediaXML
		}
		for _, f := range formats {
			if f == got {
				return got, nil
			}
		}
	}
	return "", &UnsupportedMediaError{ContentType: ct, Accepted: formats}
}

// ReadBody reads the whole request body. A body over the router's limit is
// a fault.TooLarge; an empty one a fault.BadRequest when required.
func ReadBody(r *http.Request, required bool) ([]byte, error) {
	if limit, ok := r.Context().Value(bodyLimitKey).(int64); ok && r.ContentLength > limit {
		return nil, errTooLarge(limit)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errTooLarge(tooBig.Limit)
		}
		return nil, fault.Wrap(fault.BadRequest, err, "could not read the request body")
	}
	if required && len(bytes.TrimSpace(body)) == 0 {
		return nil, fault.New(fault.BadRequest, "the request has no body")
	}
	return body, nil
}

// DecodeBody reads the request body into v in one of the formats given
// (see BodyFormat): a missing, broken, non-UTF-8 or oversized body, or a
// value of the wrong type, is a fault that says what was wrong.
func DecodeBody(r *http.Request, v any, formats ...string) error {
	format, err := BodyFormat(r, formats...)
	if err != nil {
		return err
	}
	body, err := ReadBody(r, false)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fault.New(fault.BadRequest, "the request has no body: send the entity as %s", format)
	}
	if format == MediaJSON {
		return DecodeJSON(body, v)
	}
	return DecodeXML(body, v)
}

// DecodeJSON decodes one JSON value from body into v. Invalid UTF-8 (which
// encoding/json would silently replace) and trailing data are refused.
func DecodeJSON(body []byte, v any) error {
	if !utf8.Valid(body) {
		return fault.New(fault.BadRequest, "the JSON body is not valid UTF-8")
	}
	if string(bytes.TrimSpace(body)) == "null" {
		return fault.New(fault.BadRequest, "the JSON body is null: send the entity")
	}
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

// DecodeXML decodes the root element of body into v (strict parsing, no
// external entities: encoding/xml expands none). Anything but whitespace,
// comments or processing instructions after the root element is refused.
//
// The entities of the dialects are in no XML namespace: an element in one
// (<x:user xmlns:x="urn:evil">) is refused rather than read by its local
// name.
func DecodeXML(body []byte, v any) error {
	if err := refuseNamespaces(body); err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	if err := dec.Decode(v); err != nil {
		return xmlFault(err)
	}
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

// refuseNamespaces refuses an XML body with an element in a namespace.
func refuseNamespaces(body []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlFault(err)
		}
		if start, ok := tok.(xml.StartElement); ok && start.Name.Space != "" {
			return fault.New(fault.BadRequest, "unexpected XML body: element <%s> is in namespace %q; send the entity without a namespace", start.Name.Local, start.Name.Space)
		}
	}
}

func xmlFault(err error) error {
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

func isJSONType(mt string) bool { return mt == MediaJSON || strings.HasSuffix(mt, "+json") }

func isXMLType(mt string) bool {
	return mt == MediaXML || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}
