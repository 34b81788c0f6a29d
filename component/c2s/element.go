package c2s

import (
	"bytes"
	"encoding/xml"
	"io"
)

// ReadElement re-encodes start and the rest of the element read from r as
// XML.
// A namespace is declared only where it differs from the parent's, and the
// decoder's own xmlns attributes are dropped (encoding/xml writes its own),
// so the result reads like what the server sent.
func ReadElement(start xml.StartElement, r xml.TokenReader) ([]byte, error) {
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
