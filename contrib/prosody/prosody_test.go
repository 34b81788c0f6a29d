package prosody

import (
	"os/exec"
	"strings"
	"testing"
)

// The embedded module provides the four commands, and no others.
func TestModuleProvidesTheCommands(t *testing.T) {
	const ns = "http://jabber.org/protocol/admin#"
	for _, name := range []string{"get-registered-users-list", "get-registered-users-num", "disable-user", "reenable-user"} {
		if !strings.Contains(Module, `ns_admin .. "#`+name+`"`) {
			t.Errorf("the module does not provide %s%s", ns, name)
		}
	}
	if n := strings.Count(Module, `module:provides("adhoc"`); n != 4 {
		t.Errorf("the module provides %d commands, want 4", n)
	}
}

// The embedded module is valid Lua 5.4 (Prosody 0.12 on Debian bookworm),
// checked with luac when it is installed.
func TestModuleCompiles(t *testing.T) {
	var luac string
	for _, name := range []string{"luac5.4", "luac"} {
		if p, err := exec.LookPath(name); err == nil {
			luac = p
			break
		}
	}
	if luac == "" {
		t.Skip("no luac to check the module's syntax")
	}
	cmd := exec.Command(luac, "-p", "-")
	cmd.Stdin = strings.NewReader(Module)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s -p: %v\n%s", luac, err, out)
	}
}
