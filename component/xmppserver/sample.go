package xmppserver

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	contribejabberd "xmpprest/contrib/ejabberd"
	contrib "xmpprest/contrib/prosody"
)

// The sample configurations (contrib/) are written for these names.
const (
	sampleHost      = "example.org"
	sampleComponent = "rest.example.org"
	sampleSecret    = "change-me-component-secret"
)

// checkSampleNames refuses options the samples cannot serve.
func checkSampleNames(s *Server) error {
	if len(s.Hosts) != 1 || s.Hosts[0] != sampleHost || s.ComponentJID != sampleComponent {
		return fmt.Errorf("xmppserver: the sample configuration serves host %s and component %s only", sampleHost, sampleComponent)
	}
	return nil
}

// substitute replaces every old in text by new, failing when old is not
// there: the sample lost a line the harness relies on.
func substitute(text, old, new string) (string, error) {
	if !strings.Contains(text, old) {
		return "", fmt.Errorf("xmppserver: the sample configuration no longer contains %q", old)
	}
	return strings.ReplaceAll(text, old, new), nil
}

// prepareProsodySample writes contrib/prosody/prosody.cfg.lua as the
// server's config, with the component secret and, before the first
// VirtualHost (still in the global section, where later assignments win),
// the loopback ports, paths and logs of this test server.
func prepareProsodySample(s *Server) error {
	if err := checkSampleNames(s); err != nil {
		return err
	}
	plugins, err := writeContribModules(s.Dir)
	if err != nil {
		return err
	}
	paths := []string{strconv.Quote(plugins)}
	for _, d := range prosodyPluginDirs {
		if _, err := os.Stat(d); err == nil {
			paths = append(paths, strconv.Quote(d))
		}
	}
	q := strconv.Quote
	overrides := fmt.Sprintf(`-- Loopback test server (xmppserver): ports, paths and logs of its own.
pidfile = %s
data_path = %s
certificates = %s
use_ipv6 = false
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
component_interfaces = { "127.0.0.1" }
c2s_ports = { %d }
component_ports = { %d }
c2s_direct_tls_ports = { }
s2s_ports = { }
s2s_direct_tls_ports = { }
http_ports = { }
https_ports = { }
plugin_paths = { %s }
log = {
	{ levels = { min = "info" }, to = "file", filename = %s };
	{ levels = { min = "error" }, to = "console" };
}

`, q(filepath.Join(s.Dir, "prosody.pid")), q(s.dataDir()), q(s.certDir()),
		port(s.C2SAddr), port(s.ComponentAddr), strings.Join(paths, ", "), q(s.LogFile))
	text := contrib.SampleConfig
	if text, err = substitute(text, q(sampleSecret), q(s.Secret)); err != nil {
		return err
	}
	i := strings.Index(text, "\nVirtualHost ")
	if i < 0 {
		return fmt.Errorf("xmppserver: the sample Prosody configuration has no VirtualHost")
	}
	text = text[:i+1] + overrides + text[i+1:]
	if err := os.WriteFile(s.ConfigFile, []byte(text), 0o640); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return nil
	}
	return chownTree(s.Dir, prosodyUser)
}

// writeEjabberdSample writes contrib/ejabberd/ejabberd.yml as the server's
// config with the loopback ports, the test certificate and the component
// secret swapped in.
func writeEjabberdSample(s *Server) error {
	if err := checkSampleNames(s); err != nil {
		return err
	}
	extra, err := freePorts(1)
	if err != nil {
		return err
	}
	text := contribejabberd.SampleConfig
	for _, r := range [][2]string{
		{"port: 5222\n", fmt.Sprintf("port: %d\n", port(s.C2SAddr))},
		{"port: 5269\n", fmt.Sprintf("port: %d\n", extra[0])},
		{"port: 5347\n", fmt.Sprintf("port: %d\n", port(s.ComponentAddr))},
		{`ip: "::"`, `ip: "127.0.0.1"`},
		{strconv.Quote("/etc/ejabberd/" + sampleHost + ".pem"), strconv.Quote(filepath.Join(s.certDir(), sampleHost+".pem"))},
		{strconv.Quote(sampleSecret), strconv.Quote(s.Secret)},
	} {
		if text, err = substitute(text, r[0], r[1]); err != nil {
			return err
		}
	}
	return os.WriteFile(s.ConfigFile, []byte(text), 0o640)
}
