package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// mediaRange is one entry of an Accept header.
type mediaRange struct {
	typ string
	q   float64
}

func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		out = append(out, mediaRange{typ: mt, q: q})
	}
	return out
}

// ResponseFormat returns MediaJSON or MediaXML, whichever the Accept header
// prefers, and def when it prefers neither.
func ResponseFormat(r *http.Request, def string) string {
	best, bestQ := def, 0.0
	for _, m := range parseAccept(r.Header.Get("Accept")) {
		if m.q <= bestQ {
			continue
		}
		switch {
		case isJSONType(m.typ):
			best, bestQ = MediaJSON, m.q
		case isXMLType(m.typ):
			best, bestQ = MediaXML, m.q
		}
	}
	return best
}

// ErrorFormat chooses the format of an error body: the Accept type when it
// names exactly one concrete type, else the request's Content-Type when it
// is JSON or XML, else def.
func ErrorFormat(r *http.Request, def string) string {
	accepts := parseAccept(r.Header.Get("Accept"))
	if len(accepts) == 1 && !strings.Contains(accepts[0].typ, "*") {
		if isJSONType(accepts[0].typ) {
			return MediaJSON
		}
		if isXMLType(accepts[0].typ) {
			return MediaXML
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			if isJSONType(mt) {
				return MediaJSON
			}
			if isXMLType(mt) {
				return MediaXML
			}
		}
	}
	return def
}

// Encode returns v as format (MediaJSON or MediaXML, with the XML
// declaration).
func Encode(format string, v any) ([]byte, error) {
	if format == MediaJSON {
		return json.Marshal(v)
	}
	body, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header[:len(xml.Header)-1]), body...), nil
}

// Write answers v with status in format. An encoding failure is returned
// before anything is written.
func Write(w http.ResponseWriter, status int, format string, v any) error {
	body, err := Encode(format, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", format)
	w.WriteHeader(status)
	w.Write(body) // a client gone away is nothing to report
	return nil
}
