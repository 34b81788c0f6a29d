package userops

import (
	"context"

	"xmpprest/component/fault"
)

// maxStanzaBytes caps a raw stanza.
const maxStanzaBytes = 256 << 10

// SendStanza sends one stanza given as XML (message, presence or iq) on the
// caller's session, from the caller whatever its from says. An iq get or
// set waits for its reply, which is returned as XML.
func (s *Service) SendStanza(ctx context.Context, c Caller, raw []byte) ([]byte, error) {
	sess, err := c.self()
	if err != nil {
		return nil, err
	}
	if len(raw) > maxStanzaBytes {
		return nil, fault.New(fault.TooLarge, "the stanza has %d bytes; the limit is %d", len(raw), maxStanzaBytes)
	}
	return sess.SendRaw(ctx, raw)
}
