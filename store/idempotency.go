package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// IdempotentAnswer is the first answer to a write sent with an
// Idempotency-Key.
type IdempotentAnswer struct {
	Scope       string // a hash of the caller's credentials
	Key         string
	Fingerprint string // a hash of the method, path and body
	Status      int
	Header      http.Header
	Body        []byte
	Created     time.Time
}

// IdempotentAnswer returns the answer kept for scope and key, created after
// since; ErrNotFound when there is none.
func (s *Store) IdempotentAnswer(ctx context.Context, scope, key string, since time.Time) (IdempotentAnswer, error) {
	a := IdempotentAnswer{Scope: scope, Key: key}
	var header string
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT fingerprint, status, header, body, created_at FROM idempotency_keys
		WHERE scope = ? AND key = ? AND created_at >= ?`, scope, key, since.UnixMilli()).
		Scan(&a.Fingerprint, &a.Status, &header, &a.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	a.Created = time.UnixMilli(created)
	if err := json.Unmarshal([]byte(header), &a.Header); err != nil {
		return a, err
	}
	return a, nil
}

// PutIdempotentAnswer keeps a (replacing an expired answer under the same
// key).
func (s *Store) PutIdempotentAnswer(ctx context.Context, a IdempotentAnswer) error {
	header, err := json.Marshal(a.Header)
	if err != nil {
		return err
	}
	if a.Body == nil {
		a.Body = []byte{}
	}
	_, err = s.db.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency_keys
		(scope, key, fingerprint, status, header, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.Scope, a.Key, a.Fingerprint, a.Status, string(header), a.Body, a.Created.UnixMilli())
	return err
}

// PurgeIdempotentAnswers forgets the answers created before before and
// returns how many.
func (s *Store) PurgeIdempotentAnswers(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, before.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
