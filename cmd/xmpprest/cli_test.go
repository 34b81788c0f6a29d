package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/component/c2s"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
	"xmpprest/store"
)

// cliConfig is an xmpprest configuration attached to s.
func cliConfig(t *testing.T, s *xmppserver.Server) config.Config {
	cfg := daemon.TestServerConfig(s, t.TempDir(), "cli-test-secret")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runCLI runs one subcommand with input on stdin and returns its output.
func runCLI(t *testing.T, cfg config.Config, input string, args ...string) (string, error) {
	t.Helper()
	stdin = strings.NewReader(input)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := commands[args[0]].run(ctx, cfg, args[1:], &out)
	return out.String(), err
}

func mustCLI(t *testing.T, cfg config.Config, input string, args ...string) string {
	t.Helper()
	out, err := runCLI(t, cfg, input, args...)
	if err != nil {
		t.Fatalf("xmpprest %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func checkLogin(t *testing.T, cfg config.Config, user jid.JID, password string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c2s.CheckPassword(ctx, daemon.C2SOptions(cfg), user, password)
}

// TestCLIUsers adds, lists, re-passwords and deletes an account with the
// command line and checks each effect by logging in to the server.
func TestCLIUsers(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	cfg := cliConfig(t, s)
	alice := jid.MustParse("alice@" + s.Hosts[0])

	out := mustCLI(t, cfg, "first-pw\n", "users", "add", "alice", "--name", "Alice A")
	if !strings.Contains(out, "created alice") {
		t.Errorf("users add printed %q", out)
	}
	if err := checkLogin(t, cfg, alice, "first-pw"); err != nil {
		t.Fatalf("alice cannot log in after users add: %v", err)
	}
	if _, err := runCLI(t, cfg, "x\n", "users", "add", "alice"); err == nil || !strings.Contains(err.Error(), "exist") {
		t.Errorf("adding alice again: err = %v, want one saying she exists", err)
	}

	out = mustCLI(t, cfg, "", "users", "list")
	if !strings.Contains(out, alice.String()) || !strings.Contains(out, "Alice A") {
		t.Errorf("users list does not show alice and her name:\n%s", out)
	}

	mustCLI(t, cfg, "", "users", "passwd", "alice", "--password", "second-pw")
	if err := checkLogin(t, cfg, alice, "second-pw"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
	if err := checkLogin(t, cfg, alice, "first-pw"); !errors.Is(err, c2s.ErrNotAuthorized) {
		t.Fatalf("the old password still works (err %v)", err)
	}

	mustCLI(t, cfg, "", "users", "delete", "alice")
	if err := checkLogin(t, cfg, alice, "second-pw"); !errors.Is(err, c2s.ErrNotAuthorized) {
		t.Fatalf("alice can still log in after users delete (err %v)", err)
	}
	st, err := store.Open(context.Background(), cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := st.AuditLog(context.Background(), store.AuditQuery{})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	byCLI := 0
	for _, r := range records {
		if r.Actor == "cli" {
			byCLI++
		}
	}
	if byCLI < 3 {
		t.Errorf("the audit log names cli for %d changes, want the add, passwd and delete: %+v", byCLI, records)
	}
	if _, err := runCLI(t, cfg, "", "users", "delete", "alice"); err == nil {
		t.Error("deleting a missing account succeeded")
	}
	if _, err := runCLI(t, cfg, "", "users", "add", "bob"); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("users add without a password: err = %v, want one asking for it", err)
	}
	if _, err := runCLI(t, cfg, "", "users", "frobnicate"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("unknown subcommand: err = %v, want the usage", err)
	}
}

// TestCLIRooms creates, lists and deletes a room with the command line and
// checks its existence with a user's own disco#info query to the room.
func TestCLIRooms(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	cfg := cliConfig(t, s)
	if err := s.RegisterUser(context.Background(), "watcher", s.Hosts[0], "watcher-pw"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	watcher, err := c2stest.Login(ctx, daemon.C2SOptions(cfg), jid.MustParse("watcher@"+s.Hosts[0]), "watcher-pw", "")
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	room := "standup@" + s.MUCService
	exists := func() bool {
		reply, err := watcher.IQ(ctx, `<iq type='get' id='d1' to='`+room+`'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(reply, "type='result'") || strings.Contains(reply, `type="result"`)
	}
	if exists() {
		t.Fatal("the room exists before rooms create")
	}

	mustCLI(t, cfg, "", "rooms", "create", "standup", "--title", "Daily standup", "--public")
	if !exists() {
		t.Fatal("the room does not exist on the server after rooms create")
	}
	out := mustCLI(t, cfg, "", "rooms", "list")
	if !strings.Contains(out, room) || !strings.Contains(out, "Daily standup") {
		t.Errorf("rooms list does not show the room and its title:\n%s", out)
	}
	if _, err := runCLI(t, cfg, "", "rooms", "create", "standup"); err == nil {
		t.Error("creating the room again succeeded")
	}
	mustCLI(t, cfg, "", "rooms", "delete", "standup")
	if exists() {
		t.Fatal("the room still exists after rooms delete")
	}
}

// TestDoctorUnderPrivileged runs doctor against a Prosody and an ejabberd
// where the component is neither an admin nor a privileged entity: it must
// fail and name, in the server's own configuration language, the missing
// admins entry and privileged_entities grant (Prosody), the access rules
// and mod_privilege permissions (ejabberd).
func TestDoctorUnderPrivileged(t *testing.T) {
	for _, tc := range []struct {
		kind  xmppserver.Kind
		want  []string
		other string
	}{
		{xmppserver.Prosody, []string{
			"host example.org: Prosody", `admins = { "rest.example.org" }`, "privileged_entities = {",
			`["rest.example.org"] = {`, `roster = "both";`, `modules_enabled = { "privilege" }`,
		}, "ejabberd.yml"},
		{xmppserver.Ejabberd, []string{
			"host example.org: ejabberd", `rest_component: server: "rest.example.org"`,
			"configure: allow: rest_component", "mod_privilege: roster: both: rest_priv message: outgoing: rest_priv",
		}, "prosody.cfg.lua"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			s := xmppserver.StartT(t, tc.kind, xmppserver.Options{WithoutAdminRights: true})
			out, err := runCLI(t, cliConfig(t, s), "", "doctor", "--no-rooms")
			t.Logf("doctor output:\n%s", out)
			if !errors.Is(err, errDoctorFound) {
				t.Fatalf("doctor: err = %v, want errDoctorFound", err)
			}
			flat := strings.Join(strings.Fields(out), " ") // YAML's indentation aside
			for _, want := range append(tc.want, "MISSING accounts", "MISSING rosters and shared groups", "the component is not one of its admins") {
				if !strings.Contains(flat, want) {
					t.Errorf("doctor output lacks %q", want)
				}
			}
			if strings.Contains(out, tc.other) {
				t.Errorf("doctor gives another server's lines (%s)", tc.other)
			}
		})
	}
}

// TestDoctorPrivileged runs doctor against the fully configured Prosody the
// tests use (contrib/prosody/prosody.cfg.lua's rights): every feature,
// chat rooms included, must work.
func TestDoctorPrivileged(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{})
	cfg := cliConfig(t, s)
	out, err := runCLI(t, cfg, "", "doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	if strings.Contains(out, "MISSING") || !strings.Contains(out, "ok       chat rooms") {
		t.Errorf("doctor output:\n%s", out)
	}
}

// TestSampleConfigs starts Prosody 0.12 and ejabberd 23.01 from the sample
// configurations in contrib/ and runs doctor against each: every feature
// must work, except on ejabberd 23.01 what it cannot do: lockouts (no
// disable-user command), vCards (no iq permission in mod_privilege) and
// rosters (its privileged roster set fails).
func TestSampleConfigs(t *testing.T) {
	for _, tc := range []struct {
		kind    xmppserver.Kind
		missing []string
	}{
		{xmppserver.Prosody, nil},
		{xmppserver.Ejabberd, []string{"lockouts", "rosters and shared groups", "vCards"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			s := xmppserver.StartT(t, tc.kind, xmppserver.Options{FromSample: true})
			cfg := cliConfig(t, s)
			out, err := runCLI(t, cfg, "", "doctor")
			if len(tc.missing) == 0 && err != nil || len(tc.missing) > 0 && !errors.Is(err, errDoctorFound) {
				t.Fatalf("doctor: err = %v\n%s", err, out)
			}
			var missing []string
			for _, line := range strings.Split(out, "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "MISSING"); ok {
					missing = append(missing, strings.TrimSpace(rest[:min(len(rest), 28)]))
				}
			}
			if strings.Join(missing, ",") != strings.Join(tc.missing, ",") {
				t.Errorf("missing features %q, want %q\n%s", missing, tc.missing, out)
			}
			if !strings.Contains(out, "ok       chat rooms") || !strings.Contains(out, "ok       accounts") {
				t.Errorf("chat rooms or accounts do not work:\n%s", out)
			}
		})
	}
}
