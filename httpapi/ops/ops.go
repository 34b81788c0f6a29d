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
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/store"
)

// Link is what the operations use of the component's link to the XMPP
// server (a *component.Link; a fake in tests).
type Link interface {
	Domain() jid.JID
	Hosts() []jid.JID
	DefaultHost() jid.JID
	Timeout() time.Duration
	Up() bool
	Capabilities() *component.Capabilities
	RosterGet(ctx context.Context, user jid.JID) ([]component.RosterItem, error)
	RosterSet(ctx context.Context, user jid.JID, item component.RosterItem) error
	PrivilegedIQ(ctx context.Context, user jid.JID, typ stanza.IQType, ns string, payload, result any) error
}

// Commands is what the operations use of the XEP-0133 commands (an
// *adhoc.Client; a fake in tests).
type Commands interface {
	Offers(host, node string) (offered, known bool)
	Execute(ctx context.Context, req adhoc.Request) (*adhoc.Command, error)
	AddUser(ctx context.Context, u adhoc.NewUser) error
	DeleteUser(ctx context.Context, user jid.JID) error
	ChangePassword(ctx context.Context, user jid.JID, password string) error
	UserExists(ctx context.Context, user jid.JID) (bool, error)
	EndSessions(ctx context.Context, user jid.JID) error
	DisableUser(ctx context.Context, user jid.JID) error
	ReenableUser(ctx context.Context, user jid.JID) error
	RegisteredUsers(ctx context.Context, host jid.JID) ([]string, error)
	UserStats(ctx context.Context, user jid.JID) (adhoc.UserStats, error)
	UserRoster(ctx context.Context, user jid.JID) ([]adhoc.RosterItem, error)
	Announce(ctx context.Context, host jid.JID, subject, body string) error
}

// Service carries out the operations.
type Service struct {
	Link  Link
	Adhoc Commands
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

// newMUC makes the chat-room client from the link and the ad-hoc client
// (the real ones; tests set MUC to a client of an in-memory chat service,
// see package muctest).
func (s *Service) newMUC() *muc.Client {
	l, _ := s.Link.(*component.Link)
	ad, _ := s.Adhoc.(*adhoc.Client)
	return muc.New(l, ad)
}

// host returns the host named, or the default host for "": a fault.BadRequest
// when it is not one this service administers.
func (s *Service) host(name string) (string, error) {
	if name == "" {
		return s.Link.DefaultHost().String(), nil
	}
	h, err := jid.Parse(name)
	if err != nil || h.Localpart() != "" || h.Resourcepart() != "" || !s.IsHost(h.String()) {
		return "", fault.New(fault.BadRequest, "%q is not a host this service administers (%s)", name, s.hostList()).About(name)
	}
	return h.String(), nil
}

// administeredHost returns the host named ("" for the default) when a may
// administer it.
func (s *Service) administeredHost(a Actor, name string) (string, error) {
	host, err := s.host(name)
	if err != nil {
		return "", err
	}
	if err := a.MayAdminister(host); err != nil {
		return "", err
	}
	return host, nil
}

// mayAdministerAll returns nil when a may administer every host this
// service administers.
func (s *Service) mayAdministerAll(a Actor) error {
	for _, h := range s.Link.Hosts() {
		if err := a.MayAdminister(h.String()); err != nil {
			return err
		}
	}
	return nil
}

// userOf resolves username (see UserJID) when a may act on that account.
func (s *Service) userOf(a Actor, username string) (jid.JID, error) {
	j, err := s.UserJID(username, "")
	if err != nil {
		return jid.JID{}, err
	}
	if err := a.MayActOn(j); err != nil {
		return jid.JID{}, err
	}
	return j, nil
}

// administeredUser resolves username (see UserJID) when a may administer
// its host: creating, deleting and locking out accounts is an
// administrator's business, not the user's own.
func (s *Service) administeredUser(a Actor, username string) (jid.JID, error) {
	j, err := s.UserJID(username, "")
	if err != nil {
		return jid.JID{}, err
	}
	if err := a.MayAdminister(j.Domainpart()); err != nil {
		return jid.JID{}, err
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

// audit writes an audit record in tx for a change made by actor that
// concerns no host in particular.
func (s *Service) audit(ctx context.Context, tx *store.Tx, a Actor, username, summary, details string) error {
	return s.auditOn(ctx, tx, a, "", username, summary, details)
}

// auditOn writes an audit record in tx for a change made by actor on host.
func (s *Service) auditOn(ctx context.Context, tx *store.Tx, a Actor, host, username, summary, details string) error {
	return tx.Audit(ctx, store.AuditEntry{
		Actor: a.Name, Host: host, Username: username, Summary: summary, Details: details,
		ClientAddress: a.ClientAddress, Node: s.Node, RequestID: a.RequestID,
	})
}
