package userops

import (
	"context"
	"net/url"
	"sort"
	"strings"

	"xmpprest/component/fault"
)

// MeetingURL returns the URL of an online meeting from the per-service
// URL template of the configuration (sparkweb.meetings): {id} is replaced
// by the meeting's id and {user} by the caller's username, both escaped
// for a URL path.
func (s *Service) MeetingURL(ctx context.Context, c Caller, service, id string) (string, error) {
	if _, err := c.self(); err != nil {
		return "", err
	}
	tmpl, ok := s.Cfg.Meetings[service]
	if !ok {
		known := make([]string, 0, len(s.Cfg.Meetings))
		for k := range s.Cfg.Meetings {
			known = append(known, k)
		}
		sort.Strings(known)
		if len(known) == 0 {
			return "", fault.New(fault.NotFound, "no meeting service is configured (sparkweb.meetings)").About(service)
		}
		return "", fault.New(fault.NotFound, "no meeting service %q: use one of %s", service, strings.Join(known, ", ")).About(service)
	}
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 256 {
		return "", fault.New(fault.BadRequest, "a meeting id is required (at most 256 bytes)")
	}
	r := strings.NewReplacer("{id}", url.PathEscape(id), "{user}", url.PathEscape(c.Actor.User.Localpart()))
	return r.Replace(tmpl), nil
}
