package muc

import "xmpprest/adhoc"

// Form, Field and Option are the XEP-0004 data form types, shared with the
// ad-hoc command client.
type (
	Form   = adhoc.Form
	Field  = adhoc.Field
	Option = adhoc.Option
)

// submission is a form being filled in for submission.
type submission struct {
	form Form
}

func newSubmission(formType string) *submission {
	s := &submission{form: Form{Type: "submit"}}
	s.set("FORM_TYPE", formType)
	return s
}

// set sets the values of a field, replacing any earlier ones.
func (s *submission) set(v string, values ...string) {
	if values == nil {
		values = []string{}
	}
	for i := range s.form.Fields {
		if s.form.Fields[i].Var == v {
			s.form.Fields[i].Values = values
			return
		}
	}
	s.form.Fields = append(s.form.Fields, Field{Var: v, Values: values})
}

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
