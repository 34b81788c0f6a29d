package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xmpprest/cmd/internal/config"
)

const testSecret = "limits-test-secret"

// startDetached starts xmpprest with no XMPP server to attach to (the link
// keeps retrying in the background): everything on the HTTP side that does
// not need the server can be tested, quickly and without one.
func startDetached(t *testing.T, edit func(*config.Config)) *Daemon {
	t.Helper()
	cfg := config.Default()
	cfg.XMPP.Address = unusedAddress(t)
	cfg.XMPP.JID = "rest.example.org"
	cfg.XMPP.Secret = "component-secret"
	cfg.XMPP.Hosts = []string{"example.org"}
	cfg.XMPP.Timeout.Duration = time.Second
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.Path = filepath.Join(t.TempDir(), "xmpprest.db")
	cfg.Auth.Secret = testSecret
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	})
	return d
}

// unusedAddress is a loopback address nothing listens on.
func unusedAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// dialFrom opens a TCP connection to addr from the loopback address local
// (127.0.0.x), so one test can be several clients.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, local, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin waits until the server closes c (a read returns EOF or a
// reset), at most within; it returns how long that took and what was read.
func closedWithin(t *testing.T, c net.Conn, within time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(within))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for more than %s (read %q)", within, b)
	}
	return time.Since(start), string(b)
}

// get makes one request on a fresh connection from local and returns the
// status.
func get(t *testing.T, local, addr, path string) int {
	t.Helper()
	c := dialFrom(t, local, addr)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", path, local, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A body sent one byte at a time, with or without credentials, does not
// hold a connection past limits.read_timeout; without credentials the
// legacy user service answers before reading any body.
func TestSlowBodiesAreCut(t *testing.T) {
	d := startDetached(t, func(c *config.Config) { c.Limits.ReadTimeout.Duration = time.Second })

	// No credentials: refused at once, the body never waited for.
	c := dialFrom(t, "127.0.0.1", d.Addr())
	fmt.Fprintf(c, "POST /plugins/restapi/userservice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nty")
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("the user service waited for the body of a caller without credentials: %v", err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
	if !strings.Contains(string(b), "RequestNotAuthorised") {
		t.Fatalf("user service without credentials: %d %s", resp.StatusCode, b)
	}

	// With credentials: the body is read, and cut at the read timeout.
	for _, path := range []string{"/plugins/restapi/v1/groups", "/plugins/restapi/userservice?secret=" + testSecret} {
		c = dialFrom(t, "127.0.0.1", d.Addr())
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", path, testSecret)
		stop := make(chan struct{})
		go func(c net.Conn) { // one byte every 200 ms until cut
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}(c)
		took, _ := closedWithin(t, c, 10*time.Second)
		close(stop)
		if took > 5*time.Second {
			t.Errorf("%s: slow body held the connection %s with read_timeout 1s", path, took)
		}
	}
	if got := get(t, "127.0.0.1", d.Addr(), "/healthz"); got != http.StatusOK {
		t.Fatalf("after the slow bodies /healthz answered %d", got)
	}
}

// An idle keep-alive connection is closed after limits.idle_timeout.
func TestIdleConnectionsAreClosed(t *testing.T) {
	d := startDetached(t, func(c *config.Config) { c.Limits.IdleTimeout.Duration = 500 * time.Millisecond })
	c := dialFrom(t, "127.0.0.1", d.Addr())
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	start := time.Now()
	c.SetReadDeadline(start.Add(5 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the server sent something on an idle connection")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("an idle keep-alive connection was kept for more than 5s with idle_timeout 500ms")
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("idle connection closed after %s, before idle_timeout", took)
	}
}

// Connections from one address beyond limits.max_connections_per_address
// are refused with a 503 while another address is still served; beyond
// limits.max_connections everyone is refused until a slot frees.
func TestConnectionCaps(t *testing.T) {
	d := startDetached(t, func(c *config.Config) {
		c.Limits.MaxConnections = 6
		c.Limits.MaxConnectionsPerAddress = 4
	})
	var held []net.Conn
	for i := 0; i < 4; i++ {
		held = append(held, dialFrom(t, "127.0.0.1", d.Addr()))
	}
	waitOpen(t, d, 4)
	over := dialFrom(t, "127.0.0.1", d.Addr())
	_, answer := closedWithin(t, over, 5*time.Second)
	if !strings.HasPrefix(answer, "HTTP/1.1 503") || !strings.Contains(answer, "Retry-After:") {
		t.Fatalf("fifth connection from one address: got %q, want a 503 with Retry-After", answer)
	}
	if got := get(t, "127.0.0.2", d.Addr(), "/healthz"); got != http.StatusOK {
		t.Fatalf("another address while the first is at its cap: %d", got)
	}
	waitOpen(t, d, 4) // the other address's connection is gone again
	held = append(held, dialFrom(t, "127.0.0.3", d.Addr()), dialFrom(t, "127.0.0.3", d.Addr()))
	waitOpen(t, d, 6)
	if _, answer := closedWithin(t, dialFrom(t, "127.0.0.4", d.Addr()), 5*time.Second); !strings.HasPrefix(answer, "HTTP/1.1 503") {
		t.Fatalf("a connection over the total cap: got %q, want a 503", answer)
	}
	held[0].Close()
	waitOpen(t, d, 5)
	if got := get(t, "127.0.0.4", d.Addr(), "/healthz"); got != http.StatusOK {
		t.Fatalf("after a slot freed: %d", got)
	}
	if d.Conns.Refused.Load() != 2 {
		t.Errorf("refused %d connections, want 2", d.Conns.Refused.Load())
	}
}

// waitOpen waits until the listener holds n connections.
func waitOpen(t *testing.T, d *Daemon, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for d.Conns.Open() != n {
		if time.Now().After(deadline) {
			t.Fatalf("open connections = %d, want %d", d.Conns.Open(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
