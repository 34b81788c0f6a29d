package xmppserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ejabberd is started as a plain Erlang VM ("erl ... -s ejabberd"), which is
// what "ejabberdctl foreground" runs, minus the script's su to the ejabberd
// user, its epmd handling and its global node name: the VM is our direct
// child and its PID is the one we hold (erl execs erlexec which execs
// beam.smp). It runs as the calling user (root in CI); ejabberd does not
// mind.
//
// Each instance has its own node name and cookie, and uses Erlang
// distribution without epmd: the node listens on a chosen loopback port
// (-erl_epmd_port, -start_epmd false, -kernel inet_dist_use_interface), and
// ctl nodes connect to that port directly (the ERL_DIST_PORT scheme of
// ejabberdctl). So no epmd is ever started or left behind, and instances do
// not collide. Mnesia (accounts, rosters, archives) lives in Dir/data, tied
// to the node name, which Restart keeps.
type ejabberd struct {
	node, cookie string
	distPort     int
	install      ejabberdInstall
}

// ejabberdInstall is where the Erlang VM and ejabberd's code are.
type ejabberdInstall struct {
	erl  string // the erl launcher
	libs string // ERL_LIBS: the directory holding ejabberd-<version>/ebin
}

var (
	reERL     = regexp.MustCompile(`(?m)^ERL=["']?([^"'\s]+)`)
	reERLLibs = regexp.MustCompile(`(?m)^ERL_LIBS=["']?([^"'\s]+)`)
)

// findEjabberd reads erl's path and ERL_LIBS from the ejabberdctl script
// (Debian: /usr/bin/erl and /usr/lib/<arch>-linux-gnu), falling back on
// looking around.
func findEjabberd() (ejabberdInstall, error) {
	var in ejabberdInstall
	ctl, err := lookPath("ejabberdctl")
	if err != nil {
		return in, err
	}
	script, err := os.ReadFile(ctl)
	if err != nil {
		return in, err
	}
	if m := reERL.FindSubmatch(script); m != nil {
		in.erl = string(m[1])
	}
	if _, err := os.Stat(in.erl); in.erl == "" || err != nil {
		if in.erl, err = lookPath("erl"); err != nil {
			return in, err
		}
	}
	if m := reERLLibs.FindSubmatch(script); m != nil {
		in.libs = string(m[1])
	}
	if !hasEjabberdApp(in.libs) {
		in.libs = ""
		for _, pattern := range []string{"/usr/lib/*/ejabberd-*/ebin", "/usr/lib/ejabberd*/ebin", "/usr/local/lib/ejabberd*/ebin"} {
			if m, _ := filepath.Glob(pattern); len(m) > 0 {
				in.libs = filepath.Dir(filepath.Dir(m[0]))
				break
			}
		}
	}
	if !hasEjabberdApp(in.libs) {
		return in, errors.New("ejabberd's Erlang code (ejabberd-*/ebin/ejabberd.app) not found")
	}
	return in, nil
}

func hasEjabberdApp(libs string) bool {
	if libs == "" {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(libs, "ejabberd-*", "ebin", "ejabberd.app"))
	return len(m) > 0
}

// inetrc makes the short node names ...@localhost resolve without DNS.
const inetrc = `{lookup,["file","native"]}.
{host,{127,0,0,1}, ["localhost"]}.
`

func (e *ejabberd) prepare(s *Server) error {
	var err error
	if e.install, err = findEjabberd(); err != nil {
		return err
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	e.distPort = ports[0]
	e.node = "xmppserver-" + randomHex(4) + "@localhost"
	e.cookie = randomHex(16)
	s.ConfigFile = filepath.Join(s.Dir, "ejabberd.yml")
	s.LogFile = filepath.Join(s.Dir, "ejabberd.log")
	if err := os.WriteFile(filepath.Join(s.Dir, "inetrc"), []byte(inetrc), 0o644); err != nil {
		return err
	}
	if s.opts.FromSample {
		return writeEjabberdSample(s)
	}
	return writeConfig("ejabberd.yml.tmpl", s.ConfigFile, newConfigData(s))
}

// distArgs are the Erlang distribution flags shared by the server and the
// ctl nodes.
func (e *ejabberd) distArgs(name string) []string {
	return []string{
		"-sname", name, "-setcookie", e.cookie,
		"-start_epmd", "false", "-erl_epmd_port", strconv.Itoa(e.distPort),
		"-kernel", "inet_dist_use_interface", "{127,0,0,1}",
		"-noinput",
	}
}

func (e *ejabberd) env(s *Server) []string {
	return []string{
		"ERL_LIBS=" + e.install.libs,
		"ERL_INETRC=" + filepath.Join(s.Dir, "inetrc"),
		"ERL_CRASH_DUMP=" + filepath.Join(s.Dir, "erl_crash.dump"),
		"ERL_CRASH_DUMP_BYTES=0",
		"HOME=" + s.Dir, // keep ~/.erlang.cookie and friends out of the real home
	}
}

func (e *ejabberd) command(s *Server) (string, []string, []string) {
	args := append(e.distArgs(e.node),
		"-mnesia", "dir", strconv.Quote(s.dataDir()), // an Erlang string term
		"-s", "ejabberd")
	env := append(e.env(s),
		"EJABBERD_CONFIG_PATH="+s.ConfigFile,
		"EJABBERD_LOG_PATH="+s.LogFile,
		"EJABBERD_PID_PATH="+filepath.Join(s.Dir, "ejabberd.pid"),
	)
	return e.install.erl, args, env
}

func (e *ejabberd) register(ctx context.Context, s *Server, user, host, password string) error {
	out, err := e.ctl(ctx, s, "register", user, host, password)
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(out))
	}
	return nil
}

// ctl runs an ejabberdctl command against the node, the way ejabberdctl
// does it (a hidden node running ejabberd_ctl), without the script: it would
// su to the ejabberd user and use epmd. Takes ~0.4 s.
func (e *ejabberd) ctl(ctx context.Context, s *Server, args ...string) (string, error) {
	ctlArgs := append(e.distArgs("ctl-"+randomHex(4)+"@localhost"),
		"-dist_listen", "false", "-hidden",
		"-s", "ejabberd_ctl", "-extra", e.node)
	cmd := exec.CommandContext(ctx, e.install.erl, append(ctlArgs, args...)...)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), e.env(s)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
