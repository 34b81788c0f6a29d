package c2s

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

func TestProbeStartTLS(t *testing.T) {
	const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='x' version='1.0'>`
	for _, tc := range []struct {
		name, features string
		offered, fails bool
	}{
		{"offered", `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`, true, false},
		{"absent", `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms><starttls/></stream:features>`, false, false},
		{"stream error", `<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			go func() {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				b := make([]byte, 512)
				c.Read(b) // the client's stream header
				fmt.Fprint(c, header+tc.features)
				c.Read(b) // </stream:stream> or EOF
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			offered, err := probeStartTLS(ctx, l.Addr().String(), jid.MustParse("example.org"))
			if (err != nil) != tc.fails || offered != tc.offered {
				t.Errorf("got %v, %v", offered, err)
			}
		})
	}
}
