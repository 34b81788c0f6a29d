package c2stest

import (
	"bytes"
	"encoding/xml"
	"io"
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

// readRaw re-encodes start and the rest of the element read from r as XML.
// A namespace is declared only where it differs from the parent's, and the
// decoder's own xmlns attributes are dropped (encoding/xml writes its own),
// so the result reads like what the server sent.
func readRaw(start xml.StartElement, r xml.TokenReader) ([]byte, error) {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	// stack holds, per open element, its namespace and the name it was
	// written with (to write the matching end tag).
	type open struct {
		space string
		name  xml.Name
	}
	var stack []open
	parentSpace := ""
	encode := func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			space := t.Name.Space
			if space == parentSpace {
				t.Name.Space = ""
			}
			attrs := t.Attr[:0:0]
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				attrs = append(attrs, a)
			}
			t.Attr = attrs
			stack = append(stack, open{space: space, name: t.Name})
			parentSpace = space
			return e.EncodeToken(t)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			parentSpace = ""
			if len(stack) > 0 {
				parentSpace = stack[len(stack)-1].space
			}
			return e.EncodeToken(xml.EndElement{Name: top.name})
		case xml.CharData, xml.Comment:
			return e.EncodeToken(t)
		}
		return nil // ProcInst, Directive: not in stanzas
	}
	if err := encode(start); err != nil {
		return nil, err
	}
	for len(stack) > 0 {
		tok, err := r.Token()
		if tok != nil {
			if err := encode(tok); err != nil {
				return nil, err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if err := e.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
