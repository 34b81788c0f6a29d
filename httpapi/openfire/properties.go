package openfire

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"reflect"
	"xmpprest/httpapi"

	"xmpprest/httpapi/ops"
)

// propertyEntity is a key/value pair: an attribute pair in XML
// (<property key="k" value="v"/>), {"key","value"} in JSON. Old clients send
// {"@key","@value"}, which is read too.
type propertyEntity struct {
	XMLName xml.Name `xml:"property" json:"-"`
	Key     string   `xml:"key,attr" json:"key"`
	Value   string   `xml:"value,attr" json:"value"`
}

// UnmarshalJSON reads {"key","value"} or {"@key","@value"}.
func (p *propertyEntity) UnmarshalJSON(b []byte) error {
	var raw struct {
		Key   *httpapi.Text `json:"key"`
		Value *httpapi.Text `json:"value"`
		AtKey *httpapi.Text `json:"@key"`
		AtVal *httpapi.Text `json:"@value"`
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		var typ *json.UnmarshalTypeError
		if ok := asTypeError(err, &typ); ok && typ.Field == "" {
			return &json.UnmarshalTypeError{Value: typ.Value, Type: reflect.TypeFor[propertyEntity](), Field: "property"}
		}
		return err
	}
	pick := func(a, b *httpapi.Text) string {
		if a != nil && a.Set {
			return a.Value
		}
		if b != nil {
			return b.Value
		}
		return ""
	}
	p.Key = pick(raw.Key, raw.AtKey)
	p.Value = pick(raw.Value, raw.AtVal)
	return nil
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = t
	}
	return ok
}

// propertyList is a list of properties in every shape clients send:
// [{"key","value"}] (REST API 1.3.0), {"property":[{"@key","@value"}]},
// {"property":{"@key","@value"}} (one), null or false; in XML a wrapper
// element of <property key= value=/> children.
type propertyList struct {
	Set   bool // the body named the list
	Items []propertyEntity
}

// UnmarshalJSON reads every JSON shape of the list.
func (l *propertyList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")), bytes.Equal(b, []byte("false")):
		*l = propertyList{}
		return nil
	case len(b) > 0 && b[0] == '[':
		var items []propertyEntity
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		*l = propertyList{Set: true, Items: items}
		return nil
	case len(b) > 0 && b[0] == '{':
		var wrap struct {
			Property json.RawMessage `json:"property"`
		}
		if err := json.Unmarshal(b, &wrap); err != nil {
			return err
		}
		inner := bytes.TrimSpace(wrap.Property)
		*l = propertyList{Set: true}
		switch {
		case len(inner) == 0 || bytes.Equal(inner, []byte("null")):
			return nil
		case inner[0] == '[':
			return json.Unmarshal(inner, &l.Items)
		default:
			var one propertyEntity
			if err := json.Unmarshal(inner, &one); err != nil {
				return err
			}
			l.Items = []propertyEntity{one}
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[[]propertyEntity]()}
}

// UnmarshalXML reads <properties><property key= value=/>...</properties>.
func (l *propertyList) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var wrap struct {
		Items []propertyEntity `xml:"property"`
	}
	if err := d.DecodeElement(&wrap, &start); err != nil {
		return err
	}
	*l = propertyList{Set: true, Items: wrap.Items}
	return nil
}

// ops returns the list as operation input.
func (l propertyList) ops() []ops.Property {
	out := make([]ops.Property, 0, len(l.Items))
	for _, p := range l.Items {
		out = append(out, ops.Property{Key: p.Key, Value: p.Value})
	}
	return out
}

// propertiesOut is a user's properties in an answer: a list of {"key",
// "value"} in JSON, <properties><property .../></properties> in XML.
type propertiesOut []propertyEntity

// MarshalXML writes the wrapper element with its children.
func (p propertiesOut) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	wrap := struct {
		Items []propertyEntity `xml:"property"`
	}{p}
	return e.EncodeElement(wrap, start)
}

func propertiesFrom(ps []ops.Property) propertiesOut {
	if len(ps) == 0 {
		return nil
	}
	out := make(propertiesOut, 0, len(ps))
	for _, p := range ps {
		out = append(out, propertyEntity{Key: p.Key, Value: p.Value})
	}
	return out
}
