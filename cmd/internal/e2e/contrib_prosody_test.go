package e2e

// The Prosody module xmpprest ships (contrib/prosody, mod_xmpprest_admin):
// the XEP-0133 commands Prosody 0.12 lacks, run through xmpprest's ad-hoc
// client, with their effects checked on the server itself (raw SASL
// exchanges, c2s logins and sessions). ejabberd runs the same typed calls
// where it offers the command.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/fault"
	"xmpprest/component/xmppserver"
)

// contribCommands are the commands mod_xmpprest_admin adds.
var contribCommands = []string{
	adhoc.NodeGetRegisteredUsersList, adhoc.NodeGetRegisteredUsersNum,
	adhoc.NodeDisableUser, adhoc.NodeReenableUser,
}

func TestContribRegisteredUsers(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a := e.D.Adhoc
		host := e.Server.Hosts[0]
		hostJID := jid.MustParse(host)

		e.wantAccounts(ctx, nil)
		for _, name := range []string{"alice", "bob"} {
			if err := a.AddUser(ctx, adhoc.NewUser{JID: e.user(name), Password: "pw " + name}); err != nil {
				t.Fatal(err)
			}
		}
		// An account the server's own CLI creates, behind xmpprest's back.
		if err := e.Server.RegisterUser(ctx, "carol", host, "pw carol"); err != nil {
			t.Fatal(err)
		}
		e.wantAccounts(ctx, []string{"alice", "bob", "carol"})

		if err := a.DeleteUser(ctx, e.user("bob")); err != nil {
			t.Fatal(err)
		}
		e.wantAccounts(ctx, []string{"alice", "carol"})

		if kind != xmppserver.Prosody {
			return
		}
		// max_items (XEP-0133), through the generic call: the module's form
		// offers it as a list-single.
		list := func(maxItems string) ([]string, error) {
			reply, err := a.Execute(ctx, adhoc.Request{Host: hostJID, Node: adhoc.NodeGetRegisteredUsersList,
				Args: []adhoc.Arg{{Names: []string{"max_items"}, Values: []string{maxItems}}}})
			if err != nil {
				return nil, err
			}
			f, ok := reply.Form.Field("registereduserjids")
			if !ok {
				return nil, fmt.Errorf("no registereduserjids in %+v", reply.Form)
			}
			return f.Values, nil
		}
		if got, err := list("1"); err != nil || !slices.Equal(got, []string{"alice@" + host}) {
			t.Errorf("max_items 1: got %q, %v; want the first account, alice", got, err)
		}
		if got, err := list("all"); err != nil || len(got) != 2 {
			t.Errorf("max_items all: got %q, %v; want both accounts", got, err)
		}
		if _, err := list("lots"); !fault.Is(err, fault.BadRequest) || !strings.Contains(fault.Message(err), "max_items") {
			t.Errorf("max_items lots: want BadRequest naming max_items, got %v", err)
		}
	})
}

