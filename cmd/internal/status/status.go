// Package status serves the status page at "/": the state of the link to
// the XMPP server, which features each virtual host lets xmpprest use (the
// same verdict as xmpprest doctor) and the recent admin actions, for an
// operator opening the port in a browser.
package status

import (
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"xmpprest/cmd/internal/doctor"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

//go:embed page.html
var files embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
	"stamp": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).ParseFS(files, "page.html"))

// recentActions is how many audit records the page shows.
const recentActions = 15

// Options configures the page.
type Options struct {
	Link *component.Link
	Ops  *ops.Service
	// Address is the XMPP server's component listener.
	Address string
	// Access says who may open the page; Auth checks admins.
	Access httpapi.Access
	Auth   *httpapi.AdminAuth
}

// view is what the template shows.
type view struct {
	Snapshot  component.Snapshot
	Report    doctor.Report
	Started   time.Time
	Admin     bool
	Actions   []ops.AuditRecord
	ActionErr string
	Generated time.Time
}

// Register serves the page at "/" as o.Access says.
func Register(r *mux.Router, o Options) {
	if o.Access == "" || o.Access == httpapi.AccessOff {
		return
	}
	h := func(w http.ResponseWriter, req *http.Request) {
		snap := o.Link.Snapshot()
		v := view{
			Snapshot:  snap,
			Report:    doctor.Diagnose(snap, o.Address, nil),
			Started:   o.Ops.Started(),
			Generated: time.Now(),
		}
		if _, ok := httpapi.PrincipalFrom(req.Context()); ok {
			v.Admin = true
			recs, err := o.Ops.AuditLog(req.Context(), httpapi.Actor(req), ops.AuditQuery{Limit: recentActions})
			if err != nil {
				v.ActionErr = fault.Message(err)
			}
			v.Actions = recs
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		page.Execute(w, v)
	}
	httpapi.Dialect{
		Name: httpapi.ServiceDialect, Guard: httpapi.OperatorGuard(o.Access, o.Auth),
		Errors: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		},
		Routes: []httpapi.Route{{Method: http.MethodGet, Path: "/", Public: o.Access == httpapi.AccessPublic,
			Handler: func(w http.ResponseWriter, r *http.Request) error { h(w, r); return nil },
			Summary: "the status page, for people: link state, each host's features, recent admin actions (status.access)"}},
	}.Mount(r)
}
