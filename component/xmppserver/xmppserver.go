// Package xmppserver starts real Prosody and ejabberd servers on loopback from
// generated configs, for the integration tests, the benchmark and the quick
// start.
//
// Each Server lives in its own temporary directory (config, certificates,
// data, logs) and listens on free loopback ports, so several servers, of the
// same kind or not, can run at once. The server process is a direct child of
// the calling process and is stopped by its PID; nothing is daemonized and no
// system service is touched.
//
// The generated configs give the external component (Options.ComponentJID)
// the rights xmpprest needs: it is an admin (XEP-0133 ad-hoc commands,
// announcements), may create and administer rooms on the MUC service, and is
// a XEP-0356 privileged entity (roster get/set, outgoing messages on behalf of
// the server).
//
// Set XMPPSERVER_KEEP_DIR=1 to keep the directories after Close, for
// debugging.
package xmppserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"mellium.im/xmpp/jid"
)

// Kind is the flavour of XMPP server.
type Kind string

// The supported servers.
const (
	Prosody  Kind = "prosody"
	Ejabberd Kind = "ejabberd"
)

// Options configures a server started by Start. The zero value is usable.
type Options struct {
	// Hosts are the virtual hosts; the default is {"example.org"}.
	// The first one is the default host.
	Hosts []string
	// ComponentJID is the XEP-0114 component address; the default is
	// "rest." + Hosts[0].
	ComponentJID string
	// Secret is the component secret; the default is a random string.
	Secret string
	// HTTPAPI also enables ejabberd's mod_http_api on a loopback port, open
	// without authentication to loopback clients for register, unregister,
	// check_account and change_password (used by the benchmark).
	// It is ignored for Prosody.
	HTTPAPI bool
	// Log receives the server's stdout and stderr. When nil they go to
	// console.log in Dir. The server's own log is always LogFile.
	Log io.Writer
	// WithoutContrib leaves out the Prosody module xmpprest ships
	// (contrib/prosody, mod_xmpprest_admin), which is otherwise loaded on
	// every VirtualHost: the server then offers only the stock XEP-0133
	// commands of Prosody 0.12. It is ignored for ejabberd.
	WithoutContrib bool
	// WithoutMUCRights gives the component no rights on the chat services,
	// to show how refusals are reported: on Prosody it is an admin of the
	// VirtualHosts only (not of the MUC components), on ejabberd it is in
	// neither mod_muc's access_admin nor access_create.
	WithoutMUCRights bool
	// WithoutAdminRights leaves the component out of the server's admins
	// and out of its XEP-0356 privileged entities, as on a server where
	// nobody has granted it anything yet (what xmpprest doctor reports
	// on). On ejabberd the configure and announce access rules deny
	// everyone and mod_privilege is left out.
	WithoutAdminRights bool
	// FromSample starts the server from the sample configuration xmpprest
	// ships (contrib/prosody/prosody.cfg.lua, contrib/ejabberd/ejabberd.yml)
	// instead of the generated one, with only the loopback ports, paths,
	// certificate and component secret swapped in. Hosts and ComponentJID
	// must be the samples' (the defaults). The samples require TLS on c2s.
	FromSample bool
	// WithoutUpload leaves out the XEP-0363 upload service (always so for
	// an ejabberd with several hosts), to show how
	// its absence is reported.
	WithoutUpload bool
	// Dir, when set, is the server's directory (config, certificates, data,
	// logs) instead of a new temporary one: it is created when missing,
	// reused as it is otherwise, and kept after Close, so accounts and
	// rooms survive a restart.
	Dir string
}

