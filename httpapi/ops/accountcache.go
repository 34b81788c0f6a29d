package ops

import (
	"context"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
)

// accountCacheLimit bounds the accounts an accountCache remembers; past it
// the cache starts again empty.
const accountCacheLimit = 100_000

// accountCache remembers, for a bounded time, the accounts the server said
// exist, so that reads (GET /users/{u}, a user's groups) need not ask again.
// Only existence is remembered, never absence: an account made outside
// xmpprest is seen at once. An account deleted outside xmpprest may still be
// taken as existing for up to the time to live; one deleted or renamed
// through xmpprest is forgotten at once.
type accountCache struct {
	mu   sync.Mutex
	seen map[string]accountSeen // by bare JID
}

type accountSeen struct {
	at   time.Time // when the server was asked, or when it was deleted
	gone bool      // deleted through xmpprest at
}

func (c *accountCache) fresh(j jid.JID, ttl time.Duration, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.seen[j.String()]
	return ok && !e.gone && now.Sub(e.at) < ttl
}

// remember notes that the server, asked at asked, said j exists; an answer
// asked before j was last forgotten is ignored (the deletion may have
// happened after it).
func (c *accountCache) remember(j jid.JID, asked time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.seen[j.String()]; ok && e.gone && !asked.After(e.at) {
		return
	}
	if c.seen == nil || len(c.seen) >= accountCacheLimit {
		c.seen = map[string]accountSeen{}
	}
	c.seen[j.String()] = accountSeen{at: asked}
}

// forget drops j; its deletion calls it before and after the server's.
func (c *accountCache) forget(j jid.JID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil || len(c.seen) >= accountCacheLimit {
		c.seen = map[string]accountSeen{}
	}
	c.seen[j.String()] = accountSeen{at: time.Now(), gone: true}
}

// deleteUser runs the server's delete-user with the cache forgetting j
// around it.
func (s *Service) deleteUser(ctx context.Context, j jid.JID) error {
	s.accounts.forget(j)
	defer s.accounts.forget(j)
	return s.Adhoc.DeleteUser(ctx, j)
}

// mayExist is mustExist for reads: with AccountCacheTTL set, an account the
// server said exists less than that long ago is not asked about again.
func (s *Service) mayExist(ctx context.Context, j jid.JID, username string) error {
	if s.AccountCacheTTL <= 0 {
		return s.mustExist(ctx, j, username)
	}
	if s.accounts.fresh(j, s.AccountCacheTTL, time.Now()) {
		return nil
	}
	asked := time.Now()
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	s.accounts.remember(j, asked)
	return nil
}
