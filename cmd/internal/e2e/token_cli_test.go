package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"xmpprest/component/xmppserver"
)

// TestTokenCLIAgainstDaemon makes, lists and revokes tokens with the built
// binary on the database of a running xmpprest (two virtual hosts), and
// uses them: each token opens its own dialect only, a host's token acts on
// that host only, and a revoked token stops at once.
func TestTokenCLIAgainstDaemon(t *testing.T) {
	s := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{Hosts: []string{"one.test", "two.test"}})
	e := attach(t, s)
	e.account("cli-user", "pw-cli-user")

	bin := filepath.Join(t.TempDir(), "xmpprest")
	if out, err := exec.Command("go", "build", "-o", bin, "xmpprest/cmd/xmpprest").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var text bytes.Buffer
	if err := toml.NewEncoder(&text).Encode(e.Cfg); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "component.toml")
	if err := os.WriteFile(cfgPath, text.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, append([]string{"-config", cfgPath, "token"}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if err != nil {
			return errOut.String(), err
		}
		return out.String(), nil
	}
	secretOf := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("token %v: %v: %s", args, err, out)
		}
		return lastLine(out)
	}

	admin := secretOf("create", "--scope", "admin", "--name", "ops", "--expires", "30d")
	two := secretOf("create", "--scope", "admin", "--name", "ops-two", "--host", "two.test")
	api := secretOf("create", "--scope", "chatwith", "--name", "api")

	var u paUser
	wantPA(t, "admin token", e.pa(admin, "GET", "/users/cli-user", ""), 200, &u)
	wantPAError(t, "two.test token on one.test", e.pa(two, "GET", "/users/cli-user@one.test", ""), 403, "forbidden")
	wantPA(t, "chatwith token", e.cw("api", api, "GET", "/xmppdomains/one.test/users/cli-user", ""), 200, nil)
	wantPAError(t, "chatwith token on the admin API", e.pa(api, "GET", "/users", ""), 403, "forbidden")
	wantCWError(t, "admin token on the multi-domain API", e.cw("ops", admin, "GET", "/xmppdomains", ""), 403)

	list, err := run("list")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{admin, two, api} {
		if strings.Contains(list, secret) {
			t.Fatalf("token list shows a secret:\n%s", list)
		}
	}
	// The admin token was used: its row has a last use.
	var opsRow string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "ops" {
			opsRow = line
		}
	}
	if opsRow == "" || strings.HasSuffix(opsRow, "never") {
		t.Errorf("token ops shows no last use:\n%s", list)
	}

	if out, err := run("create", "--scope", "admin", "--host", "three.test"); err == nil || !strings.Contains(out, "three.test") {
		t.Errorf("a token for a host not administered: %v %s", err, out)
	}
	if out, err := run("create", "--scope", "superuser"); err == nil || !strings.Contains(out, "scope") {
		t.Errorf("a token of an unknown scope: %v %s", err, out)
	}

	id := strings.Fields(opsRow)[0]
	if _, err := run("revoke", id); err != nil {
		t.Fatal(err)
	}
	wantPAError(t, "revoked token", e.pa(admin, "GET", "/users/cli-user", ""), 401, "not-authorized")
	wantPA(t, "the other tokens still work", e.pa(two, "GET", "/users", ""), 200, nil)
}

// lastLine is the last line of s, where the CLI prints a token's secret.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
