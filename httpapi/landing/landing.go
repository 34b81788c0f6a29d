// Package landing serves the web page an invitation link opens: it says
// what the invitation is for, lets the invitee choose a username (unless the
// invitation fixes one) and a password, creates the account (or, for a
// reset invitation, sets the new password) and shows the new address.
//
// The page is public: the invitation's secret is in its URL. It works
// without JavaScript, carries security headers (a strict CSP, no framing,
// no referrer) and refuses a form posted from another site: the form
// carries a token that must match a SameSite=Strict cookie, and a request
// whose Origin or Sec-Fetch-Site names another site is refused.
package landing

import (
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

// Path is where the landing pages are served: Path?secret. The secret is
// in the query string, which the access log leaves out.
const Path = "/invite"

// assetsPath serves the style sheet.
const assetsPath = "/invite-assets"

//go:embed files/page.html files/style.css
var files embed.FS

var page = template.Must(template.ParseFS(files, "files/page.html"))

// csrfCookie carries the form token.
const csrfCookie = "xmpprest_invite"

// Options configures the pages.
type Options struct {
	// PublicURL returns the base URL people reach the service at (for the
	// same-origin check); nil takes the request's Host over http.
	PublicURL func() string
}

type pages struct {
	svc  *ops.Service
	opts Options
}

// URL returns the landing page of an invitation's secret under base.
func URL(base, secret string) string {
	return strings.TrimSuffix(base, "/") + Path + "?" + url.QueryEscape(secret)
}

// secretOf returns the invitation secret of a landing page request.
func secretOf(r *http.Request) string {
	s, err := url.QueryUnescape(r.URL.RawQuery)
	if err != nil {
		return ""
	}
	return s
}

// Register mounts the landing pages on r.
func Register(r *mux.Router, svc *ops.Service, opts Options) {
	p := &pages{svc: svc, opts: opts}
	d := httpapi.Dialect{
		Name:   "invitation pages",
		Prefix: "",
		Errors: p.fail,
		Routes: []httpapi.Route{
			{Method: http.MethodGet, Path: Path, Handler: p.show, Public: true, Summary: "an invitation's landing page (?secret)"},
			{Method: http.MethodPost, Path: Path, Handler: p.submit, Public: true, Summary: "accept an invitation (?secret)"},
			{Method: http.MethodGet, Path: assetsPath + "/style.css", Handler: p.style, Public: true, Summary: "the landing page's style sheet"},
		},
	}
	d.Mount(r)
}

// view is what the template shows.
type view struct {
	Title, Message, Error string
	Page                  string // "form", "done" or "gone"
	Assets                string
	Host                  string
	Groups                []string
	FixedUsername         string
	Username              string
	Reset                 bool
	MinPassword           int
	CSRF                  string
	Address               string
}

func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

func render(w http.ResponseWriter, status int, v view) error {
	securityHeaders(w)
	v.Assets = assetsPath
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	return page.Execute(w, v)
}

// fail shows an error page: never a stack trace or an internal message.
func (p *pages) fail(w http.ResponseWriter, _ *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a few minutes."
	switch fault.KindOf(err) {
	case fault.NotFound:
		status, msg = http.StatusNotFound, "This invitation link is not valid. Check that you copied the whole link."
	case fault.Unavailable, fault.Timeout:
		status, msg = http.StatusServiceUnavailable, "The chat server cannot be reached right now. Please try again in a few minutes."
	case fault.BadRequest, fault.TooLarge:
		status, msg = http.StatusBadRequest, "The form could not be read. Please open the invitation link again."
	case fault.Denied:
		status, msg = http.StatusForbidden, fault.Message(err)
	}
	render(w, status, view{Title: "Invitation", Page: "gone", Message: msg})
}

func (p *pages) style(w http.ResponseWriter, _ *http.Request) error {
	b, err := files.ReadFile("files/style.css")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(b)
	return err
}

// invite reads the invitation of the request, showing the page of an
// unusable one (ok false).
func (p *pages) invite(w http.ResponseWriter, r *http.Request) (store.Invite, bool, error) {
	inv, err := p.svc.InviteBySecret(r.Context(), secretOf(r))
	if err != nil {
		return store.Invite{}, false, err
	}
	var title, msg string
	switch inv.State(time.Now()) {
	case store.InviteValid:
		return inv, true, nil
	case store.InviteExpired:
		title, msg = "This invitation has expired", "The invitation to "+inv.Host+" expired on "+inv.Expires.UTC().Format("2 January 2006 at 15:04 UTC")+"."
	case store.InviteUsed:
		title, msg = "This invitation has been used", "The invitation to "+inv.Host+" was used already: it works only once."
	default:
		title, msg = "This invitation was withdrawn", "The invitation to "+inv.Host+" was withdrawn by whoever sent it."
	}
	return inv, false, render(w, http.StatusGone, view{Title: title, Page: "gone", Message: msg})
}

func (p *pages) formView(inv store.Invite, csrf string) view {
	v := view{Page: "form", Host: inv.Host, Groups: inv.Groups, FixedUsername: inv.Username, MinPassword: ops.MinPasswordLength, CSRF: csrf}
	switch inv.Kind {
	case store.InviteReset:
		v.Title, v.Reset, v.Groups = "Set a new password", true, nil
		v.Message = "Choose a new password for your account " + inv.Username + "@" + inv.Host + "."
	default:
		v.Title = "You are invited to " + inv.Host
		inviter := inviterName(inv.Inviter)
		if inviter == "" {
			inviter = "The administrators of " + inv.Host
		}
		v.Message = inviter + " invited you to create a chat account on " + inv.Host + "."
	}
	return v
}

// inviterName is the inviter's name when it is a person's address (not a
// token's name).
func inviterName(s string) string {
	if strings.Contains(s, "@") && !strings.ContainsAny(s, " ()") {
		return s
	}
	return ""
}

func (p *pages) show(w http.ResponseWriter, r *http.Request) error {
	inv, ok, err := p.invite(w, r)
	if !ok || err != nil {
		return err
	}
	csrf, err := store.NewSecret()
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: csrf, Path: Path, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || strings.HasPrefix(p.base(r), "https:")})
	return render(w, http.StatusOK, p.formView(inv, csrf))
}

