package e2e

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"xmpprest/component/c2s"
	"xmpprest/component/xmppserver"
)

// TestOpenfireSystemProperties creates, reads, updates and deletes system
// properties in XML and JSON, including the old {"@key","@value"} shape.
func TestOpenfireSystemProperties(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		for _, f := range wireFormats {
			key := "test.prop." + f.name()
			body := `<property key="` + key + `" value="one"/>`
			if f == fmtJSON {
				body = `{"@key":"` + key + `","@value":"one"}`
			}
			status, resp := e.of("POST", "/system/properties", f, body)
			wantStatus(t, "create property", status, resp, 201)

			status, resp = e.of("GET", "/system/properties/"+key, f, "")
			wantStatus(t, "get property", status, resp, 200)
			var p ofProperty
			decodeAs(t, f, resp, &p)
			if p.Key != key || p.Value != "one" {
				t.Errorf("%s: property = %s", f.name(), resp)
			}

			body = `<property key="` + key + `" value="two"/>`
			if f == fmtJSON {
				body = `{"key":"` + key + `","value":"two"}`
			}
			status, resp = e.of("PUT", "/system/properties/"+key, f, body)
			wantStatus(t, "update property", status, resp, 200)

			status, resp = e.of("GET", "/system/properties", f, "")
			wantStatus(t, "list properties", status, resp, 200)
			var list struct {
				Properties []ofProperty `xml:"property" json:"property"`
			}
			decodeAs(t, f, resp, &list)
			found := false
			for _, lp := range list.Properties {
				found = found || (lp.Key == key && lp.Value == "two")
			}
			if !found {
				t.Errorf("%s: list lacks %s=two: %s", f.name(), key, resp)
			}

			status, resp = e.of("PUT", "/system/properties/"+key, f, strings.Replace(body, key, "other.key", 1))
			wantError(t, f, "path and body keys differ", status, resp, 400, "IllegalArgumentException")

			status, resp = e.of("PUT", "/system/properties/missing."+f.name(), f, strings.Replace(body, key, "missing."+f.name(), 1))
			wantError(t, f, "update a missing property", status, resp, 404, "PropertyNotFoundException")

			status, resp = e.of("DELETE", "/system/properties/"+key, f, "")
			wantStatus(t, "delete property", status, resp, 200)
			status, resp = e.of("GET", "/system/properties/"+key, f, "")
			wantError(t, f, "get deleted property", status, resp, 404, "PropertyNotFoundException")
			status, resp = e.of("DELETE", "/system/properties/"+key, f, "")
			wantError(t, f, "delete deleted property", status, resp, 404, "PropertyNotFoundException")
		}
	})
}

// TestOpenfireSecurityLog checks that mutating calls are recorded and can
// be queried by user, time and page.
func TestOpenfireSecurityLog(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		status, resp := e.of("POST", "/users", fmtJSON, `{"username":"audited","password":"pw"}`)
		wantStatus(t, "create", status, resp, 201)
		status, resp = e.of("PUT", "/users/audited", fmtJSON, `{"username":"audited","name":"A"}`)
		wantStatus(t, "update", status, resp, 200)
		status, resp = e.of("POST", "/system/properties", fmtXML, `<property key="audit.me" value="1"/>`)
		wantStatus(t, "property", status, resp, 201)
		// A refused call changes nothing and records nothing.
		e.of("POST", "/users", fmtJSON, `{"username":"audited","password":"pw"}`)

		type log struct {
			LogID     int64  `xml:"logId" json:"logId"`
			Username  string `xml:"username" json:"username"`
			Summary   string `xml:"summary" json:"summary"`
			Details   string `xml:"details" json:"details"`
			Node      string `xml:"node" json:"node"`
			Timestamp string `xml:"timestamp" json:"-"`
		}
		for _, f := range wireFormats {
			status, resp = e.of("GET", "/logs/security", f, "")
			wantStatus(t, "security log", status, resp, 200)
			var logs struct {
				Logs []log `xml:"log" json:"logs"`
			}
			decodeAs(t, f, resp, &logs)
			if len(logs.Logs) != 3 {
				t.Fatalf("%s: %d records, want 3: %s", f.name(), len(logs.Logs), resp)
			}
			newest := logs.Logs[0]
			if !strings.Contains(newest.Summary, "audit.me") || newest.Username != "secret" || newest.Node == "" {
				t.Errorf("%s: newest record = %+v", f.name(), newest)
			}
			if !strings.Contains(logs.Logs[2].Summary, "created user audited@") || !strings.Contains(logs.Logs[2].Details, "client: 127.0.0.1") {
				t.Errorf("%s: oldest record = %+v", f.name(), logs.Logs[2])
			}
			if f == fmtXML && !strings.Contains(newest.Timestamp, "T") {
				t.Errorf("XML timestamp is not ISO-8601: %q", newest.Timestamp)
			}

			_, resp = e.of("GET", "/logs/security?limit=1&offset=1", f, "")
			logs.Logs = nil
			decodeAs(t, f, resp, &logs)
			if len(logs.Logs) != 1 || !strings.Contains(logs.Logs[0].Summary, "updated user") {
				t.Errorf("%s: page 2 of 1 = %s", f.name(), resp)
			}
			_, resp = e.of("GET", "/logs/security?username=audited", f, "")
			logs.Logs = nil
			decodeAs(t, f, resp, &logs)
			if len(logs.Logs) != 2 {
				t.Errorf("%s: records about audited = %s", f.name(), resp)
			}
			_, resp = e.of("GET", "/logs/security?startTime=4102444800", f, "") // 2100-01-01
			logs.Logs = nil
			decodeAs(t, f, resp, &logs)
			if len(logs.Logs) != 0 {
				t.Errorf("%s: records after 2100 = %s", f.name(), resp)
			}
			status, resp = e.of("GET", "/logs/security?limit=ten", f, "")
			wantError(t, f, "bad limit", status, resp, 400, "IllegalArgumentException")
		}
	})
}

