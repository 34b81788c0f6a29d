package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/xmppserver"
)

// TestSparkWebPreviewsAndMeetings: link previews of a page served on an
// allow-listed loopback address (through redirects, cached), refusals of
// private, loopback, link-local and metadata addresses (also reached by a
// redirect) and of too many redirects; meeting URLs from the configured
// templates.
func TestSparkWebPreviewsAndMeetings(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		var fetches atomic.Int32
		pages := http.NewServeMux()
		pages.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
			fetches.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html><head><title>Plain title</title>
				<meta property="og:title" content="Tea &amp; Cake">
				<meta name="description" content="All about tea.">
				<meta property="og:image" content="/img/tea.png">
				<meta property="og:site_name" content="Tea House">
				</head><body><meta property="og:title" content="not this"></body></html>`)
		})
		pages.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><head><title> Just a
				title </title></head></html>`)
		})
		pages.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) {
			var n int
			fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/hop/"), "%d", &n)
			if n == 0 {
				http.Redirect(w, r, "/page", http.StatusFound)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
		})
		pages.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		})
		pages.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{}`)
		})
		srv := httptest.NewServer(pages)
		defer srv.Close()

		e := startSparkWeb(t, kind, func(c *config.Config) {
			c.SparkWeb.PreviewAllow = []string{"127.0.0.1/32"}
			c.SparkWeb.Meetings = map[string]string{"jitsi": "https://meet.example.org/{id}", "galene": "https://galene.example.org/group/{id}/?username={user}"}
		})
		e.account("alice", "alice-pw")
		token := e.signIn("alice", "alice-pw")
		preview := func(link string) string { return "/preview/5/" + url.PathEscape(link) }

		type previewEntity struct{ URL, Title, Description, Image, SiteName string }
		var p previewEntity
		e.swJSON("GET", preview(srv.URL+"/page"), token, "", &p)
		if p.Title != "Tea & Cake" || p.Description != "All about tea." || p.Image != srv.URL+"/img/tea.png" || p.SiteName != "Tea House" {
			t.Fatalf("preview %+v", p)
		}
		// Cached: the page is not fetched again.
		e.swJSON("GET", preview(srv.URL+"/page"), token, "", &p)
		if n := fetches.Load(); n != 1 {
			t.Fatalf("the page was fetched %d times, want 1 (cached)", n)
		}
		e.swJSON("GET", preview(srv.URL+"/plain"), token, "", &p)
		if p.Title != "Just a title" || p.Image != "" {
			t.Fatalf("plain preview %+v", p)
		}
		// Three redirects are followed; a fourth is refused.
		e.swJSON("GET", preview(srv.URL+"/hop/2"), token, "", &p)
		if p.URL != srv.URL+"/page" || p.Title != "Tea & Cake" {
			t.Fatalf("preview through redirects %+v", p)
		}
		e.wantStatus(http.StatusForbidden, "GET", preview(srv.URL+"/hop/3"), token, "")
		// Internal addresses are refused, directly or through a redirect.
		_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
		for _, refused := range []string{
			"http://10.1.2.3/", "http://192.168.0.1/", "http://169.254.169.254/latest/meta-data/",
			"http://[::1]:" + port + "/page", "http://127.0.0.2:" + port + "/page", "http://0.0.0.0:" + port + "/page",
			"http://[fd00::1]/", "http://100.64.0.1/", srv.URL + "/to-metadata",
		} {
			if msg := e.wantStatus(http.StatusForbidden, "GET", preview(refused), token, ""); !strings.Contains(msg, "refused") {
				t.Errorf("%s: refusal %q does not say why", refused, msg)
			}
		}
		e.wantStatus(http.StatusBadRequest, "GET", preview("file:///etc/passwd"), token, "")
		e.wantStatus(http.StatusBadRequest, "GET", preview("http://user:pw@example.org/"), token, "")
		e.wantStatus(http.StatusBadRequest, "GET", preview(srv.URL+"/json"), token, "")
		e.wantStatus(http.StatusBadRequest, "GET", "/preview/0/"+url.PathEscape(srv.URL+"/page"), token, "")

		// Meetings.
		var m struct{ URL string }
		e.swJSON("GET", "/meet/jitsi/team%20sync", token, "", &m)
		if m.URL != "https://meet.example.org/team%20sync" {
			t.Fatalf("jitsi meeting %q", m.URL)
		}
		e.swJSON("GET", "/meet/galene/ops", token, "", &m)
		if m.URL != "https://galene.example.org/group/ops/?username=alice" {
			t.Fatalf("galene meeting %q", m.URL)
		}
		e.wantStatus(http.StatusNotFound, "GET", "/meet/zoom/x", token, "")
	})
}
