package usersession

import (
	"context"
	"encoding/xml"
	"strconv"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// NSUpload is the namespace of XEP-0363 HTTP file upload.
const NSUpload = "urn:xmpp:http:upload:0"

// UploadService is a XEP-0363 service the user's server offers.
type UploadService struct {
	JID jid.JID
	// MaxSize is the largest file accepted, in bytes; 0 when not said.
	MaxSize int64
}

// FindService looks for a service among the items of the user's server
// (disco#items, then disco#info of each) for which match is true. ok is
// false when there is none.
func (s *Session) FindService(ctx context.Context, match func(DiscoInfo) bool) (svc jid.JID, info DiscoInfo, ok bool, err error) {
	host, err := jid.New("", s.user.Domainpart(), "")
	if err != nil {
		return svc, info, false, err
	}
	items, err := s.DiscoItems(ctx, host, "")
	if err != nil {
		return svc, info, false, err
	}
	for _, it := range items {
		j, err := jid.Parse(it.JID)
		if err != nil || it.Node != "" {
			continue
		}
		info, err := s.DiscoInfo(ctx, j, "")
		if err == nil && match(info) {
			return j, info, true, nil
		}
	}
	return svc, info, false, nil
}

// FindUploadService looks for the server's XEP-0363 service; ok is false
// when there is none.
func (s *Session) FindUploadService(ctx context.Context) (svc UploadService, ok bool, err error) {
	j, info, ok, err := s.FindService(ctx, func(d DiscoInfo) bool { return d.Has(NSUpload) })
	if !ok || err != nil {
		return svc, ok, err
	}
	svc = UploadService{JID: j}
	if f := info.Form(NSUpload); f != nil {
		svc.MaxSize, _ = strconv.ParseInt(f.Value("max-file-size"), 10, 64)
	}
	return svc, true, nil
}

type uploadRequest struct {
	XMLName     xml.Name `xml:"urn:xmpp:http:upload:0 request"`
	Filename    string   `xml:"filename,attr"`
	Size        int64    `xml:"size,attr"`
	ContentType string   `xml:"content-type,attr,omitempty"`
}

// UploadSlot is where to PUT a file and where it is then fetched.
type UploadSlot struct {
	PutURL, GetURL string
	// Headers must be sent with the PUT.
	Headers map[string]string
}

// RequestUploadSlot asks an upload service for a slot.
func (s *Session) RequestUploadSlot(ctx context.Context, service jid.JID, filename string, size int64, contentType string) (UploadSlot, error) {
	var res struct {
		Put struct {
			URL     string `xml:"url,attr"`
			Headers []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:",chardata"`
			} `xml:"header"`
		} `xml:"put"`
		Get struct {
			URL string `xml:"url,attr"`
		} `xml:"get"`
	}
	req := uploadRequest{Filename: filename, Size: size, ContentType: contentType}
	if err := s.iq(ctx, stanza.IQ{ID: newID(), Type: stanza.GetIQ, To: service}, encode(req), &res); err != nil {
		return UploadSlot{}, err
	}
	slot := UploadSlot{PutURL: res.Put.URL, GetURL: res.Get.URL, Headers: map[string]string{}}
	for _, h := range res.Put.Headers {
		// XEP-0363 allows only these headers through.
		switch h.Name {
		case "Authorization", "Cookie", "Expires":
			slot.Headers[h.Name] = h.Value
		}
	}
	return slot, nil
}