// TestOpenfireClusteringAndHealth checks the single-node clustering answers
// and the health checks, which need no credentials.
func TestOpenfireClusteringAndHealth(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		for _, f := range wireFormats {
			status, resp := e.of("GET", "/clustering/status", f, "")
			wantStatus(t, "clustering status", status, resp, 200)
			var st struct {
				Status string `xml:"status" json:"status"`
			}
			decodeAs(t, f, resp, &st)
			if st.Status != "Disabled" {
				t.Errorf("clustering status = %s", resp)
			}
			status, resp = e.of("GET", "/clustering/nodes", f, "")
			wantStatus(t, "cluster nodes", status, resp, 200)
			var nodes struct {
				Nodes []struct {
					NodeID string `xml:"nodeID" json:"nodeID"`
					Senior bool   `xml:"seniorMember" json:"seniorMember"`
				} `xml:"clusterNode" json:"clusterNodes"`
			}
			decodeAs(t, f, resp, &nodes)
			if len(nodes.Nodes) != 1 || !nodes.Nodes[0].Senior || nodes.Nodes[0].NodeID == "" {
				t.Fatalf("cluster nodes = %s", resp)
			}
			status, resp = e.of("GET", "/clustering/nodes/"+url.PathEscape(nodes.Nodes[0].NodeID), f, "")
			wantStatus(t, "this node", status, resp, 200)
			status, resp = e.of("GET", "/clustering/nodes/no-such-node", f, "")
			wantError(t, f, "unknown node", status, resp, 404, "")
		}
		for _, p := range []string{"/system/liveness", "/system/liveness/deadlock", "/system/liveness/properties",
			"/system/readiness", "/system/readiness/server", "/system/readiness/cluster", "/system/readiness/plugins",
			"/system/readiness/connections", "/system/readiness/connections/COMPONENT/false"} {
			status, resp := e.raw("GET", ofPrefix+p, nil, "")
			wantStatus(t, p+" without credentials", status, resp, 200)
		}
		status, resp := e.raw("GET", ofPrefix+"/system/readiness/connections/CARRIER_PIGEON", nil, "")
		wantStatus(t, "unknown connection type", status, resp, 400)

		// Readiness follows the XMPP link.
		e.Server.Stop()
		eventually(t, 10e9, "link down", func() bool { return !e.D.Link.Up() })
		status, resp = e.raw("GET", ofPrefix+"/system/readiness", map[string]string{"Accept": "application/json"}, "")
		wantStatus(t, "readiness with the server down", status, resp, 503)
		status, resp = e.raw("GET", ofPrefix+"/system/liveness", nil, "")
		wantStatus(t, "liveness with the server down", status, resp, 200)
	})
}

