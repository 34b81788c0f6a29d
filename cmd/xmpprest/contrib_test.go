package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit checks that contrib/systemd/xmpprest.service keeps its
// hardening and that systemd accepts it (systemd-analyze verify, with the
// binary path pointed at an executable that exists).
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "contrib", "systemd", "xmpprest.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=xmpprest", "ProtectSystem=strict", "ProtectHome=yes",
		"NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
		"LoadCredential=component.toml:/etc/xmpprest/component.toml",
		"ExecStart=/usr/local/bin/xmpprest -config ${CREDENTIALS_DIRECTORY}/component.toml",
		"KillSignal=SIGTERM",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("systemd-analyze is missing (apt-get install systemd)")
		}
		t.Skip("SKIPPED: systemd-analyze is missing, the unit was not verified by systemd")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "xmpprest.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/xmpprest", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
