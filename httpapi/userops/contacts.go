package userops

import (
	"context"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
)

// knownTTL is how long an account found to exist is remembered.
const knownTTL = 10 * time.Minute

// knownAccounts remembers accounts of the administered hosts found to
// exist, so that chatting with someone costs one existence check, not one
// per message.
type knownAccounts struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (k *knownAccounts) has(j string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.seen[j]
	return ok && time.Since(t) < knownTTL
}

func (k *knownAccounts) add(j string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.seen == nil || len(k.seen) > 100000 {
		k.seen = map[string]time.Time{}
	}
	k.seen[j] = time.Now()
}

// mustExist returns a fault.NotFound when contact is an account of a host
// this service administers that does not exist. Contacts on other domains,
// rooms and the caller's own roster are taken as they are.
func (s *Service) mustExist(ctx context.Context, c Caller, contact jid.JID) error {
	bare := contact.Bare()
	if contact.Localpart() == "" || !s.Ops.IsHost(bare.Domainpart()) || bare.Equal(c.Actor.User) || s.known.has(bare.String()) {
		return nil
	}
	if _, ok := c.Session.RosterItem(bare); ok {
		return nil
	}
	// The existence of an account on the user's own service is not a
	// secret (it can be messaged); the check needs an administrator's
	// command.
	if _, err := s.Ops.GetUser(ctx, c.selfServiceOn(bare.Domainpart()), bare.String()); err != nil {
		return err
	}
	s.known.add(bare.String())
	return nil
}
