package ops

import (
	"context"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component/fault"
	"xmpprest/store"
)

// Session is one connected resource of a user.
type Session struct {
	JID       jid.JID // full
	Username  string  // localpart
	Resource  string
	IPAddress string // "" when the server does not say
	// Presence is the session's availability as the server reports it
	// ("available", "away", "dnd", "unavailable", ...); "" when unknown.
	Presence string
	// Priority is the presence priority; nil when unknown.
	Priority *int
}

// Sessions lists the sessions of every online user of host ("" for the
// default host): get-online-users-list, then user-stats per user for
// resources and IP addresses. Prosody's list "details" add each session's
// presence and priority.
func (s *Service) Sessions(ctx context.Context, a Actor, host string) ([]Session, error) {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return nil, err
	}
	reply, err := s.Adhoc.Execute(ctx, adhoc.Request{Host: jid.MustParse(host), Node: adhoc.NodeGetOnlineUsersList, Args: []adhoc.Arg{
		{Names: []string{"max_items"}, Values: []string{"all"}, Optional: true},
		{Names: []string{"details"}, Values: []string{"1"}, Optional: true},
	}})
	if err != nil {
		return nil, err
	}
	users, details := parseOnlineUsers(reply.Form)
	out := make([][]Session, len(users))
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, u := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = s.userSessions(ctx, u)
		}()
	}
	wg.Wait()
	var all []Session
	for i := range users {
		if errs[i] != nil {
			if fault.Is(errs[i], fault.NotFound) {
				continue // logged out (or deleted) in between
			}
			return nil, errs[i]
		}
		for _, sess := range out[i] {
			if d, ok := details[sess.JID.String()]; ok {
				sess.Presence, sess.Priority = d.Presence, d.Priority
				if sess.IPAddress == "" {
					sess.IPAddress = d.IPAddress
				}
			}
			all = append(all, sess)
		}
	}
	sortSessions(all)
	return all, nil
}

func sortSessions(ss []Session) {
	sort.Slice(ss, func(i, k int) bool { return ss[i].JID.String() < ss[k].JID.String() })
}

// onlineDetail matches a detail line of Prosody's online users list:
// " - resource: status(priority), IP: [ip]".
var onlineDetail = regexp.MustCompile(`^\s*- (.*): ([^:()]*)\(([^()]*)\), IP: \[(.*)\]\s*$`)

// parseOnlineUsers reads the bare JIDs of get-online-users-list and, where
// the server gives them (Prosody with details), each session's presence,
// priority and IP address by full JID.
func parseOnlineUsers(f *adhoc.Form) (users []jid.JID, details map[string]Session) {
	details = map[string]Session{}
	var lines []string
	if fl, ok := f.Field("onlineuserjids"); ok {
		lines = fl.Values
	} else if f != nil {
		for _, fl := range f.Fields {
			if strings.HasSuffix(fl.Type, "-multi") {
				lines = fl.Values
				break
			}
		}
	}
	seen := map[string]bool{}
	var current jid.JID
	for _, v := range lines {
		for _, line := range strings.Split(v, "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			if m := onlineDetail.FindStringSubmatch(line); m != nil {
				if current.String() == "" {
					continue
				}
				full, err := current.WithResource(m[1])
				if err != nil {
					continue
				}
				d := Session{Presence: strings.TrimSpace(m[2])}
				if p, err := strconv.Atoi(strings.TrimSpace(m[3])); err == nil {
					d.Priority = &p
				}
				if ip := strings.TrimSpace(m[4]); ip != "<unknown>" {
					d.IPAddress = ip
				}
				details[full.String()] = d
				continue
			}
			j, err := jid.Parse(strings.TrimSpace(line))
			if err != nil {
				continue
			}
			current = j.Bare()
			if !seen[current.String()] {
				seen[current.String()] = true
				users = append(users, current)
			}
		}
	}
	return users, details
}

// UserSessions lists one user's sessions (user-stats). A user that does
// not exist or is offline has none.
func (s *Service) UserSessions(ctx context.Context, a Actor, username string) ([]Session, error) {
	j, err := s.userOf(a, username)
	if err != nil {
		return nil, err
	}
	ss, err := s.userSessions(ctx, j)
	if fault.Is(err, fault.NotFound) {
		return []Session{}, nil
	}
	return ss, err
}

func (s *Service) userSessions(ctx context.Context, user jid.JID) ([]Session, error) {
	st, err := s.Adhoc.UserStats(ctx, user)
	if err != nil {
		return nil, err
	}
	return sessionsFromStats(user, st), nil
}

// sessionsFromStats pairs the resources and IP addresses of user-stats:
// both servers list them in the same order, one line per session (ejabberd
// as "ip:port").
func sessionsFromStats(user jid.JID, st adhoc.UserStats) []Session {
	out := []Session{}
	for i, res := range st.OnlineResources {
		full, err := user.Bare().WithResource(res)
		if err != nil {
			continue
		}
		sess := Session{JID: full, Username: user.Localpart(), Resource: res}
		if len(st.IPAddresses) == len(st.OnlineResources) {
			sess.IPAddress = hostOnly(st.IPAddresses[i])
		}
		out = append(out, sess)
	}
	sortSessions(out)
	return out
}

// hostOnly strips a port from "ip:port" or "[v6]:port".
func hostOnly(addr string) string {
	addr = strings.TrimSpace(addr)
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return strings.Trim(addr, "[]")
}

// SessionTotal counts the sessions (connected resources) on host ("" for
// the default host).
func (s *Service) SessionTotal(ctx context.Context, a Actor, host string) (int, error) {
	ss, err := s.Sessions(ctx, a, host)
	if err != nil {
		return 0, err
	}
	return len(ss), nil
}

// KickUser ends every session of a user (end-user-session). A user that is
// not online is no error; one without an account is fault.NotFound, and
// nothing is recorded.
func (s *Service) KickUser(ctx context.Context, a Actor, username string) error {
	j, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	if err := s.Adhoc.EndSessions(ctx, j); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), "ended the sessions of "+j.String(), "")
	})
}
