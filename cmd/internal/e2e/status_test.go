package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"xmpprest/component/xmppserver"
)

// chromiumPath returns Debian's chromium, installing it when missing (as
// the harness installs the servers). Without it the test fails under
// CI=true and is skipped, loudly, elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	find := func() (string, error) {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				return p, nil
			}
		}
		return "", errors.New("chromium not found")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	err := xmppserver.InstallDebian(ctx, func() error { _, err := find(); return err }, "chromium")
	if err == nil {
		var p string
		if p, err = find(); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("headless Chromium is needed: %v", err)
	}
	t.Skipf("SKIPPED: headless Chromium is not available (%v): the status page was NOT checked in a browser", err)
	return ""
}

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
// an admin (Basic, the secret as password) and checks what it shows: the link connected
// (and green in a screenshot of its badge), the host with its server and
// working features, and the admin action just made.
func TestStatusPageInChromium(t *testing.T) {
	browser := chromiumPath(t)
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

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()

	var badge, hosts, actions string
	var badgeShot, pageShot []byte
	err = chromedp.Run(tab,
		network.Enable(),
		// What a browser sends once the operator typed the secret as the
		// password of the Basic challenge.
		network.SetExtraHTTPHeaders(network.Headers{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("operator:"+apiSecret))}),
		chromedp.Navigate(e.URL+"/"),
		chromedp.WaitVisible("#link-state", chromedp.ByQuery),
		chromedp.Text("#link-state", &badge, chromedp.ByQuery),
		chromedp.Text("section.host", &hosts, chromedp.ByQuery),
		chromedp.Text("#actions", &actions, chromedp.ByQuery),
		chromedp.Screenshot("#link-state", &badgeShot, chromedp.ByQuery),
		chromedp.FullScreenshot(&pageShot, 100), // 100: PNG
	)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if dir := os.Getenv("XMPPREST_SCREENSHOT_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "status-page.png"), pageShot, 0o644)
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
