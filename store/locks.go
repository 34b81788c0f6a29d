package store

import (
	"context"
	"time"
)

// SetLocked records that the account jid (bare) is locked out, or no longer
// is.
func (tx *Tx) SetLocked(ctx context.Context, jid string, locked bool, at time.Time) error {
	if !locked {
		_, err := tx.ExecContext(ctx, `DELETE FROM account_locks WHERE jid = ?`, jid)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO account_locks (jid, locked_at) VALUES (?, ?)
		ON CONFLICT (jid) DO UPDATE SET locked_at = excluded.locked_at`, jid, at.UnixMilli())
	return err
}

// Locked returns the bare JIDs of the accounts locked out through the
// component.
func (s *Store) Locked(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT jid FROM account_locks`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var j string
		if err := rows.Scan(&j); err != nil {
			return nil, err
		}
		out[j] = true
	}
	return out, rows.Err()
}

// IsLocked reports whether the account jid was locked out through the
// component.
func (s *Store) IsLocked(ctx context.Context, jid string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_locks WHERE jid = ?`, jid).Scan(&n)
	return n > 0, err
}
