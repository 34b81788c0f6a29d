package xmppserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
)

// packages are the Debian packages each kind of server needs.
var packages = map[Kind][]string{
	Prosody:  {"prosody", "prosody-modules"},
	Ejabberd: {"ejabberd"},
}

var installMu sync.Mutex

// Install installs the Debian packages of the server of the given kind
// (prosody and prosody-modules, or ejabberd) with apt-get (update, then
// install -y) when it is missing; nothing else is installed. It needs root. Concurrent calls, also from other processes (go
// test runs packages in parallel), are serialized by a lock file in the
// temporary directory.
func Install(ctx context.Context, kind Kind) error {
	return InstallDebian(ctx, func() error { return installed(kind) }, packages[kind]...)
}

// InstallDebian installs the Debian packages pkgs with apt-get unless
// present reports nil. Installs are serialized, within the process and
// across processes, with the servers' own; installing needs root.
func InstallDebian(ctx context.Context, present func() error, pkgs ...string) error {
	if err := present(); err == nil {
		return nil
	}
	installMu.Lock()
	defer installMu.Unlock()
	unlock, err := lockFile(filepath.Join(os.TempDir(), "xmppserver-apt.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	missing := present()
	if missing == nil {
		return nil // installed meanwhile by someone else
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("xmppserver: %v missing (%v) and installing needs root: apt-get install %v", pkgs, missing, pkgs)
	}
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	for _, args := range [][]string{
		{"update"},
		append([]string{"install", "-y", "-o", "DPkg::Lock::Timeout=300"}, pkgs...),
	} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("xmppserver: apt-get %s: %w\n%s", args[0], err, tail(out.Bytes()))
		}
	}
	if err := present(); err != nil {
		return fmt.Errorf("xmppserver: %v still missing after apt-get install: %w", pkgs, err)
	}
	return nil
}

// installed reports what is missing to run the server of the given kind.
func installed(kind Kind) error {
	switch kind {
	case Prosody:
		for _, b := range []string{"prosody", "prosodyctl", "setpriv"} {
			if _, err := lookPath(b); err != nil {
				return err
			}
		}
		if prosodyModuleDir("privilege") == "" {
			return errors.New("prosody module mod_privilege (package prosody-modules) not found")
		}
		return nil
	case Ejabberd:
		_, err := findEjabberd()
		return err
	}
	return fmt.Errorf("xmppserver: unknown server kind %q", kind)
}

// lookPath is exec.LookPath that also looks in the sbin directories, which
// are not always in PATH (ejabberdctl is in /usr/sbin on Debian).
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// lockFile takes an exclusive flock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func tail(b []byte) []byte {
	if len(b) > logTail {
		return b[len(b)-logTail:]
	}
	return b
}
