package openfire

import (
	"encoding/xml"
	"net/http"

	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) sessionRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/sessions", Handler: a.listSessions, TrailingSlash: true, Summary: "every session"},
		{Method: http.MethodGet, Path: "/sessions/{username}", Handler: a.userSessions, Summary: "a user's sessions"},
		{Method: http.MethodDelete, Path: "/sessions/{username}", Handler: a.kickUser, Summary: "end a user's sessions"},
		{Method: http.MethodGet, Path: "/system/statistics/sessions", Handler: a.sessionStatistics, Summary: "count the sessions"},
	}
}

// sessionEntity is one session in an answer. What the XMPP server does not
// tell (creation and last action dates, TLS) is left out rather than made
// up.
type sessionEntity struct {
	XMLName        xml.Name           `xml:"session" json:"-"`
	SessionID      string             `xml:"sessionId" json:"sessionId"`
	Username       string             `xml:"username" json:"username"`
	Resource       string             `xml:"resource,omitempty" json:"resource,omitempty"`
	Node           string             `xml:"node" json:"node"`
	SessionStatus  string             `xml:"sessionStatus" json:"sessionStatus"`
	PresenceStatus string             `xml:"presenceStatus,omitempty" json:"presenceStatus,omitempty"`
	Priority       *int               `xml:"priority,omitempty" json:"priority,omitempty"`
	HostAddress    string             `xml:"hostAddress,omitempty" json:"hostAddress,omitempty"`
	HostName       string             `xml:"hostName,omitempty" json:"hostName,omitempty"`
	CreationDate   *httpapi.Timestamp `xml:"creationDate,omitempty" json:"creationDate,omitempty"`
	LastActionDate *httpapi.Timestamp `xml:"lastActionDate,omitempty" json:"lastActionDate,omitempty"`
	Secure         *bool              `xml:"secure,omitempty" json:"secure,omitempty"`
}

type sessionsEntity struct {
	XMLName  xml.Name        `xml:"sessions" json:"-"`
	Sessions []sessionEntity `xml:"session" json:"sessions"`
}

// presenceStatus names a presence as Openfire's admin console does.
func presenceStatus(p string) string {
	switch p {
	case "":
		return ""
	case "available":
		return "Online"
	case "away":
		return "Away"
	case "xa":
		return "Extended Away"
	case "dnd":
		return "Do Not Disturb"
	case "chat":
		return "Free To Chat"
	case "unavailable":
		return "Offline"
	}
	return p
}

func sessionsOut(ss []ops.Session) sessionsEntity {
	out := sessionsEntity{Sessions: make([]sessionEntity, 0, len(ss))}
	for _, s := range ss {
		out.Sessions = append(out.Sessions, sessionEntity{
			SessionID: s.JID.String(), Username: s.Username, Resource: s.Resource,
			Node: "Local", SessionStatus: "Authenticated", PresenceStatus: presenceStatus(s.Presence),
			Priority: s.Priority, HostAddress: s.IPAddress, HostName: s.IPAddress,
		})
	}
	return out
}

func (a *api) listSessions(w http.ResponseWriter, r *http.Request) error {
	ss, err := a.svc.Sessions(r.Context(), a.actor(r), "")
	if err != nil {
		return err
	}
	return a.write(w, r, http.StatusOK, sessionsOut(ss))
}

func (a *api) userSessions(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	ss, err := a.svc.UserSessions(r.Context(), a.actor(r), username)
	if err != nil {
		return userFailure(username).wrap(err)
	}
	return a.write(w, r, http.StatusOK, sessionsOut(ss))
}

func (a *api) kickUser(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if err := a.svc.KickUser(r.Context(), a.actor(r), username); err != nil {
		return userFailure(username).wrap(err)
	}
	return ok(w)
}

// sessionsCountEntity is the answer of /system/statistics/sessions.
type sessionsCountEntity struct {
	XMLName         xml.Name `xml:"sessions" json:"-"`
	LocalSessions   int      `xml:"localSessions" json:"localSessions"`
	ClusterSessions int      `xml:"clusterSessions" json:"clusterSessions"`
}

func (a *api) sessionStatistics(w http.ResponseWriter, r *http.Request) error {
	n, err := a.svc.SessionTotal(r.Context(), a.actor(r), "")
	if err != nil {
		return err
	}
	// One instance: the cluster is this node.
	return a.write(w, r, http.StatusOK, sessionsCountEntity{LocalSessions: n, ClusterSessions: n})
}
