package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"xmpprest/cmd/internal/browser"
	"xmpprest/component/xmppserver"
)

// greenShare is the share of img's pixels close to the "connected" badge's
// green (#1a7f37).
func greenShare(img image.Image) float64 {
	b := img.Bounds()
	var green, all int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			all++
			if near(r>>8, 0x1a) && near(g>>8, 0x7f) && near(bl>>8, 0x37) {
				green++
			}
		}
	}
	return float64(green) / float64(max(all, 1))
}

func near(v, want uint32) bool { return v+12 >= want && v <= want+12 }

// TestStatusPageInChromium opens the status page in headless Chromium as
// an admin (Basic, the secret as password) and checks what it shows: the
// link connected (and green in a screenshot of its badge), the host with
// its server and working features, and the admin action just made.
func TestStatusPageInChromium(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	status, body := e.of(http.MethodPost, "/users", fmtJSON, `{"username":"statususer","password":"pw-status"}`)
	wantStatus(t, "create user", status, body, http.StatusCreated)

	resp, err := http.Get(e.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("GET / without credentials: %d %q, want 401 with a Basic challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	b := browser.StartT(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("operator:"+apiSecret))
	b.Do("open the status page",
		// What a browser sends once the operator typed the secret as the
		// password of the Basic challenge.
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if err := tg.Call(ctx, "Network.enable", map[string]any{}, nil); err != nil {
				return err
			}
			return tg.Call(ctx, "Network.setExtraHTTPHeaders", map[string]any{"headers": map[string]string{"Authorization": basic}}, nil)
		}),
		chromedp.Navigate(e.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("link-state")))
	badge := b.Text("#link-state")
	hosts := b.Text("section.host")
	actions := b.Text("#actions")
	badgeShot := browser.Get(b, "badge screenshot", chromedp.Screenshot(chromedp.ID("link-state")))
	b.Screenshot("status-page")
	pageShot, err := os.ReadFile(filepath.Join(b.ArtifactDir, "status-page.png"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(badge) != "connected" {
		t.Errorf("link badge says %q, want connected", badge)
	}
	for _, want := range []string{e.Server.Hosts[0], "Prosody", "accounts", "✓ works"} {
		if !strings.Contains(hosts, want) {
			t.Errorf("host section lacks %q:\n%s", want, hosts)
		}
	}
	if !strings.Contains(actions, "created user statususer@"+e.Server.Hosts[0]) || !strings.Contains(actions, "secret") {
		t.Errorf("recent actions lack the user just created:\n%s", actions)
	}
	img, err := png.Decode(bytes.NewReader(badgeShot))
	if err != nil {
		t.Fatalf("badge screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 20 || b.Dy() < 10 {
		t.Fatalf("badge screenshot is %v: the badge was not rendered", b)
	}
	if share := greenShare(img); share < 0.4 {
		t.Errorf("the connected badge is %.0f%% green in the screenshot, want most of it", share*100)
	}
	full, err := png.Decode(bytes.NewReader(pageShot))
	if err != nil {
		t.Fatalf("page screenshot: %v", err)
	}
	if share := greenShare(full); share <= 0 || share > 0.2 {
		t.Errorf("the page is %.1f%% badge green: want the badge and the works marks, on a mostly white page", share*100)
	}
}
