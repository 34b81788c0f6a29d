package c2s

import (
	"context"
	"encoding/xml"
	"net"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// Open logs user in with password and binds resource (or one chosen by the
// server when empty), like Login, but hands over the bare mellium session
// and its connection to a caller that serves them itself (the long-lived
// sessions of signed-in users). Errors are as for CheckPassword.
func Open(ctx context.Context, opts Options, user jid.JID, password, resource string) (*xmpp.Session, net.Conn, error) {
	return login(ctx, opts, user, password, resource)
}

// ReadElement re-encodes start and the rest of its element read from r as
// XML, declaring namespaces only where they change, as a server would.
func ReadElement(start xml.StartElement, r xml.TokenReader) ([]byte, error) {
	return readRaw(start, r)
}
