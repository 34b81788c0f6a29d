package sparkweb

import "net/http"

// previewEntity is a page's preview.
type previewEntity struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Image       string `json:"image"`
	SiteName    string `json:"siteName,omitempty"`
}

// preview answers a page's preview; the URL is the last path parameter
// (percent-encoded) or, for clients that cannot encode it, ?url=.
func (a *api) preview(w http.ResponseWriter, r *http.Request) error {
	quality, err := pathVar(r, "quality")
	if err != nil {
		return err
	}
	link, err := pathVar(r, "url")
	if err != nil {
		return err
	}
	if q := r.URL.Query().Get("url"); q != "" {
		link = q
	}
	p, err := a.svc.LinkPreview(r.Context(), caller(r), quality, link)
	if err != nil {
		return err
	}
	return write(w, previewEntity{URL: p.URL, Title: p.Title, Description: p.Description, Image: p.Image, SiteName: p.SiteName})
}

// meeting answers SparkWeb's OnlineMeetingEntity.
func (a *api) meeting(w http.ResponseWriter, r *http.Request) error {
	service, err := pathVar(r, "service")
	if err != nil {
		return err
	}
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	u, err := a.svc.MeetingURL(r.Context(), caller(r), service, id)
	if err != nil {
		return err
	}
	return write(w, struct {
		URL string `json:"url"`
	}{URL: u})
}
