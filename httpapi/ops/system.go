package ops

import (
	"context"
	"time"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// started is when this instance started, for the clustering answers.
var started = time.Now()

// Started returns when this instance started.
func (s *Service) Started() time.Time { return started }

// LinkReady is nil while the XMPP link is up.
func (s *Service) LinkReady() error {
	if !s.Link.Up() {
		return component.ErrNotConnected
	}
	return nil
}

// StoreReady is nil while the database answers.
func (s *Service) StoreReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		return fault.Wrap(fault.Unavailable, err, "the database does not answer")
	}
	return nil
}
