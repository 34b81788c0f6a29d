package ops

import (
	"context"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// Broadcast sends a message to every online user of every configured host
// (announce).
func (s *Service) Broadcast(ctx context.Context, a Actor, subject, body string) error {
	if strings.TrimSpace(body) == "" {
		return fault.New(fault.BadRequest, "the message has no body")
	}
	for _, h := range s.Link.Hosts() {
		if err := s.Adhoc.Announce(ctx, h, subject, body); err != nil {
			return err
		}
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, a, "", "broadcast a message to all online users", body)
	})
}
