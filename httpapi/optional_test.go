package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"reflect"
	"testing"
)

// Every JSON and XML shape of an optional list that old and new clients
// send, for groups and rooms alike.
func TestOptListShapes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		set  bool
		want []string
	}{
		{`null`, false, nil},
		{`false`, false, nil},
		{`[]`, true, []string{}},
		{`["a","b"]`, true, []string{"a", "b"}},
		{`"a"`, true, []string{"a"}},
		{`{"member":["a","b"]}`, true, []string{"a", "b"}},
		{`{"member":"a"}`, true, []string{"a"}},
		{`{"member":null}`, false, nil},
		{`{"member":[]}`, false, nil},
		{`{}`, false, nil},
	} {
		var l List
		if err := json.Unmarshal([]byte(tc.in), &l); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if l.Set != tc.set || !reflect.DeepEqual(l.Values, tc.want) && len(l.Values)+len(tc.want) > 0 {
			t.Errorf("%s: got %+v, want set=%v %q", tc.in, l, tc.set, tc.want)
		}
	}
	var l List
	if err := json.Unmarshal([]byte(`[1]`), &l); err == nil {
		t.Error("a list of numbers was accepted")
	}
	if err := xml.Unmarshal([]byte(`<members><member> a </member><member>b</member></members>`), &l); err != nil || !reflect.DeepEqual(l.Values, []string{"a", "b"}) {
		t.Errorf("XML: %+v %v", l, err)
	}
	if err := xml.Unmarshal([]byte(`<members/>`), &l); err != nil || l.Set {
		t.Errorf("XML empty element: %+v %v (want not given)", l, err)
	}
}
