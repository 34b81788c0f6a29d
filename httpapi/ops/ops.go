// Package ops holds the operations every REST dialect exposes, each written
// once: "create a user", "list sessions", "set an affiliation" know the XMPP
// side (the component link, ad-hoc commands, privileged IQs) and the store,
// and report failures as *fault.Error values. A dialect only translates its
// wire shapes, status codes and error bodies to and from these calls.
package ops

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// Service carries out the operations.
type Service struct {
	Link  *component.Link
	Adhoc *adhoc.Client
	Store *store.Store
	Log   *slog.Logger
	// Node names this instance in the audit log and clustering answers.
	Node string
	// MUC administers chat rooms; nil means one made from Link and Adhoc
	// on first use.
	MUC *muc.Client

	mucOnce   sync.Once
	groupMu   sync.Mutex // serializes group changes
	roomLocks roomLocks  // one per room being changed (muc_locks.go)
}

// UserJID turns a username (a localpart, or a bare JID of one of the
// configured hosts) into a bare JID, validating it with PRECIS. An empty
// host means the default host.
func (s *Service) UserJID(username, host string) (jid.JID, error) {
	if strings.TrimSpace(username) == "" {
		return jid.JID{}, fault.New(fault.BadRequest, "a username is required")
	}
	if host == "" {
		host = s.Link.DefaultHost().String()
	}
	if strings.Contains(username, "@") {
		j, err := jid.Parse(username)
		if err != nil || j.Resourcepart() != "" {
			return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid username or bare JID", username).About(username)
		}
		if !s.IsHost(j.Domainpart()) {
			return jid.JID{}, fault.New(fault.BadRequest, "%q is not on a host this service administers (%s)", username, s.hostList()).About(username)
		}
		return j, nil
	}
	j, err := jid.New(username, host, "")
	if err != nil {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid username: %v", username, err).About(username)
	}
	if !s.IsHost(j.Domainpart()) {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not a host this service administers (%s)", host, s.hostList())
	}
	return j, nil
}

// IsHost reports whether domain is one of the configured hosts.
func (s *Service) IsHost(domain string) bool {
	for _, h := range s.Link.Hosts() {
		if h.String() == domain {
			return true
		}
	}
	return false
}

func (s *Service) hostList() string {
	var hs []string
	for _, h := range s.Link.Hosts() {
		hs = append(hs, h.String())
	}
	return strings.Join(hs, ", ")
}

// audit writes an audit record in tx for a change made by actor.
func (s *Service) audit(ctx context.Context, tx *store.Tx, a Actor, username, summary, details string) error {
	return tx.Audit(ctx, store.AuditEntry{
		Actor: a.Name, Username: username, Summary: summary, Details: details,
		ClientAddress: a.ClientAddress, Node: s.Node, RequestID: a.RequestID,
	})
}