// wantAccounts checks get-registered-users-list and -num against the
// accounts that should exist on the default host.
func (e *env) wantAccounts(ctx context.Context, names []string) {
	e.t.Helper()
	host := e.Server.Hosts[0]
	want := []string{}
	for _, n := range names {
		want = append(want, n+"@"+host)
	}
	got, err := e.D.Adhoc.RegisteredUsers(ctx, jid.MustParse(host))
	if err != nil {
		e.t.Fatalf("get-registered-users-list: %v", err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		e.t.Errorf("get-registered-users-list = %q, want %q", got, want)
	}
	n, err := e.D.Adhoc.RegisteredUsersNum(ctx, jid.MustParse(host))
	if err != nil {
		e.t.Fatalf("get-registered-users-num: %v", err)
	}
	if n != len(want) {
		e.t.Errorf("get-registered-users-num = %d, want %d", n, len(want))
	}
}

func TestContribDisableUser(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		a := e.D.Adhoc
		host := e.Server.Hosts[0]
		dave, erin := e.user("dave"), e.user("erin")
		for _, u := range []jid.JID{dave, erin} {
			if err := a.AddUser(ctx, adhoc.NewUser{JID: u, Password: "pw " + u.Localpart()}); err != nil {
				t.Fatal(err)
			}
		}

		if kind == xmppserver.Ejabberd {
			// ejabberd 23.01's mod_configure has no disable-user: the call is
			// refused before any change, naming the command.
			err := a.DisableUser(ctx, dave)
			if !fault.Is(err, fault.NotSupported) || !strings.Contains(fault.Message(err), "disable-user") {
				t.Fatalf("disable-user on ejabberd 23.01: want NotSupported naming it, got %v", err)
			}
			if err := e.canLogIn(dave, "pw dave"); err != nil {
				t.Fatalf("the refused disable-user changed something: %v", err)
			}
			return
		}

		// Before: both mechanisms accept the password.
		if cond := e.plainAuth(dave, "pw dave"); cond != "" {
			t.Fatalf("PLAIN login of an enabled account: %s", cond)
		}
		wrongPassword := e.plainAuth(dave, "wrong")
		if !strings.HasPrefix(wrongPassword, "not-authorized") {
			t.Fatalf("PLAIN with a wrong password: %q, want not-authorized", wrongPassword)
		}
		if got := e.plainAuths(dave, "wrong", "pw dave"); !slices.Equal(got, []string{wrongPassword, ""}) {
			t.Fatalf("PLAIN retry on the same stream: %q, want a failure then a success", got)
		}
		var clients []*c2stest.Client
		for _, res := range []string{"desk", "phone"} {
			c, err := c2stest.Login(ctx, e.c2sOpts(), dave, "pw dave", res)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clients = append(clients, c)
		}

		if err := a.DisableUser(ctx, dave); err != nil {
			t.Fatalf("disable-user: %v", err)
		}
		for _, c := range clients {
			select {
			case <-c.Done():
				t.Logf("session %s ended: %v", c.JID(), c.Err())
				if err := c.Err(); err == nil || !strings.Contains(err.Error(), "policy-violation") {
					t.Errorf("session %s ended with %v, want the stream error policy-violation", c.JID(), err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("session %s still open 5s after disable-user", c.JID())
			}
		}
		e.wantLoginRefused(dave, "pw dave", wrongPassword)
		if err := e.canLogIn(erin, "pw erin"); err != nil {
			t.Errorf("another account was disabled too: %v", err)
		}
		if err := a.DisableUser(ctx, dave); err != nil {
			t.Errorf("disabling a disabled account: %v", err)
		}
		if ok, err := a.UserExists(ctx, dave); err != nil || !ok {
			t.Errorf("a disabled account must still exist: %v, %v", ok, err)
		}

		// The lockout is stored: it survives a restart of the server.
		if err := e.Server.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		e.wantLoginRefused(dave, "pw dave", wrongPassword)
		eventually(t, 10*time.Second, "xmpprest reattached", func() bool { return getJSON(t, e.URL+"/readyz", nil) == 200 })

		if err := a.ReenableUser(ctx, dave); err != nil {
			t.Fatalf("reenable-user: %v", err)
		}
		if err := e.canLogIn(dave, "pw dave"); err != nil {
			t.Errorf("SCRAM login after reenable-user: %v", err)
		}
		if cond := e.plainAuth(dave, "pw dave"); cond != "" {
			t.Errorf("PLAIN login after reenable-user: %s", cond)
		}
		if err := a.ReenableUser(ctx, dave); err != nil {
			t.Errorf("re-enabling an enabled account: %v", err)
		}

		// Missing accounts: NotFound, and nothing changed when one of several
		// is missing.
		if err := a.DisableUser(ctx, e.user("nobody")); !fault.Is(err, fault.NotFound) {
			t.Errorf("disable-user of a missing account: want NotFound, got %v", err)
		}
		if err := a.ReenableUser(ctx, e.user("nobody")); !fault.Is(err, fault.NotFound) {
			t.Errorf("reenable-user of a missing account: want NotFound, got %v", err)
		}
		disable := func(jids ...string) error {
			_, err := a.Execute(ctx, adhoc.Request{Host: jid.MustParse(host), Node: adhoc.NodeDisableUser,
				Args: []adhoc.Arg{{Names: []string{"accountjids"}, Values: jids}}})
			return err
		}
		if err := disable(erin.String(), "nobody@"+host); !fault.Is(err, fault.NotFound) || !strings.Contains(fault.Message(err), "nobody@"+host) {
			t.Errorf("disable-user of an existing and a missing account: want NotFound naming the missing one, got %v", err)
		}
		if err := disable("erin@elsewhere.example"); !fault.Is(err, fault.BadRequest) {
			t.Errorf("disable-user of an account of another host: want BadRequest, got %v", err)
		}
		if err := e.canLogIn(erin, "pw erin"); err != nil {
			t.Errorf("a refused disable-user changed something: %v", err)
		}

		// Deleting a disabled account removes its lockout with it.
		if err := a.DisableUser(ctx, erin); err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteUser(ctx, erin); err != nil {
			t.Fatal(err)
		}
		if err := a.AddUser(ctx, adhoc.NewUser{JID: erin, Password: "pw erin"}); err != nil {
			t.Fatal(err)
		}
		if err := e.canLogIn(erin, "pw erin"); err != nil {
			t.Errorf("an account re-created after the deletion of a disabled one cannot log in: %v", err)
		}
	})
}

// wantLoginRefused checks that user cannot log in with the right password,
// by SCRAM (c2s) and by PLAIN, and that PLAIN with a wrong password is
// answered as before (the lockout shows only to who knows the password).
func (e *env) wantLoginRefused(user jid.JID, password, wrongPasswordAnswer string) {
	e.t.Helper()
	if err := e.canLogIn(user, password); !errors.Is(err, c2s.ErrNotAuthorized) {
		e.t.Errorf("SCRAM login of a disabled account: want ErrNotAuthorized, got %v", err)
	}
	if cond := e.plainAuth(user, password); cond != "not-authorized: This account is disabled" {
		e.t.Errorf("PLAIN login of a disabled account: %q, want not-authorized: This account is disabled", cond)
	}
	// A retry on the same stream (a fresh SASL handler, mod_saslauth's
	// clean_clone) is refused too.
	answers := e.plainAuths(user, "wrong", password)
	if want := []string{wrongPasswordAnswer, "not-authorized: This account is disabled"}; !slices.Equal(answers, want) {
		e.t.Errorf("PLAIN with a wrong, then the right password for a disabled account: %q, want %q (the wrong one answered as for an enabled account)", answers, want)
	}
}

// plainAuth runs a SASL PLAIN exchange on a new c2s stream (no TLS: the
// test servers allow PLAIN in the clear on loopback) and returns "" on
// success, or the failure as "condition: text".
func (e *env) plainAuth(user jid.JID, password string) string {
	e.t.Helper()
	return e.plainAuths(user, password)[0]
}

// plainAuths tries the passwords one after the other on the same stream,
// as a client retrying after a failure does, until one succeeds, and
// returns the answers as plainAuth does.
func (e *env) plainAuths(user jid.JID, passwords ...string) []string {
	e.t.Helper()
	conn, err := net.DialTimeout("tcp", e.Server.C2SAddr, 5*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>", user.Domainpart())
	defer fmt.Fprint(conn, "</stream:stream>")
	d := xml.NewDecoder(conn)
	next := func() xml.StartElement {
		for {
			tok, err := d.Token()
			if err != nil {
				e.t.Fatalf("SASL PLAIN exchange: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local != "stream" {
				return se
			}
		}
	}
	var features struct {
		Mechanisms []string `xml:"urn:ietf:params:xml:ns:xmpp-sasl mechanisms>mechanism"`
	}
	if se := next(); se.Name.Local != "features" {
		e.t.Fatalf("expected stream features, got <%s>", se.Name.Local)
	} else if err := d.DecodeElement(&features, &se); err != nil {
		e.t.Fatal(err)
	}
	if !slices.Contains(features.Mechanisms, "PLAIN") {
		e.t.Fatalf("PLAIN not offered: %q", features.Mechanisms)
	}
	var answers []string
	for _, password := range passwords {
		creds := base64.StdEncoding.EncodeToString([]byte("\x00" + user.Localpart() + "\x00" + password))
		fmt.Fprintf(conn, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", creds)
		se := next()
		switch se.Name.Local {
		case "success":
			return append(answers, "")
		case "failure":
			var failure struct {
				Conditions []struct{ XMLName xml.Name } `xml:",any"`
				Text       string                       `xml:"text"`
			}
			if err := d.DecodeElement(&failure, &se); err != nil {
				e.t.Fatal(err)
			}
			answer := "?"
			for _, c := range failure.Conditions {
				if c.XMLName.Local != "text" {
					answer = c.XMLName.Local
					break
				}
			}
			if failure.Text != "" {
				answer += ": " + failure.Text
			}
			answers = append(answers, answer)
		default:
			e.t.Fatalf("unexpected answer to <auth/>: <%s>", se.Name.Local)
		}
	}
	return answers
}

func TestContribCapabilities(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	var caps struct {
		Hosts []struct {
			Host     string   `json:"host"`
			Commands []string `json:"commands"`
		} `json:"hosts"`
	}
	code, body := e.do("GET", "/capabilities", "", "", "")
	if code != 200 {
		t.Fatalf("/capabilities = %d: %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &caps); err != nil || len(caps.Hosts) != 1 {
		t.Fatalf("/capabilities: %v: %s", err, body)
	}
	for _, node := range contribCommands {
		if !slices.Contains(caps.Hosts[0].Commands, node) {
			t.Errorf("/capabilities does not list %s: %q", node, caps.Hosts[0].Commands)
		}
	}
	if slices.Contains(caps.Hosts[0].Commands, adhoc.NodeGetUserLastLogin) {
		t.Errorf("get-user-lastlogin is offered: the module must leave it out (Prosody 0.12 has no login times)")
	}
}

// A stock Prosody 0.12 (the module left out) lacks the commands: each call
// is refused before any round trip, naming the command and the module.
func TestContribLeftOut(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{WithoutContrib: true})
	e := attach(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := e.D.Adhoc
	hostJID := jid.MustParse(s.Hosts[0])
	frank := e.user("frank")
	if err := a.AddUser(ctx, adhoc.NewUser{JID: frank, Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		adhoc.NodeGetRegisteredUsersList: func() error { _, err := a.RegisteredUsers(ctx, hostJID); return err },
		adhoc.NodeGetRegisteredUsersNum:  func() error { _, err := a.RegisteredUsersNum(ctx, hostJID); return err },
		adhoc.NodeDisableUser:            func() error { return a.DisableUser(ctx, frank) },
		adhoc.NodeReenableUser:           func() error { return a.ReenableUser(ctx, frank) },
	}
	for _, node := range contribCommands {
		if offered, known := a.Offers(s.Hosts[0], node); !known || offered {
			t.Errorf("%s: offered %v, known %v; want known and not offered", node, offered, known)
		}
		err := calls[node]()
		name := node[strings.LastIndexByte(node, '#')+1:]
		msg := fault.Message(err)
		if !fault.Is(err, fault.NotSupported) || !strings.Contains(msg, name) ||
			!strings.Contains(msg, "contrib/prosody/mod_xmpprest_admin.lua") || !strings.Contains(msg, `"xmpprest_admin"`) {
			t.Errorf("%s on a stock Prosody: want NotSupported naming the command and the module, got %v", name, err)
		}
	}
	if err := e.canLogIn(frank, "pw"); err != nil {
		t.Errorf("the refused disable-user changed something: %v", err)
	}
	if ok, err := a.UserExists(ctx, frank); err != nil || !ok {
		t.Errorf("UserExists without the module: %v, %v", ok, err)
	}
}
