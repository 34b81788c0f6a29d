package xmppserver_test

import (
	"context"
	"encoding/xml"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/component"
	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/component/xmppserver"
)

var kinds = []xmppserver.Kind{xmppserver.Prosody, xmppserver.Ejabberd}

func TestServers(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			s := xmppserver.StartT(t, kind, xmppserver.Options{})
			t.Logf("%s pid %d: c2s %s, component %s, dir %s", kind, s.PID(), s.C2SAddr, s.ComponentAddr, s.Dir)
			host := s.Hosts[0]
			opts := c2s.Options{Addr: s.C2SAddr, TLS: c2s.TLSNone}

			perms, err := componentPrivileges(ctx, s, s.Secret)
			if err != nil {
				t.Fatalf("handshake with the right secret: %v", err)
			}
			if perms["roster"] != "both" || perms["message"] != "outgoing" {
				t.Errorf("component privileges: %v", perms)
			}
			if _, err := componentPrivileges(ctx, s, "wrong"); err == nil {
				t.Fatal("handshake with a wrong secret succeeded")
			}

			err = c2s.CheckPassword(ctx, opts, jid.MustParse("nobody@"+host), "x")
			if !errors.Is(err, c2s.ErrNotAuthorized) {
				t.Fatalf("login of a non-existent user: got %v, want not-authorized", err)
			}
			if err := s.RegisterUser(ctx, "alice", host, "alice pw"); err != nil {
				t.Fatal(err)
			}
			if err := s.RegisterUser(ctx, "alice", host, "other"); err == nil {
				t.Error("registering an existing account succeeded")
			}
			if err := s.RegisterUser(ctx, "bob", "elsewhere.org", "pw"); err == nil {
				t.Error("registering on an unknown host succeeded")
			}

			c2sAddr, compAddr, pid := s.C2SAddr, s.ComponentAddr, s.PID()
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			if s.PID() != 0 {
				t.Error("PID after Stop is not 0")
			}
			for _, a := range []string{c2sAddr, compAddr} {
				if c, err := net.Dial("tcp", a); err == nil {
					c.Close()
					t.Errorf("%s still accepts connections after Stop", a)
				}
			}
			if err := s.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			if s.C2SAddr != c2sAddr || s.ComponentAddr != compAddr {
				t.Errorf("addresses changed on Restart")
			}
			if s.PID() == pid || s.PID() == 0 {
				t.Errorf("PID after Restart: %d (before: %d)", s.PID(), pid)
			}
			if _, err := componentPrivileges(ctx, s, s.Secret); err != nil {
				t.Fatalf("handshake after Restart: %v", err)
			}
			// The data survived.
			if err := c2s.CheckPassword(ctx, opts, jid.MustParse("alice@"+host), "alice pw"); err != nil {
				t.Errorf("login after Restart: %v", err)
			}
		})
	}
}

// TestSeveral runs two servers of the same kind at once, with two hosts and
// the HTTP API.
func TestSeveral(t *testing.T) {
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			opts := xmppserver.Options{Hosts: []string{"a.test", "b.test"}, ComponentJID: "api.a.test", Secret: "s3cret", HTTPAPI: true}
			s1 := xmppserver.StartT(t, kind, opts)
			s2 := xmppserver.StartT(t, kind, opts)
			if s1.C2SAddr == s2.C2SAddr || s1.ComponentAddr == s2.ComponentAddr || s1.Dir == s2.Dir {
				t.Fatal("two servers share ports or directories")
			}
			if s1.MUCService != "conference.a.test" || s1.Secret != "s3cret" {
				t.Errorf("MUCService %q, Secret %q", s1.MUCService, s1.Secret)
			}
			if (kind == xmppserver.Ejabberd) != (s1.HTTPAPIAddr != "") {
				t.Errorf("HTTPAPIAddr %q", s1.HTTPAPIAddr)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			for _, s := range []*xmppserver.Server{s1, s2} {
				if _, err := componentPrivileges(ctx, s, "s3cret"); err != nil {
					t.Error(err)
				}
				if err := s.RegisterUser(ctx, "carol", "b.test", "pw"); err != nil {
					t.Error(err)
				}
			}
			// The first server still works once the second is gone.
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
			err := c2s.CheckPassword(ctx, c2s.Options{Addr: s1.C2SAddr, TLS: c2s.TLSNone}, jid.MustParse("carol@b.test"), "pw")
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// componentPrivileges connects as the component (XEP-0114 handshake) and
// returns the XEP-0356 permissions the server advertises to it on connection
// (access -> type).
func componentPrivileges(ctx context.Context, s *xmppserver.Server, secret string) (map[string]string, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.ComponentAddr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	sess, err := component.NewSession(ctx, jid.MustParse(s.ComponentJID), []byte(secret), conn)
	if err != nil {
		return nil, err
	}
	got := make(chan map[string]string, 1)
	go sess.Serve(xmpp.HandlerFunc(func(t xmlstream.TokenReadEncoder, start *xml.StartElement) error {
		var msg struct {
			Privilege struct {
				XMLName xml.Name
				Perms   []struct {
					Access string `xml:"access,attr"`
					Type   string `xml:"type,attr"`
				} `xml:"perm"`
			} `xml:"privilege"`
		}
		d := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), t))
		if start.Name.Local != "message" || d.Decode(&msg) != nil ||
			!strings.HasPrefix(msg.Privilege.XMLName.Space, "urn:xmpp:privilege:") {
			return nil
		}
		perms := map[string]string{}
		for _, p := range msg.Privilege.Perms {
			perms[p.Access] = p.Type
		}
		select {
		case got <- perms:
		default:
		}
		return nil
	}))
	defer sess.Close()
	select {
	case perms := <-got:
		return perms, nil
	case <-ctx.Done():
		return nil, errors.New("no privilege advertisement received")
	}
}

// A server given a directory keeps its accounts across a close and a new
// start in the same directory, and leaves the directory in place.
func TestKeptDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	parent := t.TempDir()
	// The server runs as its own user: it must be able to reach the folder.
	for _, d := range []string{filepath.Dir(parent), parent} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(parent, "server")
	first := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{Dir: dir})
	host := first.Hosts[0]
	if err := first.RegisterUser(ctx, "keeper", host, "keeper pw"); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := xmppserver.StartT(t, xmppserver.Prosody, xmppserver.Options{Dir: dir})
	if second.Dir != dir {
		t.Fatalf("Dir = %q, want %q", second.Dir, dir)
	}
	opts := c2s.Options{Addr: second.C2SAddr, TLS: c2s.TLSNone}
	if err := c2s.CheckPassword(ctx, opts, jid.MustParse("keeper@"+host), "keeper pw"); err != nil {
		t.Errorf("the account made before the restart cannot log in: %v", err)
	}
}
