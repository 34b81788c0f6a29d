package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"
	"time"

	"xmpprest/component/fault"
)

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

// Ptr returns the value, or nil when the body did not name it.
func (f Flag) Ptr() *bool {
	if !f.Set {
		return nil
	}
	v := f.Value
	return &v
}

// MarshalJSON writes the boolean.
func (f Flag) MarshalJSON() ([]byte, error) { return json.Marshal(f.Value) }

// MarshalText writes "true" or "false".
func (f Flag) MarshalText() ([]byte, error) { return []byte(strconv.FormatBool(f.Value)), nil }

// List is an optional list of strings in a request body (group and room
// members, roles, groups); Set tells whether the body gave one.
//
// JSON: an array (given, possibly empty), a single string (a list of one),
// or the wrapped form {"member":[...]} / {"member":"a"}. Absent, null, false
// and a wrapper holding null or an empty array ({"member":null},
// {"member":[]}, {}) all mean "not given": clients send the wrapper with
// nothing in it when the caller gave no value.
//
// XML: the text of each child element (<members><member>a</member>...
// </members>); an empty element (<members/>) means "not given", like a
// missing one.
type List struct {
	Set    bool
	Values []string
}

// UnmarshalJSON reads the JSON forms.
func (l *List) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null" || s == "false":
		*l = List{}
		return nil
	case strings.HasPrefix(s, "["):
		var v []string
		if err := json.Unmarshal(b, &v); err != nil {
			return &json.UnmarshalTypeError{Value: "array with a non-string", Type: reflect.TypeFor[[]string]()}
		}
		if v == nil {
			v = []string{}
		}
		*l = List{Set: true, Values: v}
		return nil
	case strings.HasPrefix(s, `"`):
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = List{Set: true, Values: []string{v}}
		return nil
	case strings.HasPrefix(s, "{"):
		var wrapped map[string]json.RawMessage
		if err := json.Unmarshal(b, &wrapped); err != nil {
			return err
		}
		if len(wrapped) > 1 {
			return &json.UnmarshalTypeError{Value: "object with several keys", Type: reflect.TypeFor[[]string]()}
		}
		*l = List{}
		for _, raw := range wrapped {
			var inner List
			if err := inner.UnmarshalJSON(raw); err != nil {
				return err
			}
			if inner.Set && len(inner.Values) > 0 {
				*l = inner
			}
		}
		return nil
	}
	return &json.UnmarshalTypeError{Value: s, Type: reflect.TypeFor[[]string]()}
}

// UnmarshalXML reads the text of each child element.
func (l *List) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var v struct {
		Items []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	*l = List{}
	for _, it := range v.Items {
		l.Values = append(l.Values, strings.TrimSpace(it.Text))
	}
	l.Set = len(l.Values) > 0
	return nil
}

// Ptr returns the list, or nil when the body did not give one.
func (l List) Ptr() *[]string {
	if !l.Set {
		return nil
	}
	v := NonNil(l.Values)
	return &v
}

// NonNil returns s, or an empty slice when s is nil (so that JSON shows []
// rather than null).
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Timestamp is a date on the wire: epoch milliseconds in JSON, ISO-8601
// with the offset in XML (the Openfire API's two shapes); it reads either.
type Timestamp struct{ time.Time }

// ISOLayout is how a Timestamp is written as text.
const ISOLayout = "2006-01-02T15:04:05.000-07:00"

// MarshalJSON writes epoch milliseconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(t.UnixMilli(), 10)), nil
}

// MarshalText writes ISO-8601 with the offset.
func (t Timestamp) MarshalText() ([]byte, error) {
	return []byte(t.Format(ISOLayout)), nil
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
	v, err := ParseTime(string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// ParseTime reads a date as clients send it: epoch milliseconds or
// ISO-8601.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	for _, layout := range []string{ISOLayout, time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fault.New(fault.BadRequest, "%q is not a date: send epoch milliseconds or ISO-8601 (2014-07-10T09:49:12.411+02:00)", s)
}
