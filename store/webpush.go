package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// VAPIDKey is the service's Web Push key pair; the private key is sealed
// by the caller.
type VAPIDKey struct {
	PublicKey        string
	PrivateKeySealed []byte
	CreatedAt        time.Time
}

// VAPIDKey returns the stored key pair, or ErrNotFound.
func (s *Store) VAPIDKey(ctx context.Context) (VAPIDKey, error) {
	var k VAPIDKey
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT public_key, private_key_sealed, created_at FROM webpush_vapid WHERE id = 1`).
		Scan(&k.PublicKey, &k.PrivateKeySealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotFound
	}
	k.CreatedAt = time.UnixMilli(created)
	return k, err
}

// PutVAPIDKeyOnce stores a key pair unless one is stored already, and
// returns the one stored.
func (s *Store) PutVAPIDKeyOnce(ctx context.Context, k VAPIDKey) (VAPIDKey, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO webpush_vapid (id, public_key, private_key_sealed, created_at) VALUES (1, ?, ?, ?)`,
		k.PublicKey, k.PrivateKeySealed, time.Now().UnixMilli()); err != nil {
		return VAPIDKey{}, err
	}
	return s.VAPIDKey(ctx)
}

// PushSubscription is a browser's Web Push subscription of a user.
type PushSubscription struct {
	JID, Resource string
	Endpoint      string
	P256dh, Auth  string // base64url keys of the browser
	CreatedAt     time.Time
}

// PutPushSubscription stores (or replaces) the subscription of a user's
// resource.
func (s *Store) PutPushSubscription(ctx context.Context, p PushSubscription) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webpush_subscriptions (jid, resource, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (jid, resource) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at`,
		p.JID, p.Resource, p.Endpoint, p.P256dh, p.Auth, time.Now().UnixMilli())
	return err
}

// PushSubscriptions returns the subscriptions of a user.
func (s *Store) PushSubscriptions(ctx context.Context, jid string) ([]PushSubscription, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT jid, resource, endpoint, p256dh, auth, created_at FROM webpush_subscriptions WHERE jid = ? ORDER BY resource`, jid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PushSubscription
	for rows.Next() {
		var p PushSubscription
		var created int64
		if err := rows.Scan(&p.JID, &p.Resource, &p.Endpoint, &p.P256dh, &p.Auth, &created); err != nil {
			return nil, err
		}
		p.CreatedAt = time.UnixMilli(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PushSubscribers returns the users of a host (bare JIDs ending in
// "@"+host) with at least one subscription, sorted.
func (s *Store) PushSubscribers(ctx context.Context, host string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT jid FROM webpush_subscriptions WHERE substr(jid, -length(?) - 1) = ? ORDER BY jid`, host, "@"+host)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var j string
		if err := rows.Scan(&j); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// DeletePushSubscription deletes a subscription when it still has that
// endpoint (a push service said it is gone).
func (s *Store) DeletePushSubscription(ctx context.Context, jid, resource, endpoint string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM webpush_subscriptions WHERE jid = ? AND resource = ? AND endpoint = ?`, jid, resource, endpoint)
	return err
}

// DeletePushSubscriptions deletes every subscription of a user.
func (s *Store) DeletePushSubscriptions(ctx context.Context, jid string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM webpush_subscriptions WHERE jid = ?`, jid)
	return err
}
