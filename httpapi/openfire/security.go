package openfire

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) securityLogRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/logs/security", Handler: a.securityLog, TrailingSlash: true, Summary: "the security audit log"},
	}
}

// logEntity is one audit record. username is who made the call (an admin's
// JID, or "secret" for the shared secret), as in Openfire; details add the
// user the change concerned and the client's address.
type logEntity struct {
	XMLName   xml.Name          `xml:"log" json:"-"`
	LogID     int64             `xml:"logId" json:"logId"`
	Username  string            `xml:"username" json:"username"`
	Timestamp httpapi.Timestamp `xml:"timestamp" json:"timestamp"`
	Summary   string            `xml:"summary" json:"summary"`
	Node      string            `xml:"node" json:"node"`
	Details   string            `xml:"details,omitempty" json:"details,omitempty"`
}

type logsEntity struct {
	XMLName xml.Name    `xml:"logs" json:"-"`
	Logs    []logEntity `xml:"log" json:"logs"`
}

func (a *api) securityLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var query ops.AuditQuery
	query.Username = q.Get("username")
	var err error
	if query.Start, err = queryTime(q.Get("startTime"), "startTime"); err != nil {
		return err
	}
	if query.End, err = queryTime(q.Get("endTime"), "endTime"); err != nil {
		return err
	}
	if query.Offset, err = queryInt(q.Get("offset"), "offset"); err != nil {
		return err
	}
	if query.Limit, err = queryInt(q.Get("limit"), "limit"); err != nil {
		return err
	}
	recs, err := a.svc.AuditLog(r.Context(), a.actor(r), query)
	if err != nil {
		return err
	}
	out := logsEntity{Logs: make([]logEntity, 0, len(recs))}
	for _, e := range recs {
		var details []string
		if e.Details != "" {
			details = append(details, e.Details)
		}
		if e.Username != "" {
			details = append(details, "user: "+e.Username)
		}
		if e.ClientAddress != "" {
			details = append(details, "client: "+e.ClientAddress)
		}
		out.Logs = append(out.Logs, logEntity{LogID: e.ID, Username: e.Actor, Timestamp: httpapi.Timestamp{Time: e.At},
			Summary: e.Summary, Node: e.Node, Details: strings.Join(details, "; ")})
	}
	return a.write(w, r, http.StatusOK, out)
}

// queryTime reads a time parameter: epoch seconds (Openfire's unit for the
// audit log), epoch milliseconds (13 digits or more) or ISO-8601; 0 or
// empty means unrestricted.
func queryTime(v, name string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return time.Time{}, fault.New(fault.BadRequest, "%s must not be negative", name)
		}
		if len(v) >= 13 {
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	t, err := httpapi.ParseTime(v)
	if err != nil {
		return time.Time{}, fault.New(fault.BadRequest, "%s: %q is not a time: send epoch seconds or ISO-8601", name, v)
	}
	return t, nil
}

func queryInt(v, name string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fault.New(fault.BadRequest, "%s must be a whole number of at least 0, not %q", name, v)
	}
	return n, nil
}
