package c2stest

import (
	"encoding/xml"

	"xmpprest/component/c2s"
)

// Message is a <message/> received by a Client.
//
// From is empty when the server sent the stanza from the user's own bare
// JID (mellium normalizes that case).
type Message struct {
	ID, From, To, Type string
	Body, Subject      string
	// Raw is the whole stanza as XML.
	Raw string
}

// Presence is a <presence/> received by a Client.
type Presence struct {
	ID, From, To, Type string
	Show, Status       string
	// Raw is the whole stanza as XML.
	Raw string
}

// RosterItem is an entry of a user's roster (RFC 6121).
type RosterItem struct {
	JID          string
	Name         string
	Subscription string // none, to, from, both (or remove in pushes)
	Groups       []string
}

func parseMessage(raw []byte) (Message, error) {
	var v struct {
		ID      string   `xml:"id,attr"`
		From    string   `xml:"from,attr"`
		To      string   `xml:"to,attr"`
		Type    string   `xml:"type,attr"`
		Body    []string `xml:"body"`
		Subject []string `xml:"subject"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil {
		return Message{}, err
	}
	return Message{
		ID: v.ID, From: v.From, To: v.To, Type: v.Type,
		Body: first(v.Body), Subject: first(v.Subject), Raw: string(raw),
	}, nil
}

func parsePresence(raw []byte) (Presence, error) {
	var v struct {
		ID     string   `xml:"id,attr"`
		From   string   `xml:"from,attr"`
		To     string   `xml:"to,attr"`
		Type   string   `xml:"type,attr"`
		Show   string   `xml:"show"`
		Status []string `xml:"status"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil {
		return Presence{}, err
	}
	return Presence{
		ID: v.ID, From: v.From, To: v.To, Type: v.Type,
		Show: v.Show, Status: first(v.Status), Raw: string(raw),
	}, nil
}

// first returns the first of possibly several localized texts.
func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// readRaw re-encodes start and the rest of its element as XML (see
// c2s.ReadElement).
func readRaw(start xml.StartElement, r xml.TokenReader) ([]byte, error) {
	return c2s.ReadElement(start, r)
}
