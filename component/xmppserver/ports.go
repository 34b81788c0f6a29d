package xmppserver

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

const pollInterval = 50 * time.Millisecond

var (
	portsMu sync.Mutex
	// portsGiven remembers the ports handed out by this process so that two
	// servers started concurrently never get the same one.
	portsGiven = map[int]bool{}
)

// freePorts returns n distinct free loopback TCP ports. The servers bind the
// ports themselves, so there is a small window where another process could
// take one; the port is chosen by the kernel, which makes that unlikely.
func freePorts(n int) ([]int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100 {
			return nil, errors.New("xmppserver: cannot find free ports")
		}
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if portsGiven[port] {
			continue
		}
		portsGiven[port] = true
		ports = append(ports, port)
	}
	return ports, nil
}

// A readiness probe reports whether a listener is serving.
type probe struct {
	addr string
	ok   func(ctx context.Context, addr string) bool
}

// waitReady polls until every probe succeeds. It fails early when exited is
// closed (the server died).
func waitReady(ctx context.Context, probes []probe, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	pending := append([]probe(nil), probes...)
	for {
		var still []probe
		for _, p := range pending {
			if !p.ok(ctx, p.addr) {
				still = append(still, p)
			}
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-exited:
			return errors.New("the server process exited")
		case <-ctx.Done():
			var addrs []string
			for _, p := range pending {
				addrs = append(addrs, p.addr)
			}
			return fmt.Errorf("%w: still not serving on %v", ctx.Err(), addrs)
		case <-tick.C:
		}
	}
}

// streamProbe checks that an XMPP listener answers a stream header (in
// namespace ns, to the given domain) with its own, which carries an id.
//
// Accepting a TCP connection is not enough: ejabberd opens its listening
// sockets ~0.3 s before it serves them (connections made meanwhile wait in
// the backlog), and a loopback dial to a port of the ephemeral range that
// nobody listens on yet can connect to itself (TCP simultaneous open) and
// then echo our own header, which has no id.
func streamProbe(ns, to string) func(context.Context, string) bool {
	return func(ctx context.Context, addr string) bool {
		c, err := (&net.Dialer{Timeout: 500 * time.Millisecond}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		_, err = fmt.Fprintf(c, "<?xml version='1.0'?><stream:stream xmlns='%s' xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>", ns, to)
		if err != nil {
			return false
		}
		d := xml.NewDecoder(c)
		for {
			tok, err := d.Token()
			if err != nil {
				return false
			}
			if se, ok := tok.(xml.StartElement); ok {
				for _, a := range se.Attr {
					if a.Name.Local == "id" && a.Value != "" {
						return se.Name.Local == "stream"
					}
				}
				return false
			}
		}
	}
}

// httpProbe checks that an HTTP listener answers a request.
func httpProbe(ctx context.Context, addr string) bool {
	c, err := (&net.Dialer{Timeout: 500 * time.Millisecond}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprint(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return false
	}
	b := make([]byte, 5)
	_, err = io.ReadFull(c, b)
	return err == nil && string(b) == "HTTP/"
}

// waitClosed polls until no address accepts connections any more.
func waitClosed(addrs []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		open := ""
		for _, a := range addrs {
			if accepts(ctx, a) {
				open = a
				break
			}
		}
		if open == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("port %s still open after the server exited", open)
		case <-tick.C:
		}
	}
}

func accepts(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 500 * time.Millisecond}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
