package component

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component/fault"
)

// fakeServer is the smallest XEP-0114 server: it accepts the handshake,
// answers every IQ get with an empty result and hands every IQ set to
// onSet, which decides what happens to the connection.
type fakeServer struct {
	ln    net.Listener
	onSet func(c net.Conn, id string)
	mu    sync.Mutex
	conns []net.Conn
}

func startFakeServer(t *testing.T, onSet func(c net.Conn, id string)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{ln: ln, onSet: onSet}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			go f.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.Close()
		}
	})
	return f
}

func (f *fakeServer) serve(c net.Conn) {
	defer c.Close()
	d := xml.NewDecoder(c)
	var wmu sync.Mutex
	write := func(s string) {
		wmu.Lock()
		defer wmu.Unlock()
		io.WriteString(c, s)
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "stream":
			write(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='rest.example.org' id='s1'>`)
		case "handshake":
			d.Skip()
			write(`<handshake/>`)
		case "iq":
			var id, typ, from, to string
			for _, a := range start.Attr {
				switch a.Name.Local {
				case "id":
					id = a.Value
				case "type":
					typ = a.Value
				case "from":
					from = a.Value
				case "to":
					to = a.Value
				}
			}
			d.Skip()
			if typ == "set" && f.onSet != nil {
				f.onSet(c, id)
				continue
			}
			write(fmt.Sprintf(`<iq type='result' id='%s' from='%s' to='%s'/>`, id, to, from))
		default:
			d.Skip()
		}
	}
}

func startLink(t *testing.T, addr string) *Link {
	t.Helper()
	l := New(Config{
		Address: addr, Domain: jid.MustParse("rest.example.org"), Secret: "s",
		Hosts: []jid.JID{jid.MustParse("example.org")}, MUCService: jid.MustParse("conference.example.org"),
		Timeout: 2 * time.Second, ReconnectMin: 200 * time.Millisecond, ReconnectMax: 3 * time.Second,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if err := l.WaitUp(ctx); err != nil {
		t.Fatal("the link did not come up:", err)
	}
	return l
}

// A change whose stanza was written before the link broke is reported as
// "may have been applied" (504), not as "not connected" (503), which would
// tell the caller that nothing was done.
func TestChangeInFlightWhenLinkBreaksIsOutcomeUnknown(t *testing.T) {
	f := startFakeServer(t, func(c net.Conn, _ string) { c.Close() })
	l := startLink(t, f.ln.Addr().String())

	err := l.Set(context.Background(), jid.MustParse("example.org"), []byte(`<x xmlns='urn:test'/>`), nil)
	if !fault.Is(err, fault.Timeout) || !fault.MaybeApplied(err) {
		t.Fatalf("IQ set on a link that broke after the write: got %v (kind %v), want Timeout that may have been applied", err, fault.KindOf(err))
	}
	if errors.Is(err, ErrNotConnected) {
		t.Fatal("a change that may have been applied was reported as not connected")
	}
}

// A change the server never answers is a timeout that may have been
// applied.
func TestChangeUnansweredIsOutcomeUnknown(t *testing.T) {
	f := startFakeServer(t, func(net.Conn, string) {})
	l := startLink(t, f.ln.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := l.Do(ctx, IQ{Type: stanza.SetIQ, To: jid.MustParse("example.org"), Payload: []byte(`<x xmlns='urn:test'/>`)}, nil)
	if !fault.Is(err, fault.Timeout) || !fault.MaybeApplied(err) {
		t.Fatalf("unanswered IQ set: got %v, want Timeout that may have been applied", err)
	}
}

// A call made while the link is down was never sent: 503 (Unavailable),
// not maybe applied, with a hint of when to come back.
func TestCallWhileDownIsNeverSent(t *testing.T) {
	f := startFakeServer(t, nil)
	l := startLink(t, f.ln.Addr().String())
	f.ln.Close()
	f.mu.Lock()
	for _, c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.WaitDown(ctx); err != nil {
		t.Fatal("the link did not notice the server going away:", err)
	}
	err := l.Set(ctx, jid.MustParse("example.org"), []byte(`<x xmlns='urn:test'/>`), nil)
	if !errors.Is(err, ErrNotConnected) || fault.MaybeApplied(err) {
		t.Fatalf("IQ set while down: got %v, want ErrNotConnected and not maybe applied", err)
	}
	if ra := fault.RetryAfterOf(err); ra < time.Second || ra > 10*time.Second {
		t.Fatalf("Retry-After of a call while down = %v, want between 1s and the backoff plus an attempt", ra)
	}
	if err := l.Send(ctx, Stanza{Name: "message", To: jid.MustParse("a@example.org")}); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("message while down: got %v, want ErrNotConnected", err)
	}
}

// A read interrupted by a broken link changed nothing: it stays 503, safe
// to retry.
func TestReadInFlightWhenLinkBreaksIsUnavailable(t *testing.T) {
	f := startFakeServer(t, nil)
	l := startLink(t, f.ln.Addr().String())
	errc := make(chan error, 1)
	go func() {
		errc <- l.Get(context.Background(), jid.MustParse("silent.example.org"), []byte(`<x xmlns='urn:test'/>`), nil)
	}()
	// The fake answers gets at once, so break the link from our side while
	// the get may or may not be in flight: either it succeeded, or it is a
	// retryable 503, never "may have been applied".
	l.current().s.Conn().Close()
	err := <-errc
	if err != nil && (fault.MaybeApplied(err) || !fault.Is(err, fault.Unavailable)) {
		t.Fatalf("IQ get on a broken link: got %v, want success or Unavailable", err)
	}
}
