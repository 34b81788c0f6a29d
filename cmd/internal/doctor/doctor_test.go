package doctor

import (
	"bytes"
	"strings"
	"testing"

	"xmpprest/adhoc"
	"xmpprest/component"
)

// TestOpenfireLines: an Openfire that offers the component no commands and
// no privileges gets the admin.authorizedJIDs line and the note that it has
// no XEP-0356, and only Openfire's lines.
func TestOpenfireLines(t *testing.T) {
	snap := component.Snapshot{Component: "rest.example.org", Connected: true,
		Hosts: []component.HostCapabilities{{Host: "example.org", Software: "Openfire", Version: "4.8.0", MUCService: "conference.example.org"}}}
	rep := Diagnose(snap, "127.0.0.1:5275", nil)
	var out bytes.Buffer
	Write(&out, rep)
	text := out.String()
	for _, want := range []string{"admin.authorizedJIDs = rest.example.org", "does not implement XEP-0356", "MISSING  accounts", "ok       chat rooms"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "prosody.cfg.lua") || strings.Contains(text, "ejabberd.yml") {
		t.Errorf("an Openfire report gives other servers' lines:\n%s", text)
	}
}

// TestUnknownServerGetsEveryServersLines: without an XEP-0092 answer the
// report gives the lines of all three servers; a host with admin rights but
// without the contrib module gets the module's lines for Prosody.
func TestUnknownServerGetsEveryServersLines(t *testing.T) {
	snap := component.Snapshot{Component: "rest.example.org",
		Hosts: []component.HostCapabilities{{Host: "example.org",
			Commands: []string{adhoc.NodeAddUser, adhoc.NodeChangeUserPassword, adhoc.NodeDeleteUser}}}}
	var out bytes.Buffer
	rep := Diagnose(snap, "x", nil)
	Write(&out, rep)
	text := out.String()
	for _, want := range []string{"fix on Prosody", "fix on ejabberd", "fix on Openfire", `modules_enabled = { "xmpprest_admin" }`, "ok       accounts"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if rep.Broken() == 0 {
		t.Error("nothing reported broken")
	}
}
