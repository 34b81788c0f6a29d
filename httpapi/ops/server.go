package ops

import (
	"context"
	"encoding/xml"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

// ServerInfo names a host and the software serving it.
type ServerInfo struct {
	Host string
	// Software and Version are what the server answered to XEP-0092
	// (empty when it did not).
	Software, Version string
}

// HostInfo describes the actor's host.
func (s *Service) HostInfo(a Actor) (ServerInfo, error) {
	host := s.ActorHost(a)
	if err := a.MayAdminister(host); err != nil {
		return ServerInfo{}, err
	}
	info := ServerInfo{Host: host}
	if hc, ok := s.Link.Capabilities().Host(host); ok {
		info.Software, info.Version = hc.Software, hc.Version
	}
	return info, nil
}

// Metrics are figures about the hosts an actor administers.
type Metrics struct {
	// OnlineUsers counts the users with at least one session.
	OnlineUsers int
	// Accounts counts the accounts; nil when a host cannot tell.
	Accounts *int
	// Uptime is how long this instance has run.
	Uptime time.Duration
	// Connected says whether the XMPP link is up.
	Connected bool
}

// HostMetrics counts online users and accounts on the hosts the actor
// administers.
func (s *Service) HostMetrics(ctx context.Context, a Actor) (Metrics, error) {
	m := Metrics{Uptime: time.Since(started), Connected: s.Link.Up()}
	accounts, countable := 0, true
	for _, h := range s.AdministeredHosts(a) {
		host, _ := jid.Parse(h)
		reply, err := s.Adhoc.Execute(ctx, adhoc.Request{Host: host, Node: adhoc.NodeGetOnlineUsersList, Args: []adhoc.Arg{
			{Names: []string{"max_items"}, Values: []string{"all"}, Optional: true},
		}})
		if err != nil {
			return Metrics{}, err
		}
		online, _ := parseOnlineUsers(reply.Form)
		m.OnlineUsers += len(online)
		if !countable {
			continue
		}
		switch n, err := s.countAccounts(ctx, host); {
		case fault.Is(err, fault.NotSupported):
			countable = false
		case err != nil:
			return Metrics{}, err
		default:
			accounts += n
		}
	}
	if countable {
		m.Accounts = &accounts
	}
	return m, nil
}

// countAccounts counts the accounts of host: get-registered-users-num, or
// the length of get-registered-users-list.
func (s *Service) countAccounts(ctx context.Context, host jid.JID) (int, error) {
	if offered, _ := s.Adhoc.Offers(host.String(), adhoc.NodeGetRegisteredUsersNum); offered {
		reply, err := s.Adhoc.Execute(ctx, adhoc.Request{Host: host, Node: adhoc.NodeGetRegisteredUsersNum})
		if err != nil {
			return 0, err
		}
		v := strings.TrimSpace(reply.Form.Value("registeredusersnum"))
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fault.New(fault.BadGateway, "get-registered-users-num answered %q, not a number", v)
		}
		return n, nil
	}
	users, err := s.Adhoc.RegisteredUsers(ctx, host)
	return len(users), err
}

// Announcement recipients.
const (
	ToOnline = "online" // every user online (XEP-0133 announce)
	ToAll    = "all"    // every account, online or not (stored offline)
)

// Announce sends an announcement to the users of the hosts the actor
// administers: to those online (recipients ToOnline, through the server's
// announce command), to every account (ToAll: one message each from the
// component, kept offline by the server for those not online), or to the
// given accounts (jids). It returns how many messages were sent (for
// ToOnline, the hosts announced on).
func (s *Service) Announce(ctx context.Context, a Actor, body, recipients string, jids []string) (int, error) {
	if strings.TrimSpace(body) == "" {
		return 0, fault.New(fault.BadRequest, "the announcement has no body")
	}
	if !utf8.ValidString(body) || utf8.RuneCountInString(body) > 10000 {
		return 0, fault.New(fault.BadRequest, "the announcement must be valid UTF-8 of at most 10000 characters")
	}
	var targets []jid.JID
	sent := 0
	switch {
	case jids != nil:
		if len(jids) == 0 {
			return 0, fault.New(fault.BadRequest, "the list of recipients is empty")
		}
		for _, u := range jids {
			j, err := s.AccountJID(a, "", u)
			if err != nil {
				return 0, err
			}
			targets = append(targets, j)
		}
	case recipients == ToOnline:
		for _, h := range s.AdministeredHosts(a) {
			host, _ := jid.Parse(h)
			if err := s.Adhoc.Announce(ctx, host, "", body); err != nil {
				return sent, err
			}
			sent++
		}
	case recipients == ToAll:
		for _, h := range s.AdministeredHosts(a) {
			host, _ := jid.Parse(h)
			users, err := s.Adhoc.RegisteredUsers(ctx, host)
			if err != nil {
				return 0, err
			}
			for _, u := range users {
				if j, err := jid.Parse(u); err == nil {
					targets = append(targets, j.Bare())
				}
			}
		}
	default:
		return 0, fault.New(fault.BadRequest, "recipients %q: want \"online\", \"all\" or a list of JIDs", recipients)
	}
	sender, ok := s.Link.(stanzaSender)
	if !ok && len(targets) > 0 {
		return 0, fault.New(fault.NotSupported, "this link cannot send messages")
	}
	for _, j := range targets {
		msg := component.Stanza{Name: "message", To: j, Type: "normal", ID: NewUUID(), Payload: announcementBody{Body: body}}
		if err := sender.Send(ctx, msg); err != nil {
			return sent, err
		}
		sent++
	}
	who := recipients
	if jids != nil {
		who = strings.Join(jids, ", ")
	}
	err := s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, a, "", "sent an announcement to "+who, body)
	})
	if err != nil && s.Log != nil {
		s.Log.Error("could not write an audit record", "error", err)
	}
	return sent, nil
}

// stanzaSender sends messages from the component (component.Link does).
type stanzaSender interface {
	Send(ctx context.Context, st component.Stanza) error
}

type announcementBody struct {
	XMLName xml.Name `xml:"body"`
	Body    string   `xml:",chardata"`
}
