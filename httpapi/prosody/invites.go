package prosody

import (
	"math"
	"net/http"
	"net/url"
	"time"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

func (a *api) inviteRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/invites", Handler: a.listInvites, Summary: "list the pending invitations"},
		{Method: http.MethodGet, Path: "/invites/{id}", Handler: a.getInvite, Summary: "one pending invitation"},
		{Method: http.MethodDelete, Path: "/invites/{id}", Handler: a.deleteInvite, Summary: "revoke an invitation"},
		{Method: http.MethodPost, Path: "/invites/account", Handler: a.inviteAccount, Summary: "invite someone to create an account"},
		{Method: http.MethodPost, Path: "/invites/group", Handler: a.inviteGroup, Summary: "a reusable invitation whose accounts join groups"},
		{Method: http.MethodPost, Path: "/invites/reset", Handler: a.inviteReset, Summary: "a link to set a new password of an account"},
	}
}

// inviteJSON is Prosody's invite object. The secret (token, and the uri and
// landing_page that carry it) is shown only in the answer that creates the
// invitation: the component keeps only its hash.
type inviteJSON struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Reusable    bool     `json:"reusable"`
	Inviter     string   `json:"inviter,omitempty"`
	JID         string   `json:"jid"`
	Token       string   `json:"token,omitempty"`
	URI         string   `json:"uri,omitempty"`
	LandingPage string   `json:"landing_page,omitempty"`
	CreatedAt   int64    `json:"created_at"`
	Expires     *int64   `json:"expires"`
	Groups      []string `json:"groups"`
	Source      string   `json:"source,omitempty"`
	Reset       bool     `json:"reset"`
	Note        string   `json:"note,omitempty"`
}

func (a *api) inviteOut(i store.Invite, secret string) inviteJSON {
	out := inviteJSON{ID: i.ID, Type: "register", Reusable: i.Reusable(), Inviter: i.Inviter, JID: i.Host,
		CreatedAt: i.Created.Unix(), Groups: httpapi.NonNil(i.Groups), Source: i.Source, Reset: i.Kind == store.InviteReset, Note: i.Note}
	if i.Username != "" {
		out.JID = i.Username + "@" + i.Host
	}
	if !i.Expires.IsZero() {
		t := i.Expires.Unix()
		out.Expires = &t
	}
	if secret != "" {
		out.Token = secret
		out.URI = "xmpp:" + out.JID + "?register;preauth=" + url.QueryEscape(secret)
		if i.Kind == store.InviteAccount || i.Kind == store.InviteGroup {
			out.URI += ";ibr=y"
		}
		if a.opts.LandingURL != nil {
			out.LandingPage = a.opts.LandingURL(secret)
		}
	}
	return out
}

func (a *api) listInvites(w http.ResponseWriter, r *http.Request) error {
	is, err := a.svc.Invites(r.Context(), httpapi.Actor(r))
	if err != nil {
		return err
	}
	out := make([]inviteJSON, 0, len(is))
	for _, i := range is {
		out = append(out, a.inviteOut(i, ""))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *api) getInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	i, err := a.svc.Invite(r.Context(), httpapi.Actor(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.inviteOut(i, ""))
}

func (a *api) deleteInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := pathVar(r, "id")
	if err != nil {
		return err
	}
	if err := a.svc.RevokeInvite(r.Context(), httpapi.Actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// newInvite is the body of the POST /invites/... requests (each reads the
// fields it knows).
type newInvite struct {
	Username httpapi.Text `json:"username"`
	TTL      *float64     `json:"ttl"`
	Groups   httpapi.List `json:"groups"`
	Group    httpapi.Text `json:"group"`
	Note     httpapi.Text `json:"note"`
}

func (in newInvite) ttl() (*time.Duration, error) {
	if in.TTL == nil {
		return nil, nil
	}
	v := *in.TTL
	if math.IsNaN(v) || v <= 0 || v > ops.MaxInviteTTL.Seconds() {
		return nil, fault.New(fault.BadRequest, "ttl %v: want a number of seconds between 1 and %d (a year)", v, int(ops.MaxInviteTTL.Seconds()))
	}
	d := time.Duration(v * float64(time.Second))
	return &d, nil
}

func (in newInvite) groups() []string {
	gs := in.Groups.Values
	if in.Group.Value != "" {
		gs = append(gs, in.Group.Value)
	}
	return gs
}

func (a *api) createInvite(w http.ResponseWriter, r *http.Request, kind string, required bool) error {
	var in newInvite
	if err := decode(r, &in, required); err != nil {
		return err
	}
	ttl, err := in.ttl()
	if err != nil {
		return err
	}
	act := httpapi.Actor(r)
	spec := ops.InviteSpec{Kind: kind, Username: in.Username.Value, Groups: in.groups(), Note: in.Note.Value, TTL: ttl, Source: "admin_api/" + act.Name}
	if kind == store.InviteGroup && in.Username.Set {
		return fault.New(fault.BadRequest, "a group invitation is for anyone: it takes no username")
	}
	if kind == store.InviteReset && (len(spec.Groups) > 0) {
		return fault.New(fault.BadRequest, "a reset invitation takes no groups")
	}
	i, secret, err := a.svc.CreateInvite(r.Context(), act, spec)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.inviteOut(i, secret))
}

func (a *api) inviteAccount(w http.ResponseWriter, r *http.Request) error {
	return a.createInvite(w, r, store.InviteAccount, false)
}

func (a *api) inviteGroup(w http.ResponseWriter, r *http.Request) error {
	return a.createInvite(w, r, store.InviteGroup, false)
}

func (a *api) inviteReset(w http.ResponseWriter, r *http.Request) error {
	return a.createInvite(w, r, store.InviteReset, true)
}