// TestOpenfireUserService drives the legacy user service.
func TestOpenfireUserService(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		call := func(q string) string {
			t.Helper()
			status, body := e.raw("GET", "/plugins/restapi/userservice?"+q, nil, "")
			wantStatus(t, "userservice "+q, status, body, 200)
			return strings.TrimSpace(body)
		}
		if got := call("type=add&secret=wrong&username=kafka&password=pw"); got != "<error>RequestNotAuthorised</error>" {
			t.Errorf("wrong secret: %s", got)
		}
		if err := e.canLogIn(e.user("kafka"), "pw"); err == nil {
			t.Fatal("an unauthorised request created a user")
		}
		if got := call("type=add&secret=" + apiSecret + "&username=kafka&password=drowssap&name=franz&email=franz@kafka.com"); got != "<result>ok</result>" {
			t.Fatalf("add: %s", got)
		}
		if err := e.canLogIn(e.user("kafka"), "drowssap"); err != nil {
			t.Fatalf("added user cannot log in: %v", err)
		}
		if got := call("type=add&secret=" + apiSecret + "&username=kafka&password=x"); got != "<error>UserAlreadyExistsException</error>" {
			t.Errorf("add twice: %s", got)
		}
		if got := call("type=update&secret=" + apiSecret + "&username=kafka&password=new-pw&email=beetle@kafka.com"); got != "<result>ok</result>" {
			t.Errorf("update: %s", got)
		}
		if err := e.canLogIn(e.user("kafka"), "new-pw"); err != nil {
			t.Errorf("updated password does not work: %v", err)
		}
		status, resp := e.of("GET", "/users/kafka", fmtJSON, "")
		wantStatus(t, "get kafka", status, resp, 200)
		var u ofUser
		decodeAs(t, fmtJSON, resp, &u)
		if u.Name != "franz" || u.Email != "beetle@kafka.com" {
			t.Errorf("user after userservice add+update = %+v", u)
		}
		if got := call("type=disable&secret=" + apiSecret + "&username=kafka"); got != "<result>ok</result>" && !strings.Contains(got, "disable-user") {
			t.Errorf("disable: %s", got)
		}
		// Groups and roster.
		if got := call("type=add&secret=" + apiSecret + "&username=max&password=pw-max&groups=support,finance"); got != "<result>ok</result>" {
			t.Fatalf("add with groups: %s", got)
		}
		if got := call("type=usergrouplist&secret=" + apiSecret + "&username=max"); got != "<result><groupname>finance</groupname><groupname>support</groupname></result>" {
			t.Errorf("usergrouplist: %s", got)
		}
		if got := call("type=grouplist&secret=" + apiSecret); !strings.Contains(got, "<groupname>support</groupname>") {
			t.Errorf("grouplist: %s", got)
		}
		e.awaitPrivileges()
		got := call("type=add_roster&secret=" + apiSecret + "&username=max&item_jid=" + url.QueryEscape(e.user("franz").String()) + "&name=Franz&subscription=3&groups=family")
		if kind == xmppserver.Ejabberd {
			if !strings.Contains(got, "23.10") {
				t.Errorf("ejabberd add_roster: %s", got)
			}
		} else {
			if got != "<result>ok</result>" {
				t.Fatalf("add_roster: %s", got)
			}
			c := e.client(e.user("max"), "pw-max")
			item := ownRoster(t, c)[e.user("franz").String()]
			if item.Name != "Franz" || item.Subscription != "both" || len(item.Groups) != 1 || item.Groups[0] != "family" {
				t.Errorf("roster item after add_roster = %+v", item)
			}
			if got := call("type=delete_roster&secret=" + apiSecret + "&username=max&item_jid=" + url.QueryEscape(e.user("franz").String())); got != "<result>ok</result>" {
				t.Errorf("delete_roster: %s", got)
			}
			if _, still := ownRoster(t, c)[e.user("franz").String()]; still {
				t.Error("delete_roster left the item")
			}
		}
		if got := call("type=add_roster&secret=" + apiSecret + "&username=max&item_jid=x@y&subscription=7"); got != "<error>IllegalArgumentException</error>" {
			t.Errorf("bad subscription: %s", got)
		}
		if got := call("type=bogus&secret=" + apiSecret + "&username=kafka"); got != "<error>IllegalArgumentException</error>" {
			t.Errorf("unknown type: %s", got)
		}
		if got := call("type=delete&secret=" + apiSecret + "&username=kafka"); got != "<result>ok</result>" {
			t.Errorf("delete: %s", got)
		}
		if err := e.canLogIn(e.user("kafka"), "new-pw"); !errors.Is(err, c2s.ErrNotAuthorized) {
			t.Errorf("deleted user still logs in (err %v)", err)
		}
		if got := call("type=delete&secret=" + apiSecret + "&username=kafka"); got != "<error>UserNotFoundException</error>" {
			t.Errorf("delete twice: %s", got)
		}
		// The same service under /plugins/restapi/v1/userservice.
		status, resp = e.raw("GET", ofPrefix+"/userservice?type=delete&secret="+apiSecret+"&username=nobody", nil, "")
		if status != 200 || strings.TrimSpace(resp) != "<error>UserNotFoundException</error>" {
			t.Errorf("v1/userservice: %d %s", status, resp)
		}
	})
}
