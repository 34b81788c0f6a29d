// Package browser starts a headless Chromium for tests of the web pages
// xmpprest serves, driven with chromedp. Debian's chromium package is
// installed with apt-get when missing (as component/xmppserver does for the
// XMPP servers); without it the test fails when CI=true and is skipped,
// loudly, otherwise.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"xmpprest/component/xmppserver"
)

// installTimeout covers a first apt-get install on a fresh machine.
const installTimeout = 10 * time.Minute

// executables are the names Chromium is installed under.
var executables = []string{"chromium", "chromium-browser", "google-chrome"}

func find() (string, error) {
	for _, name := range executables {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %v in PATH", executables)
}

// Install installs Debian's chromium with apt-get when it is missing and
// returns its path. It needs root. Concurrent installs, also of the XMPP
// servers by other test processes, are serialized (see
// xmppserver.InstallDebian).
func Install(ctx context.Context) (string, error) {
	present := func() error { _, err := find(); return err }
	if err := xmppserver.InstallDebian(ctx, present, "chromium"); err != nil {
		return "", err
	}
	return find()
}

// Browser is a running headless Chromium.
type Browser struct {
	t   testing.TB
	ctx context.Context
	// ArtifactDir holds the screenshots; it is kept after the test.
	ArtifactDir string
}

// StartT starts a headless Chromium with a fresh profile for the test and
// stops it when the test ends. Screenshots go to
// $XMPPREST_TEST_ARTIFACTS/<test> when that is set, to a new directory
// under the temporary directory otherwise (named in the test log).
func StartT(t testing.TB) *Browser {
	t.Helper()
	ictx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	path, err := Install(ictx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot start chromium: %v", err)
		}
		bar := strings.Repeat("!", 72)
		t.Skipf("\n%s\nSKIPPED: cannot start chromium: %v\n(set CI=true to make this a failure)\n%s", bar, err, bar)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone-sized screen
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, ccancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		ccancel()
		acancel()
		t.Fatalf("start chromium %s: %v", path, err)
	}
	t.Cleanup(func() {
		ccancel()
		acancel()
	})
	dir := os.Getenv("XMPPREST_TEST_ARTIFACTS")
	if dir != "" {
		dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
		err = os.MkdirAll(dir, 0o755)
	} else {
		dir, err = os.MkdirTemp("", "xmpprest-screenshots-")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return &Browser{t: t, ctx: ctx, ArtifactDir: dir}
}

// Do runs chromedp actions with a deadline.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// DisableScripts turns JavaScript off in the page, to show that a page
// works without it.
func (b *Browser) DisableScripts() {
	b.t.Helper()
	b.Do("disable scripts", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		return t.Call(ctx, "Emulation.setScriptExecutionDisabled", map[string]bool{"value": true}, nil)
	}))
}

// Get runs one chromedp action that returns a value, with a deadline.
func Get[T any](b *Browser, what string, action chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// Screenshot saves the whole page as name.png (PNG) in ArtifactDir.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	png := Get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	path := filepath.Join(b.ArtifactDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// Text returns the text of the first element matching the CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return Get(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}
