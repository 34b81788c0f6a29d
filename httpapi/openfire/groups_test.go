package openfire

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"xmpprest/httpapi"

	"xmpprest/component/fault"
	"xmpprest/httpapi/ops"
)

func TestDecodeGroupShapes(t *testing.T) {
	for _, c := range []struct {
		name, contentType, body string
		admins, members         *[]string
		shared                  httpapi.Flag
		description             httpapi.Text
	}{
		{"xml", mimeXML, `<group><name>G</name><description>d</description><admins><admin>a</admin></admins><members><member>b</member><member>c@x.org</member></members><shared>true</shared></group>`,
			&[]string{"a"}, &[]string{"b", "c@x.org"}, httpapi.Flag{Set: true, Value: true}, httpapi.Text{Set: true, Value: "d"}},
		{"xml old isshared, no lists", mimeXML, `<group><name>G</name><isshared>false</isshared></group>`,
			nil, nil, httpapi.Flag{Set: true, Value: false}, httpapi.Text{}},
		{"xml empty members (not given)", mimeXML, `<group><name>G</name><members/></group>`,
			nil, nil, httpapi.Flag{}, httpapi.Text{}},
		{"json", mimeJSON, `{"name":"G","description":"d","admins":["a"],"members":["b"],"shared":true}`,
			&[]string{"a"}, &[]string{"b"}, httpapi.Flag{Set: true, Value: true}, httpapi.Text{Set: true, Value: "d"}},
		{"json nulls and false", mimeJSON, `{"name":"G","description":null,"admins":null,"members":false,"shared":null}`,
			nil, nil, httpapi.Flag{}, httpapi.Text{}},
		{"json wrapped lists", mimeJSON, `{"name":"G","admins":{"admin":"a"},"members":{"member":["b","c"]},"shared":"true"}`,
			&[]string{"a"}, &[]string{"b", "c"}, httpapi.Flag{Set: true, Value: true}, httpapi.Text{}},
	} {
		var g groupIn
		if err := decode(request(c.contentType, "", c.body), &g); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if g.Name.Value != "G" || !reflect.DeepEqual(g.Admins.Ptr(), c.admins) || !reflect.DeepEqual(g.Members.Ptr(), c.members) ||
			g.shared() != c.shared || g.Description != c.description {
			t.Errorf("%s: got admins %v members %v shared %+v description %+v", c.name, g.Admins.Ptr(), g.Members.Ptr(), g.shared(), g.Description)
		}
	}
	for _, bad := range []struct{ contentType, body string }{
		{mimeJSON, `{"name":"G","members":[1,2]}`},
		{mimeJSON, `{"name":"G","members":{"a":["x"],"b":["y"]}}`},
		{mimeJSON, `{"name":"G","shared":"maybe"}`},
		{mimeJSON, `{"name":"G","members":7}`},
		{mimeXML, `<group><name>G</name><shared>maybe</shared></group>`},
		{mimeXML, `<group><name>G</name>`},
	} {
		var g groupIn
		if err := decode(request(bad.contentType, "", bad.body), &g); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%s: want BadRequest, got %v", bad.body, err)
		}
	}
}

func TestDecodeUserGroupShapes(t *testing.T) {
	for _, c := range []struct{ contentType, body string }{
		{mimeXML, `<groups><groupname>A</groupname><groupname>B</groupname></groups>`},
		{mimeJSON, `{"groupnames":["A","B"]}`},
		{mimeJSON, `{"groupname":["A","B"]}`},
		{mimeJSON, `{"groupnames":{"groupname":["A","B"]}}`},
	} {
		var g userGroupsIn
		if err := decode(request(c.contentType, "", c.body), &g); err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		if !reflect.DeepEqual(g.names(), []string{"A", "B"}) {
			t.Errorf("%s: names %v", c.body, g.names())
		}
	}
	var g userGroupsIn
	if err := decode(request(mimeXML, "", `<group><name>A</name></group>`), &g); !fault.Is(err, fault.BadRequest) {
		t.Errorf("wrong root: %v", err)
	}
}

func TestWriteGroupShapes(t *testing.T) {
	a := &api{}
	out := groupsEntity{Groups: []groupEntity{groupOut(ops.Group{Name: "G", Description: "d", Shared: true, Members: []string{"b@x.org"}})}}
	for _, accept := range []string{mimeJSON, mimeXML} {
		r := httptest.NewRequest(http.MethodGet, Prefix+"/groups", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		a.write(w, r, http.StatusOK, out)
		if accept == mimeJSON {
			var v map[string][]map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			g := v["groups"][0]
			if g["name"] != "G" || g["shared"] != true || !reflect.DeepEqual(g["admins"], []any{}) || !reflect.DeepEqual(g["members"], []any{"b@x.org"}) {
				t.Errorf("JSON group = %v", g)
			}
			continue
		}
		var v struct {
			XMLName xml.Name `xml:"groups"`
			Groups  []struct {
				Name    string   `xml:"name"`
				Members []string `xml:"members>member"`
				Shared  bool     `xml:"shared"`
			} `xml:"group"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		if len(v.Groups) != 1 || v.Groups[0].Name != "G" || !v.Groups[0].Shared || !reflect.DeepEqual(v.Groups[0].Members, []string{"b@x.org"}) {
			t.Errorf("XML groups = %s", w.Body.String())
		}
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, Prefix+"/users/a/groups", nil)
	r.Header.Set("Accept", mimeJSON)
	a.write(w, r, http.StatusOK, userGroupsEntity{GroupNames: []string{"A"}})
	if w.Body.String() != `{"groupnames":["A"]}` {
		t.Errorf("user groups JSON = %s", w.Body.String())
	}
}