// Server is a running (or stopped) XMPP server.
//
// The exported fields are set by Start and must not be modified.
type Server struct {
	Kind         Kind
	Hosts        []string
	ComponentJID string
	Secret       string
	// ComponentAddr is the "127.0.0.1:port" XEP-0114 listener.
	ComponentAddr string
	// C2SAddr is the "127.0.0.1:port" client listener (STARTTLS offered but
	// not required; PLAIN allowed without TLS).
	C2SAddr string
	// MUCService is the multi-user chat service of Hosts[0], e.g.
	// "conference.example.org". Every host has a "conference." service.
	MUCService string
	// PubSubService is the publish-subscribe service (XEP-0060) of
	// Hosts[0], e.g. "pubsub.example.org"; users also have PEP.
	PubSubService string
	// UploadService is the HTTP file upload service (XEP-0363) of Hosts[0],
	// e.g. "upload.example.org" (Prosody's http_file_share, ejabberd's
	// mod_http_upload), serving files at FileShareAddr; none with
	// Options.WithoutUpload or FromSample.
	UploadService string
	// FileShareAddr is the "127.0.0.1:port" HTTP listener of the upload
	// service (none with Options.FromSample).
	FileShareAddr string
	// HTTPAPIAddr is the "127.0.0.1:port" of ejabberd's mod_http_api (the
	// API is under /api/), when Options.HTTPAPI.
	HTTPAPIAddr string
	// Dir is the temporary directory holding config, data and logs.
	Dir string
	// ConfigFile is the generated server config.
	ConfigFile string
	// LogFile is the server's own log file.
	LogFile string

	opts    Options
	backend backend

	mu   sync.Mutex
	proc *process
}

// backend is what differs between Prosody and ejabberd.
type backend interface {
	// prepare writes the config and anything else the server needs in s.Dir.
	prepare(s *Server) error
	// command returns the path, arguments and extra environment of the
	// server process.
	command(s *Server) (path string, args, env []string)
	// ctl runs the server's admin CLI and returns its combined output.
	ctl(ctx context.Context, s *Server, args ...string) (string, error)
	// register creates an account, failing if it exists.
	register(ctx context.Context, s *Server, user, host, password string) error
}

// Start installs the server when it is missing (see Install), writes its
// configuration in a new temporary directory, starts it on free loopback
// ports and returns once the c2s and component ports answer an XMPP stream
// header (and the HTTP API port an HTTP request).
func Start(ctx context.Context, kind Kind, opts Options) (*Server, error) {
	s, err := newServer(kind, opts)
	if err != nil {
		return nil, err
	}
	if err := Install(ctx, kind); err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		s.Dir = opts.Dir
		err = os.MkdirAll(s.Dir, 0o750)
	} else {
		s.Dir, err = os.MkdirTemp("", "xmppserver-"+string(kind)+"-")
	}
	if err != nil {
		return nil, err
	}
	if err := s.setup(); err != nil {
		s.removeDir()
		return nil, err
	}
	if err := s.start(ctx); err != nil {
		s.removeDir()
		return nil, err
	}
	return s, nil
}

func newServer(kind Kind, opts Options) (*Server, error) {
	s := &Server{Kind: kind, opts: opts}
	switch kind {
	case Prosody:
		s.backend = prosody{}
	case Ejabberd:
		s.backend = &ejabberd{}
	default:
		return nil, fmt.Errorf("xmppserver: unknown server kind %q", kind)
	}
	s.Hosts = append([]string(nil), opts.Hosts...)
	if kind == Ejabberd && len(s.Hosts) > 1 {
		// One put_url serves one host: ejabberd refuses to start with
		// mod_http_upload on several hosts behind one loopback URL.
		s.opts.WithoutUpload = true
	}
	if len(s.Hosts) == 0 {
		s.Hosts = []string{"example.org"}
	}
	for _, h := range s.Hosts {
		if err := checkDomain(h); err != nil {
			return nil, fmt.Errorf("xmppserver: host %q: %w", h, err)
		}
	}
	s.ComponentJID = opts.ComponentJID
	if s.ComponentJID == "" {
		s.ComponentJID = "rest." + s.Hosts[0]
	}
	if err := checkDomain(s.ComponentJID); err != nil {
		return nil, fmt.Errorf("xmppserver: component JID %q: %w", s.ComponentJID, err)
	}
	s.Secret = opts.Secret
	if s.Secret == "" {
		s.Secret = randomHex(16)
	}
	s.MUCService = "conference." + s.Hosts[0]
	s.PubSubService = "pubsub." + s.Hosts[0]
	if !s.opts.WithoutUpload && !s.opts.FromSample {
		s.UploadService = "upload." + s.Hosts[0]
	}
	return s, nil
}

// checkDomain accepts a bare domain JID (what hosts and components are).
func checkDomain(d string) error {
	j, err := jid.Parse(d)
	if err != nil {
		return err
	}
	if j.Localpart() != "" || j.Resourcepart() != "" || j.String() != d {
		return errors.New("not a normalized bare domain")
	}
	return nil
}

