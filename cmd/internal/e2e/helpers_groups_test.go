package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component/c2s/c2stest"
)

// account creates an account through XEP-0133 (independently of the REST
// user endpoints) and returns its bare JID.
func (e *env) account(local, password string) jid.JID {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	j := e.user(local)
	usedSecret(password)
	if err := e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: j, Password: password}); err != nil {
		e.t.Fatalf("create account %s: %v", j, err)
	}
	return j
}

// awaitPrivileges waits for the server's XEP-0356 advertisement, which may
// arrive after the link is up.
func (e *env) awaitPrivileges() {
	e.t.Helper()
	eventually(e.t, 5*time.Second, "XEP-0356 privilege advertisement", func() bool {
		return e.D.Link.Capabilities().Privileges().Namespace != ""
	})
}

// client logs user in over c2s and closes the session at the end of the
// test.
func (e *env) client(user jid.JID, password string) *c2stest.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := c2stest.Login(ctx, e.c2sOpts(), user, password, "")
	if err != nil {
		e.t.Fatalf("log in %s: %v", user, err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// ownRoster fetches user's roster over the user's own c2s session.
func ownRoster(t *testing.T, c *c2stest.Client) map[string]c2stest.RosterItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	items, err := c.Roster(ctx)
	if err != nil {
		t.Fatalf("roster over c2s: %v", err)
	}
	m := map[string]c2stest.RosterItem{}
	for _, it := range items {
		m[it.JID] = it
	}
	return m
}

func c2sItem(j, name string, groups ...string) c2stest.RosterItem {
	return c2stest.RosterItem{JID: j, Name: name, Groups: groups}
}

// jsonOf encodes v as JSON.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// xmlEsc escapes text for an XML body.
func xmlEsc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
