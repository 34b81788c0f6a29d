package ops

import (
	"context"
	"strings"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// Broadcast sends a message to every online user of host (announce), or
// of every configured host when host is "" (the actor must administer them
// all then).
func (s *Service) Broadcast(ctx context.Context, a Actor, host, subject, body string) error {
	hosts := s.Link.Hosts()
	if host != "" {
		h, err := s.administeredHost(a, host)
		if err != nil {
			return err
		}
		hosts = []jid.JID{jid.MustParse(h)}
	} else if err := s.mayAdministerAll(a); err != nil {
		return err
	}
	if strings.TrimSpace(body) == "" {
		return fault.New(fault.BadRequest, "the message has no body")
	}
	for _, h := range hosts {
		if err := s.Adhoc.Announce(ctx, h, subject, body); err != nil {
			return err
		}
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.auditOn(ctx, tx, a, host, "", "broadcast a message to all online users", body)
	})
}