// base is the service's base URL.
func (p *pages) base(r *http.Request) string {
	if p.opts.PublicURL != nil {
		if b := p.opts.PublicURL(); b != "" {
			return b
		}
	}
	return "http://" + r.Host
}

// errCrossSite refuses a form posted from another site.
var errCrossSite = fault.New(fault.Denied, "This form was sent from another website, so it was refused. Open the invitation link itself and fill in the form there.")

// sameOrigin checks that a form was posted from this service's own page.
func (p *pages) sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return errCrossSite
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		base, err := url.Parse(p.base(r))
		if err != nil || !strings.EqualFold(origin, base.Scheme+"://"+base.Host) {
			return errCrossSite
		}
	}
	c, err := r.Cookie(csrfCookie)
	form := r.PostFormValue("csrf")
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
		return errCrossSite
	}
	return nil
}

func (p *pages) submit(w http.ResponseWriter, r *http.Request) error {
	inv, ok, err := p.invite(w, r)
	if !ok || err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.BadRequest, err, "read the form")
	}
	if err := p.sameOrigin(r); err != nil {
		return err
	}
	csrf := r.PostFormValue("csrf")
	v := p.formView(inv, csrf)
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	v.Username = username
	if password != r.PostFormValue("password2") {
		v.Error = "The two passwords differ: type the same password twice."
		return render(w, http.StatusBadRequest, v)
	}
	j, err := p.svc.RedeemInvite(r.Context(), secretOf(r), username, password)
	switch {
	case err == nil:
	case errors.Is(err, ops.ErrInviteUnusable):
		_, _, err = p.invite(w, r)
		return err
	case fault.Is(err, fault.BadRequest), fault.Is(err, fault.Conflict):
		v.Error = fault.Message(err)
		status := http.StatusBadRequest
		if fault.Is(err, fault.Conflict) {
			status = http.StatusConflict
		}
		return render(w, status, v)
	default:
		return err
	}
	done := view{Page: "done", Address: j.String()}
	if inv.Kind == store.InviteReset {
		done.Title, done.Message = "Your new password is set", "You can sign in with your new password now."
	} else {
		done.Title, done.Message = "Welcome to "+inv.Host, "Your account is ready."
	}
	return render(w, http.StatusOK, done)
}
