package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"xmpprest/cmd/internal/browser"
	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// TestInviteBrowser opens invitation links in headless Chromium on a
// phone-sized screen, with JavaScript off, and fills the form with the keyboard: an account
// invite (then a c2s login as the new account), a group invite used twice
// (both accounts end up in the group, each other's contacts), a username
// taken, a reset invite (the new password works, the old one not) and an
// expired invite. Each page is kept as a screenshot.
func TestInviteBrowser(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	e.awaitPrivileges()
	b := browser.StartT(t)
	b.DisableScripts() // the pages work without JavaScript
	b.Do("script check", chromedp.Navigate("data:text/html,<title>off</title><script>document.title='on'</script>"))
	if title := browser.Get(b, "title", chromedp.Title()); title != "off" {
		t.Fatalf("JavaScript still runs (title %q)", title)
	}
	tok := e.token(ops.ScopeAdmin, "ops", "", 0)
	host := e.Server.Hosts[0]

	// fill types into the form with the keyboard alone: Tab between the
	// fields, Enter to submit.
	fill := func(what, first string, fields ...string) {
		t.Helper()
		b.Do(what, chromedp.Focus(chromedp.CSS(first)), chromedp.KeyEvent(strings.Join(fields, "\t")+"\r"))
	}
	fitsScreen := func(page string) {
		t.Helper()
		if !browser.Get(b, "page width", chromedp.Evaluate[bool]("document.documentElement.scrollWidth <= window.innerWidth")) {
			t.Errorf("%s: wider than a phone's screen", page)
		}
	}

	// An account invite.
	inv := e.invite(t, tok, "account", "")
	b.Do("open account invite", chromedp.Navigate(inv.LandingPage), chromedp.WaitVisible(chromedp.ID("username")))
	if about := b.Text("#about"); !strings.Contains(about, host) {
		t.Errorf("account invite page says %q", about)
	}
	fitsScreen("account form")
	b.Screenshot("01-account-form")
	fill("fill account form", "#username", "web-newbie", "pw-web-newbie", "pw-web-newbie")
	b.Do("account created", chromedp.WaitVisible(chromedp.ID("done")))
	if addr := b.Text("#address"); addr != "web-newbie@"+host {
		t.Errorf("done page shows %q", addr)
	}
	b.Screenshot("02-account-done")
	c := e.client(e.user("web-newbie"), "pw-web-newbie")
	if c.JID().Bare().String() != "web-newbie@"+host {
		t.Errorf("logged in as %s", c.JID())
	}
	b.Do("open used invite", chromedp.Navigate(inv.LandingPage), chromedp.WaitVisible(chromedp.ID("reason")))
	if r := b.Text("h1"); !strings.Contains(r, "used") {
		t.Errorf("used invite page: %q", r)
	}
	b.Screenshot("03-account-used")

	// A group invite, used by two people.
	wantPA(t, "create group", e.pa(tok, "POST", "/groups", `{"name":"Book Club"}`), 200, nil)
	ginv := e.invite(t, tok, "group", `{"groups":["Book Club"]}`)
	for i, name := range []string{"web-reader1", "web-reader2"} {
		b.Do("open group invite", chromedp.Navigate(ginv.LandingPage), chromedp.WaitVisible(chromedp.ID("username")))
		if i == 0 {
			if about := b.Text("main"); !strings.Contains(about, "Book Club") {
				t.Errorf("group invite page does not name the group: %q", about)
			}
			b.Screenshot("04-group-form")
		}
		fill("fill group form", "#username", name, "pw-"+name, "pw-"+name)
		b.Do("group account created", chromedp.WaitVisible(chromedp.ID("done")))
	}
	b.Screenshot("05-group-done")
	var members paGroup
	wantPA(t, "group members", e.pa(tok, "GET", "/groups/Book%20Club", ""), 200, &members)
	if !contains(members.Members, "web-reader1") || !contains(members.Members, "web-reader2") {
		t.Errorf("group members = %v", members.Members)
	}
	roster := ownRoster(t, e.client(e.user("web-reader1"), "pw-web-reader1"))
	if _, ok := roster["web-reader2@"+host]; !ok {
		t.Errorf("the two invited accounts are not contacts: %v", roster)
	}

	// A username taken: the form again, with the reason.
	b.Do("open group invite again", chromedp.Navigate(ginv.LandingPage), chromedp.WaitVisible(chromedp.ID("username")))
	fill("fill taken username", "#username", "web-newbie", "pw-other-pass", "pw-other-pass")
	b.Do("taken", chromedp.WaitVisible(chromedp.ID("error")))
	if msg := b.Text("#error"); !strings.Contains(msg, "taken") {
		t.Errorf("taken username message: %q", msg)
	}
	b.Screenshot("06-username-taken")
	e.wantLoginFails(t, "web-newbie", "pw-other-pass")

	// A reset invite.
	rinv := e.invite(t, tok, "reset", `{"username":"web-newbie"}`)
	b.Do("open reset invite", chromedp.Navigate(rinv.LandingPage), chromedp.WaitVisible(chromedp.ID("password")))
	if addr := b.Text("#address"); addr != "web-newbie@"+host {
		t.Errorf("reset page shows %q", addr)
	}
	b.Screenshot("07-reset-form")
	fill("fill reset form", "#password", "pw-web-newbie-2", "pw-web-newbie-2")
	b.Do("password reset", chromedp.WaitVisible(chromedp.ID("done")))
	b.Screenshot("08-reset-done")
	if err := e.canLogIn(e.user("web-newbie"), "pw-web-newbie-2"); err != nil {
		t.Errorf("new password: %v", err)
	}
	e.wantLoginFails(t, "web-newbie", "pw-web-newbie")

	// An expired invite.
	xinv := e.invite(t, tok, "account", `{"ttl":1}`)
	fc := newFormClient(t)
	eventually(t, 5*time.Second, "invite expired", func() bool {
		status, _, _ := fc.get(xinv.LandingPage)
		return status == 410
	})
	b.Do("open expired invite", chromedp.Navigate(xinv.LandingPage), chromedp.WaitVisible(chromedp.ID("reason")))
	if h := b.Text("h1"); !strings.Contains(h, "expired") {
		t.Errorf("expired invite page: %q", h)
	}
	fitsScreen("expired page")
	b.Screenshot("09-expired")
}
