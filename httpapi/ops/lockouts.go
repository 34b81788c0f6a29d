package ops

import (
	"context"
	"time"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// LockOut disables an account (disable-user) and ends its sessions. A
// server that does not offer disable-user is a fault.NotSupported naming
// the command; nothing is changed then.
func (s *Service) LockOut(ctx context.Context, a Actor, username string) error {
	j, err := s.administeredUser(a, username)
	if err != nil {
		return err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	if err := s.Adhoc.DisableUser(ctx, j); err != nil {
		return err
	}
	// Some implementations of disable-user leave open sessions alone.
	ended := "and ended its sessions"
	if err := s.Adhoc.EndSessions(ctx, j); err != nil && !fault.Is(err, fault.NotFound) {
		ended = "but could not end its sessions: " + fault.Message(err)
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetLocked(ctx, j.String(), true, time.Now()); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), "locked out user "+j.String(), ended)
	})
}

// Unlock lifts a lockout (reenable-user).
func (s *Service) Unlock(ctx context.Context, a Actor, username string) error {
	j, err := s.administeredUser(a, username)
	if err != nil {
		return err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	if err := s.Adhoc.ReenableUser(ctx, j); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetLocked(ctx, j.String(), false, time.Now()); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), "unlocked user "+j.String(), "")
	})
}
