package c2s

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"time"

	"mellium.im/xmpp/jid"
)

const (
	nsStream   = "http://etherx.jabber.org/streams"
	nsStartTLS = "urn:ietf:params:xml:ns:xmpp-tls"
)

// probeStartTLS opens a stream to addr, reads the stream features and
// reports whether STARTTLS is among them. It is needed for TLSStartTLS
// because mellium, when STARTTLS is one of the features to negotiate,
// attempts it even if the server does not advertise it.
func probeStartTLS(ctx context.Context, addr string, domain jid.JID) (bool, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, &stepError{step: "dial " + addr, err: err}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()

	var to bytes.Buffer
	xml.EscapeText(&to, []byte(domain.String()))
	_, err = fmt.Fprintf(conn, `<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' xmlns:stream='%s'>`, to.String(), nsStream)
	if err != nil {
		return false, &stepError{step: "STARTTLS probe", err: err}
	}
	offered, err := readStartTLSFeature(xml.NewDecoder(conn))
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return false, &stepError{step: "STARTTLS probe", err: err}
	}
	fmt.Fprint(conn, `</stream:stream>`)
	return offered, nil
}

// readStartTLSFeature reads up to the end of the first <stream:features/>.
func readStartTLSFeature(d *xml.Decoder) (bool, error) {
	depth, inFeatures, offered := 0, false, false
	for {
		tok, err := d.Token()
		if err != nil {
			return false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2 && t.Name.Space == nsStream && t.Name.Local == "features":
				inFeatures = true
			case depth == 2 && t.Name.Space == nsStream && t.Name.Local == "error":
				return false, errors.New("the server sent a stream error")
			case depth == 3 && inFeatures && t.Name.Space == nsStartTLS && t.Name.Local == "starttls":
				offered = true
			}
		case xml.EndElement:
			depth--
			if inFeatures && depth == 1 {
				return offered, nil
			}
		}
	}
}
