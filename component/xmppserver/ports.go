package xmppserver

import (
	"context"
	"errors"
	"fmt"
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

// waitReady polls until every address accepts a TCP connection. It fails
// early when exited is closed (the server died).
func waitReady(ctx context.Context, addrs []string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	pending := append([]string(nil), addrs...)
	for {
		var still []string
		for _, a := range pending {
			if !accepts(ctx, a) {
				still = append(still, a)
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
			return fmt.Errorf("%w: still not listening on %v", ctx.Err(), pending)
		case <-tick.C:
		}
	}
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