// setup picks the ports, writes the certificates and the config.
func (s *Server) setup() error {
	n := 3
	if s.Kind == Ejabberd && s.opts.HTTPAPI {
		n++
	}
	ports, err := freePorts(n)
	if err != nil {
		return err
	}
	s.C2SAddr = loopback(ports[0])
	s.ComponentAddr = loopback(ports[1])
	if !s.opts.FromSample && !s.opts.WithoutUpload { // the samples serve no uploads
		s.FileShareAddr = loopback(ports[2])
	}
	if n > 3 {
		s.HTTPAPIAddr = loopback(ports[3])
	}
	for _, d := range []string{s.dataDir(), s.certDir()} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
	}
	if err := writeCerts(s.certDir(), s.Hosts); err != nil {
		return err
	}
	return s.backend.prepare(s)
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }
func (s *Server) certDir() string { return filepath.Join(s.Dir, "certs") }

// listeners are the addresses of the server's listeners.
func (s *Server) listeners() []string {
	addrs := []string{s.C2SAddr, s.ComponentAddr}
	if s.FileShareAddr != "" {
		addrs = append(addrs, s.FileShareAddr)
	}
	if s.HTTPAPIAddr != "" {
		addrs = append(addrs, s.HTTPAPIAddr)
	}
	return addrs
}

// readiness are the probes that must pass before the server is considered
// started.
func (s *Server) readiness() []probe {
	probes := []probe{
		{s.C2SAddr, streamProbe("jabber:client", s.Hosts[0])},
		{s.ComponentAddr, streamProbe("jabber:component:accept", s.ComponentJID)},
	}
	if s.FileShareAddr != "" {
		probes = append(probes, probe{s.FileShareAddr, httpProbe})
	}
	if s.HTTPAPIAddr != "" {
		probes = append(probes, probe{s.HTTPAPIAddr, httpProbe})
	}
	return probes
}

// PID returns the process ID of the running server, or 0 when it is stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.pid()
}

// Stop stops the server process: SIGTERM, then SIGKILL if it has not exited
// after a timeout. It returns once the process has exited and its ports are
// closed. The directory is kept, so Restart can start it again. Stopping a
// stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	err := p.stop(stopTimeout)
	if werr := waitClosed(s.listeners(), stopTimeout); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("xmppserver: stopping %s: %w", s.Kind, err)
	}
	return nil
}

// Restart starts the server again on the same ports, with the same config
// and data (accounts, rosters, archives survive). A running server is stopped
// first.
func (s *Server) Restart(ctx context.Context) error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start(ctx)
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	if s.Dir != "" {
		s.removeDir()
	}
	return err
}

func (s *Server) removeDir() {
	if keep, _ := strconv.ParseBool(os.Getenv("XMPPSERVER_KEEP_DIR")); keep || s.opts.Dir != "" {
		return
	}
	// Errors are ignored: there is nothing useful to do about a leftover
	// temporary directory.
	_ = os.RemoveAll(s.Dir)
}

// RegisterUser creates the account user@host with the server's own admin CLI
// (prosodyctl adduser, ejabberdctl register): an oracle independent of XMPP.
// It fails if the account exists. host must be one of Hosts.
func (s *Server) RegisterUser(ctx context.Context, user, host, password string) error {
	if _, err := jid.New(user, host, ""); err != nil || user == "" {
		return fmt.Errorf("xmppserver: invalid account %q@%q: %v", user, host, err)
	}
	if !slices.Contains(s.Hosts, host) {
		return fmt.Errorf("xmppserver: %q is not one of the hosts %v", host, s.Hosts)
	}
	if err := s.backend.register(ctx, s, user, host, password); err != nil {
		return fmt.Errorf("xmppserver: registering %s@%s on %s: %w", user, host, s.Kind, err)
	}
	return nil
}

// Ctl runs the server's admin CLI against this server (prosodyctl with this
// config; ejabberdctl's commands, e.g. "get_roster", "kick_user",
// "registered_users", against this node) and returns its output. The
// ejabberd node must be running; prosodyctl works on the data directly.
func (s *Server) Ctl(ctx context.Context, args ...string) (string, error) {
	out, err := s.backend.ctl(ctx, s, args...)
	if err != nil {
		return out, fmt.Errorf("xmppserver: %s ctl %q: %w: %s", s.Kind, args[0], err, out)
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}
