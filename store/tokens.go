package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"
)

// Token is an API credential. Its secret value is shown once, when created;
// the store keeps only its SHA-256.
type Token struct {
	ID        int64
	Name      string
	Scope     string // which API it opens, e.g. "admin"
	Subject   string // whom it acts for, e.g. a bare JID
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
}

// CreateToken makes a new random token and returns its secret value.
func (s *Store) CreateToken(ctx context.Context, name, scope, subject string, ttl time.Duration) (string, Token, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	t := Token{Name: name, Scope: scope, Subject: subject, CreatedAt: time.Now()}
	var expires sql.NullInt64
	if ttl > 0 {
		t.ExpiresAt = t.CreatedAt.Add(ttl)
		expires = sql.NullInt64{Int64: t.ExpiresAt.UnixMilli(), Valid: true}
	}
	h := hashToken(secret)
	res, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (name, token_hash, scope, subject, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, name, h[:], scope, subject, t.CreatedAt.UnixMilli(), expires)
	if err != nil {
		return "", Token{}, err
	}
	t.ID, _ = res.LastInsertId()
	return secret, t, nil
}

// LookupToken returns the unexpired token whose secret value is secret, or
// ErrNotFound.
func (s *Store) LookupToken(ctx context.Context, secret string) (Token, error) {
	h := hashToken(secret)
	var t Token
	var created int64
	var expires sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, name, scope, subject, created_at, expires_at
		FROM api_tokens WHERE token_hash = ?`, h[:]).Scan(&t.ID, &t.Name, &t.Scope, &t.Subject, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, err
	}
	t.CreatedAt = time.UnixMilli(created)
	if expires.Valid {
		t.ExpiresAt = time.UnixMilli(expires.Int64)
		if time.Now().After(t.ExpiresAt) {
			return Token{}, ErrNotFound
		}
	}
	return t, nil
}

// RevokeToken deletes the token with the given ID.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func hashToken(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }
