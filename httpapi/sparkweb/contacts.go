package sparkweb

import (
	"net/http"

	"xmpprest/component/usersession"
	"xmpprest/httpapi"
	"xmpprest/httpapi/userops"
)

// presenceBody is the JSON body POST /presence also accepts.
type presenceBody struct {
	Show   string `json:"show"`
	Status string `json:"status"`
}

func (a *api) postPresence(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := presenceBody{Show: q.Get("show"), Status: q.Get("status")}
	if r.ContentLength != 0 && !q.Has("show") && !q.Has("status") {
		body, err := httpapi.ReadBody(r, false)
		if err != nil {
			return err
		}
		if len(body) > 0 {
			if err := httpapi.DecodeJSON(body, &p); err != nil {
				return err
			}
		}
	}
	// Openfire's SparkWeb sends "available" and "online" for plain
	// availability.
	if p.Show == "available" || p.Show == "online" {
		p.Show = ""
	}
	if err := a.svc.SetPresence(r.Context(), caller(r), p.Show, p.Status); err != nil {
		return err
	}
	return ok(w)
}

// presenceEntity is SparkWeb's PresenceEntity.
type presenceEntity struct {
	Username string `json:"username"`
	Show     string `json:"show"`
	Status   string `json:"status"`
}

// showOf names a presence: its show, "available" without one, or
// "unavailable".
func showOf(p usersession.Presence) string {
	switch {
	case !p.Available:
		return "unavailable"
	case p.Show == "":
		return "available"
	}
	return p.Show
}

func (a *api) probePresence(w http.ResponseWriter, r *http.Request) error {
	target, err := pathVar(r, "target")
	if err != nil {
		return err
	}
	j, p, err := a.svc.Presence(r.Context(), caller(r), target)
	if err != nil {
		return err
	}
	return write(w, presenceEntity{Username: j.String(), Show: showOf(p), Status: p.Status})
}

// rosterItemEntity is SparkWeb's RosterItemEntity.
type rosterItemEntity struct {
	JID              string   `json:"jid"`
	Nickname         string   `json:"nickname"`
	SubscriptionType int      `json:"subscriptionType"`
	Show             string   `json:"show,omitempty"`
	Status           string   `json:"status,omitempty"`
	Groups           []string `json:"groups"`
}

type rosterEntities struct {
	Roster []rosterItemEntity `json:"roster"`
}

// subscriptionTypes are Openfire's numbers for the subscription states.
var subscriptionTypes = map[string]int{"none": 0, "to": 1, "from": 2, "both": 3}

func rosterEntity(it usersession.ContactPresence, withPresence bool) rosterItemEntity {
	e := rosterItemEntity{JID: it.JID, Nickname: it.Name, SubscriptionType: subscriptionTypes[it.Subscription], Groups: httpapi.NonNil(it.Groups)}
	if withPresence {
		e.Show, e.Status = showOf(it.Presence), it.Status
	}
	return e
}

func (a *api) writeRoster(w http.ResponseWriter, r *http.Request, withPresence bool) error {
	items, err := a.svc.Roster(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := rosterEntities{Roster: []rosterItemEntity{}}
	for _, it := range items {
		out.Roster = append(out.Roster, rosterEntity(it, withPresence))
	}
	return write(w, out)
}

func (a *api) rosterWithPresence(w http.ResponseWriter, r *http.Request) error {
	return a.writeRoster(w, r, true)
}

func (a *api) roster(w http.ResponseWriter, r *http.Request) error {
	return a.writeRoster(w, r, false)
}

// rosterBody is a roster item as clients send it.
type rosterBody struct {
	JID      string   `json:"jid"`
	Nickname string   `json:"nickname"`
	Groups   []string `json:"groups"`
}

func (a *api) createRosterItem(w http.ResponseWriter, r *http.Request) error {
	var b rosterBody
	if err := httpapi.DecodeBody(r, &b); err != nil {
		return err
	}
	if err := a.svc.AddRosterItem(r.Context(), caller(r), userops.RosterEntry{JID: b.JID, Name: b.Nickname, Groups: b.Groups}); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) updateRosterItem(w http.ResponseWriter, r *http.Request) error {
	contact, err := pathVar(r, "jid")
	if err != nil {
		return err
	}
	var b rosterBody
	if err := httpapi.DecodeBody(r, &b); err != nil {
		return err
	}
	if err := a.svc.UpdateRosterItem(r.Context(), caller(r), contact, userops.RosterEntry{JID: contact, Name: b.Nickname, Groups: b.Groups}); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) deleteRosterItem(w http.ResponseWriter, r *http.Request) error {
	contact, err := pathVar(r, "jid")
	if err != nil {
		return err
	}
	if err := a.svc.RemoveRosterItem(r.Context(), caller(r), contact); err != nil {
		return err
	}
	return ok(w)
}
