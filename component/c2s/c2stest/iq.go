package c2stest

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
)

// IQ sends one IQ request given as XML (e.g. `<iq type='get'
// to='rest.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
// and returns the whole reply as XML, be it a result or an error.
func (c *Client) IQ(ctx context.Context, rawXML string) (string, error) {
	resp, err := c.sess.SendIQ(ctx, xml.NewDecoder(strings.NewReader(rawXML)))
	if err != nil {
		return "", fmt.Errorf("c2s: iq: %w", err)
	}
	defer resp.Close()
	tok, err := resp.Token()
	if err != nil {
		return "", fmt.Errorf("c2s: iq reply: %w", err)
	}
	start, ok := tok.(xml.StartElement)
	if !ok {
		return "", fmt.Errorf("c2s: iq reply: unexpected %T", tok)
	}
	raw, err := readRaw(start, resp)
	if err != nil {
		return "", fmt.Errorf("c2s: iq reply: %w", err)
	}
	return string(raw), nil
}
