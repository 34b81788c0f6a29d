package prosody

import (
	"encoding/json"
	"net/http"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) serverRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/server/info", Handler: a.serverInfo, Summary: "the host's name and server software"},
		{Method: http.MethodGet, Path: "/server/metrics", Handler: a.serverMetrics, Summary: "users online, accounts, uptime"},
		{Method: http.MethodPost, Path: "/server/announcement", Handler: a.announce, Summary: "send an announcement (recipients: online, all or JIDs)"},
	}
}

type infoJSON struct {
	SiteName string `json:"site_name"`
	Version  string `json:"version,omitempty"`
}

func (a *api) serverInfo(w http.ResponseWriter, r *http.Request) error {
	info, err := a.svc.HostInfo(httpapi.Actor(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, infoJSON{SiteName: info.Host, Version: strings.TrimSpace(info.Software + " " + info.Version)})
}

type metricsJSON struct {
	UsersOnline int  `json:"users_online"`
	Accounts    *int `json:"accounts,omitempty"`
	// Uptime is this instance's, in seconds.
	Uptime    int64 `json:"uptime"`
	Connected bool  `json:"connected"`
}

func (a *api) serverMetrics(w http.ResponseWriter, r *http.Request) error {
	m, err := a.svc.HostMetrics(r.Context(), httpapi.Actor(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, metricsJSON{UsersOnline: m.OnlineUsers, Accounts: m.Accounts, Uptime: int64(m.Uptime.Seconds()), Connected: m.Connected})
}

// announcement is the body of POST /server/announcement; recipients is
// "online", "all" or an array of JIDs.
type announcement struct {
	Body       httpapi.Text    `json:"body"`
	Recipients json.RawMessage `json:"recipients"`
}

func (a *api) announce(w http.ResponseWriter, r *http.Request) error {
	var in announcement
	if err := decode(r, &in, true); err != nil {
		return err
	}
	recipients, jids := ops.ToOnline, []string(nil)
	if raw := strings.TrimSpace(string(in.Recipients)); raw != "" && raw != "null" {
		if strings.HasPrefix(raw, "[") {
			if err := json.Unmarshal(in.Recipients, &jids); err != nil {
				return fault.New(fault.BadRequest, "recipients: want \"online\", \"all\" or an array of JIDs")
			}
			jids = httpapi.NonNil(jids)
		} else if err := json.Unmarshal(in.Recipients, &recipients); err != nil {
			return fault.New(fault.BadRequest, "recipients: want \"online\", \"all\" or an array of JIDs")
		}
	}
	n, err := a.svc.Announce(r.Context(), httpapi.Actor(r), in.Body.Value, recipients, jids)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]int{"sent": n})
}
