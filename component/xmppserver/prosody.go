package xmppserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	contrib "xmpprest/contrib/prosody"
)

// prosodyUser is the system user of the Debian package. Prosody refuses to
// run as root (unless run_as_root), so when we are root it is started as
// this user through setpriv, and the server directory is chowned to it.
const prosodyUser = "prosody"

// prosodyPluginDirs are where modules are looked for (the Debian packages
// prosody and prosody-modules both use the first one). Those that exist are
// given to Prosody as plugin_paths.
var prosodyPluginDirs = []string{
	"/usr/lib/prosody/modules",
	"/usr/local/lib/prosody/modules",
}

// prosodyModules are the global modules; "?" marks those enabled only when
// installed. mod_privilege (XEP-0356) comes from prosody-modules and must
// also be enabled on the Component (see the template). The module xmpprest
// ships (contrib/prosody) is added unless Options.WithoutContrib.
var prosodyModules = []string{
	"roster", "saslauth", "tls", "disco", "ping", "admin_adhoc", "announce",
	"register", "vcard_legacy?", "mam", "carbons", "pep", "bookmarks?", "version", "invites?", "invites_adhoc?", "privilege",
}

type prosody struct{}

func (prosody) prepare(s *Server) error {
	s.ConfigFile = filepath.Join(s.Dir, "prosody.cfg.lua")
	s.LogFile = filepath.Join(s.Dir, "prosody.log")
	if s.opts.FromSample {
		return prepareProsodySample(s)
	}
	data := newConfigData(s)
	for _, m := range prosodyModules {
		if n := len(m) - 1; m[n] == '?' {
			m = m[:n]
			if prosodyModuleDir(m) == "" {
				continue
			}
		}
		data.Modules = append(data.Modules, m)
	}
	if prosodyModuleDir("vcard_legacy") == "" {
		data.Modules = append(data.Modules, "vcard")
	}
	if !s.opts.WithoutContrib {
		dir, err := writeContribModules(s.Dir)
		if err != nil {
			return err
		}
		data.PluginPaths = append(data.PluginPaths, dir)
		data.Modules = append(data.Modules, contrib.ModuleName)
	}
	for _, d := range prosodyPluginDirs {
		if _, err := os.Stat(d); err == nil {
			data.PluginPaths = append(data.PluginPaths, d)
		}
	}
	if err := writeConfig("prosody.cfg.lua.tmpl", s.ConfigFile, data); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return nil // Prosody runs as us
	}
	return chownTree(s.Dir, prosodyUser)
}

func (prosody) command(s *Server) (string, []string, []string) {
	bin, _ := lookPath("prosody")
	args := []string{"--config", s.ConfigFile, "-F"}
	if os.Geteuid() != 0 {
		return bin, args, nil
	}
	// setpriv execs Prosody in place, so the PID we hold is Prosody's.
	// Changing uid clears the parent-death signal, hence --pdeathsig.
	setpriv, _ := lookPath("setpriv")
	return setpriv, append([]string{
		"--reuid=" + prosodyUser, "--regid=" + prosodyUser, "--init-groups",
		"--pdeathsig", "TERM", bin,
	}, args...), nil
}

// ctl runs prosodyctl. As root, prosodyctl switches to the prosody user by
// itself. It works on the data directory directly: the running server
// (internal storage, no cache) sees changes at once. Note that prosodyctl
// exits with 0 on unknown commands (it prints its usage).
func (prosody) ctl(ctx context.Context, s *Server, args ...string) (string, error) {
	return prosodyctl(ctx, s, "", args...)
}

// register uses "adduser", which refuses existing accounts, and reads the
// password twice from stdin. ("register user host password" would silently
// reset the password of an existing account.)
func (prosody) register(ctx context.Context, s *Server, user, host, password string) error {
	if strings.ContainsAny(password, "\r\n") {
		return errors.New("prosodyctl cannot take a password with a line break")
	}
	out, err := prosodyctl(ctx, s, password+"\n"+password+"\n", "adduser", user+"@"+host)
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(out))
	}
	return nil
}

func prosodyctl(ctx context.Context, s *Server, stdin string, args ...string) (string, error) {
	bin, err := lookPath("prosodyctl")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--config", s.ConfigFile}, args...)...)
	cmd.Dir = s.Dir
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// writeContribModules writes the module xmpprest ships for Prosody
// (contrib/prosody) into dir/plugins and returns that directory, for
// plugin_paths.
func writeContribModules(dir string) (string, error) {
	plugins := filepath.Join(dir, "plugins")
	if err := os.MkdirAll(plugins, 0o750); err != nil {
		return "", err
	}
	return plugins, os.WriteFile(filepath.Join(plugins, contrib.ModuleFile), []byte(contrib.Module), 0o640)
}

// prosodyModuleDir returns the plugin directory holding mod_<name>, or "".
func prosodyModuleDir(name string) string {
	for _, dir := range prosodyPluginDirs {
		for _, f := range []string{"mod_" + name + ".lua", filepath.Join("mod_"+name, "mod_"+name+".lua")} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return dir
			}
		}
	}
	return ""
}

// chownTree gives dir and everything below it to the named user.
func chownTree(dir, username string) error {
	u, err := user.Lookup(username)
	if err != nil {
		return err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return err
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}
