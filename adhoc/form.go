package adhoc

import "encoding/xml"

// NSData is the XEP-0004 data forms namespace.
const NSData = "jabber:x:data"

// Form is an XEP-0004 data form: an ad-hoc command's form, a room
// configuration (muc#owner) or a room's information (muc#roominfo).
type Form struct {
	XMLName      xml.Name `xml:"jabber:x:data x"`
	Type         string   `xml:"type,attr,omitempty"`
	Title        string   `xml:"title,omitempty"`
	Instructions string   `xml:"instructions,omitempty"`
	Fields       []Field  `xml:"field"`
}

// Field is one field of a data form.
type Field struct {
	Var     string   `xml:"var,attr,omitempty"`
	Type    string   `xml:"type,attr,omitempty"`
	Label   string   `xml:"label,attr,omitempty"`
	Values  []string `xml:"value"`
	Options []Option `xml:"option"`
}

// Option is a choice of a list field.
type Option struct {
	Label string `xml:"label,attr,omitempty"`
	Value string `xml:"value"`
}

// Field returns the field named v.
func (f *Form) Field(v string) (Field, bool) {
	if f == nil {
		return Field{}, false
	}
	for _, fl := range f.Fields {
		if fl.Var == v {
			return fl, true
		}
	}
	return Field{}, false
}

// Value returns the first value of the field named v.
func (f *Form) Value(v string) string {
	fl, ok := f.Field(v)
	if !ok || len(fl.Values) == 0 {
		return ""
	}
	return fl.Values[0]
}

// Values returns every value of the field named v.
func (f *Form) Values(v string) []string {
	fl, _ := f.Field(v)
	return fl.Values
}

// Has reports whether the form has a field named v.
func (f *Form) Has(v string) bool {
	_, ok := f.Field(v)
	return ok
}

// FormType returns the value of the hidden FORM_TYPE field.
func (f *Form) FormType() string { return f.Value("FORM_TYPE") }

// Bool reads a boolean field: "1" and "true" are true. A field without a
// value is false (Prosody leaves the value out for false).
func (f *Form) Bool(v string) bool {
	switch f.Value(v) {
	case "1", "true":
		return true
	}
	return false
}
