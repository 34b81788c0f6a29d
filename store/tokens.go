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
	Host      string // the one virtual host it may act on; "" means every host
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	LastUsed  time.Time // zero: never used
}

// CreateToken makes a new random token and returns its secret value.
func (s *Store) CreateToken(ctx context.Context, name, scope, subject string, ttl time.Duration) (string, Token, error) {
	return s.IssueToken(ctx, Token{Name: name, Scope: scope, Subject: subject}, ttl)
}

// IssueToken makes a new random token with the name, scope, subject and
// host of spec, valid for ttl (0: until revoked), and returns its secret
// value.
func (s *Store) IssueToken(ctx context.Context, spec Token, ttl time.Duration) (string, Token, error) {
	secret, err := NewSecret()
	if err != nil {
		return "", Token{}, err
	}
	t := Token{Name: spec.Name, Scope: spec.Scope, Subject: spec.Subject, Host: spec.Host, CreatedAt: time.Now()}
	var expires sql.NullInt64
	if ttl > 0 {
		t.ExpiresAt = t.CreatedAt.Add(ttl)
		expires = sql.NullInt64{Int64: t.ExpiresAt.UnixMilli(), Valid: true}
	}
	h := hashToken(secret)
	res, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (name, token_hash, scope, subject, host, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.Name, h[:], t.Scope, t.Subject, t.Host, t.CreatedAt.UnixMilli(), expires)
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
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`, h[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, err
	}
	if !t.ExpiresAt.IsZero() && time.Now().After(t.ExpiresAt) {
		return Token{}, ErrNotFound
	}
	return t, nil
}

const tokenColumns = `id, name, scope, subject, host, created_at, expires_at, last_used_at`

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var created int64
	var expires, used sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Scope, &t.Subject, &t.Host, &created, &expires, &used); err != nil {
		return Token{}, err
	}
	t.CreatedAt = time.UnixMilli(created)
	if expires.Valid {
		t.ExpiresAt = time.UnixMilli(expires.Int64)
	}
	if used.Valid {
		t.LastUsed = time.UnixMilli(used.Int64)
	}
	return t, nil
}

// Tokens lists every token, expired ones included, by ID.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchToken records that the token was used at at. It is written at most
// once a minute per token, so that reads do not each cost a write.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, at.UnixMilli(), id, at.Add(-time.Minute).UnixMilli())
	return err
}

// NewSecret returns 256 random bits, base64url-encoded: the secret of a
// token or an invitation.
func NewSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
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
