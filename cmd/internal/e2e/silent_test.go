package e2e

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// muteProxy forwards TCP connections to a server and can fall silent: while
// muted it forwards nothing (in either direction) but keeps every
// connection open, as a hung server or a black-holed network would.
type muteProxy struct {
	ln     net.Listener
	target string
	muted  atomic.Bool

	mu    sync.Mutex
	conns []net.Conn
}

func startMuteProxy(t *testing.T, target string) *muteProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &muteProxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.dropAll()
	})
	return p
}

func (p *muteProxy) serve(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	go p.pipe(s, c)
	p.pipe(c, s)
}

// pipe copies from src to dst, swallowing the bytes while muted.
func (p *muteProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.muted.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// dropAll closes every connection made so far.
func (p *muteProxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// A server that falls silent: calls fail with 504 within the IQ timeout
// (a change says it may have been applied), the keepalive notices and the
// link is recycled, and the service recovers once the server answers
// again.
func TestSilentServer(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := xmppserver.StartT(t, kind, xmppserver.Options{})
		proxy := startMuteProxy(t, s.ComponentAddr)
		cfg := configFor(t, s)
		cfg.XMPP.Address = proxy.ln.Addr().String()
		cfg.XMPP.Timeout.Duration = 2 * time.Second
		cfg.XMPP.KeepAlive.Duration = time.Second
		e := attachConfig(t, s, cfg)
		c := loadClient{base: e.URL + "/plugins/restapi/v1", client: &http.Client{Timeout: 30 * time.Second}}

		if o := c.call(http.MethodPost, "/users", `{"username":"before","password":"pw"}`); o.status != http.StatusCreated {
			t.Fatalf("create before the silence: %d %v", o.status, o.err)
		}
		proxy.muted.Store(true)
		start := time.Now()
		o := c.call(http.MethodPost, "/users", `{"username":"during","password":"pw"}`)
		took := time.Since(start)
		if o.status != http.StatusGatewayTimeout || !o.maybe {
			t.Fatalf("create while the server is silent: %d (maybe applied %v), want 504 that says it may have been applied", o.status, o.maybe)
		}
		if took > cfg.XMPP.Timeout.Duration+3*time.Second {
			t.Errorf("the silent create took %s, more than the IQ timeout %s", took, cfg.XMPP.Timeout.Duration)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := e.D.Link.WaitDown(ctx); err != nil {
			t.Fatal("the keepalive did not recycle the link to the silent server:", err)
		}
		if o := c.call(http.MethodGet, "/users/before", ""); o.status != http.StatusServiceUnavailable || !o.retryAfter {
			t.Errorf("read while reconnecting: %d (Retry-After %v), want 503 with Retry-After", o.status, o.retryAfter)
		}
		proxy.muted.Store(false)
		proxy.dropAll() // the muted streams are broken for good
		ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel2()
		if err := e.D.Link.WaitUp(ctx2); err != nil {
			t.Fatal("xmpprest did not recover when the server answered again:", err)
		}
		if o := c.call(http.MethodPost, "/users", `{"username":"after","password":"pw"}`); o.status != http.StatusCreated {
			t.Fatalf("create after the silence: %d", o.status)
		}
		if err := e.canLogIn(e.user("after"), "pw"); err != nil {
			t.Fatalf("the account made after the recovery cannot log in: %v", err)
		}
	})
}
