package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"mellium.im/xmpp"
	xcomponent "mellium.im/xmpp/component"
	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component/xmppserver"
)

// bareTarget is a bare mellium component session that sends hand-built
// stanzas and only checks the reply's type and status: no discovery, no form
// learning, no typed decoding. It shows what component.Link and adhoc.Client
// cost on top of the protocol itself.
type bareTarget struct {
	srv    *xmppserver.Server
	domain jid.JID
	host   string
	s      *xmpp.Session
	served chan error
	pool   *pool
}

func newBareTarget(srv *xmppserver.Server) *bareTarget {
	return &bareTarget{srv: srv, domain: jid.MustParse(srv.ComponentJID), host: srv.Hosts[0], pool: newPool("b")}
}

func (t *bareTarget) Mode() string { return modeBare }
func (t *bareTarget) Pool() *pool  { return t.pool }

func (t *bareTarget) Attach(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.srv.ComponentAddr)
	if err != nil {
		return err
	}
	s, err := xcomponent.NewSession(ctx, t.domain, []byte(t.srv.Secret), nc)
	if err != nil {
		nc.Close()
		return fmt.Errorf("component handshake: %w", err)
	}
	t.s, t.served = s, make(chan error, 1)
	go func() { t.served <- s.Serve(nil) }()
	return nil
}

func (t *bareTarget) Detach() error {
	if t.s == nil {
		return nil
	}
	s := t.s
	t.s = nil
	// Not SetCloseDeadline: it writes fields Serve reads without a lock
	// (mellium v0.23.0; the race detector reports it).
	err := s.Close()
	select {
	case <-t.served:
	case <-time.After(3 * time.Second):
		s.Conn().Close()
		<-t.served
	}
	return err
}

func (t *bareTarget) Close() error { return t.Detach() }

func (t *bareTarget) Op(_ context.Context, name string) (opFunc, string) {
	switch name {
	case opPing:
		return func(ctx context.Context, seq int64) error {
			return t.roundTrip(ctx, fmt.Sprintf(`<iq type='get' id='b%d' from='%s' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>`,
				seq, t.domain, t.host))
		}, ""
	case opAddUser:
		return func(ctx context.Context, seq int64) error {
			u := t.pool.name(seq)
			j := u + "@" + t.host
			pw := "pw-" + u
			err := t.roundTrip(ctx, fmt.Sprintf(`<iq type='set' id='b%d' from='%s' to='%s'>`+
				`<command xmlns='%s' node='%s' action='complete'><x xmlns='jabber:x:data' type='submit'>`+
				`<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/admin</value></field>`+
				`<field var='accountjid'><value>%s</value></field>`+
				`<field var='password'><value>%s</value></field>`+
				`<field var='password-verify'><value>%s</value></field>`+
				`</x></command></iq>`,
				seq, t.domain, t.host, adhoc.NSCommands, adhoc.NodeAddUser, j, pw, pw))
			if err == nil {
				t.pool.add(u)
			}
			return err
		}, ""
	}
	return nil, "measured on the raw link only"
}

// roundTrip sends a hand-built IQ and checks that the reply is a result
// whose command (if any) completed without an error note.
func (t *bareTarget) roundTrip(ctx context.Context, iq string) error {
	resp, err := t.s.SendIQ(ctx, xml.NewDecoder(bytes.NewReader([]byte(iq))))
	if err != nil {
		return err
	}
	defer resp.Close()
	d := xml.NewTokenDecoder(resp)
	inNote := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil // end of the reply
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch tok.Name.Local {
			case "iq":
				if typ := attr(tok, "type"); typ != "result" {
					return fmt.Errorf("the server answered an IQ of type %q", typ)
				}
			case "command":
				if st := attr(tok, "status"); st != "completed" {
					return fmt.Errorf("command status %q", st)
				}
			case "note":
				inNote = attr(tok, "type") == "error"
			}
		case xml.CharData:
			if inNote {
				return errors.New("command failed: " + strconv.Quote(string(tok)))
			}
		}
	}
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
