package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"
)

// UserToken is a signed-in user's session token. Its secret value is shown
// once, when created; the store keeps only its SHA-256.
type UserToken struct {
	ID         int64
	JID        string // bare JID
	Method     string // how the user signed in: password, totp, webauthn
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
}

// tokenTouchEvery is how stale last_used_at may get before a use rewrites
// it: idle expiry is counted in minutes, not per request.
const tokenTouchEvery = 30 * time.Second

// CreateUserToken makes a new random token (256 bits) for jid, valid for at
// most maxAge, and returns its secret value.
func (s *Store) CreateUserToken(ctx context.Context, jid, method string, maxAge time.Duration) (string, UserToken, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", UserToken{}, err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	now := time.Now()
	t := UserToken{JID: jid, Method: method, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(maxAge)}
	h := hashToken(secret)
	res, err := s.db.ExecContext(ctx, `INSERT INTO user_tokens (token_hash, jid, method, created_at, last_used_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, h[:], jid, method, now.UnixMilli(), now.UnixMilli(), t.ExpiresAt.UnixMilli())
	if err != nil {
		return "", UserToken{}, err
	}
	t.ID, _ = res.LastInsertId()
	return secret, t, nil
}

// UseUserToken returns the token whose secret value is secret and records
// its use, or ErrNotFound when there is none, or it has expired (unused for
// longer than idle, or past its absolute expiry; it is then deleted).
func (s *Store) UseUserToken(ctx context.Context, secret string, idle time.Duration) (UserToken, error) {
	h := hashToken(secret)
	var t UserToken
	var created, used, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT id, jid, method, created_at, last_used_at, expires_at
		FROM user_tokens WHERE token_hash = ?`, h[:]).Scan(&t.ID, &t.JID, &t.Method, &created, &used, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return UserToken{}, ErrNotFound
	}
	if err != nil {
		return UserToken{}, err
	}
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt = time.UnixMilli(created), time.UnixMilli(used), time.UnixMilli(expires)
	now := time.Now()
	if now.After(t.ExpiresAt) || now.Sub(t.LastUsedAt) > idle {
		s.db.ExecContext(ctx, `DELETE FROM user_tokens WHERE id = ?`, t.ID)
		return UserToken{}, ErrNotFound
	}
	if now.Sub(t.LastUsedAt) > tokenTouchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE user_tokens SET last_used_at = ? WHERE id = ?`, now.UnixMilli(), t.ID); err != nil {
			return UserToken{}, err
		}
		t.LastUsedAt = now
	}
	return t, nil
}

// RevokeUserToken deletes one token.
func (s *Store) RevokeUserToken(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM user_tokens WHERE id = ?`, id)
	return err
}

// RevokeUserTokens deletes every token of jid.
func (s *Store) RevokeUserTokens(ctx context.Context, jid string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM user_tokens WHERE jid = ?`, jid)
	return err
}

// LiveUserTokens counts the tokens of jid that have not expired.
func (s *Store) LiveUserTokens(ctx context.Context, jid string, idle time.Duration) (int, error) {
	now := time.Now()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM user_tokens
		WHERE jid = ? AND expires_at > ? AND last_used_at > ?`,
		jid, now.UnixMilli(), now.Add(-idle).UnixMilli()).Scan(&n)
	return n, err
}

// DeleteExpiredUserTokens deletes every expired token.
func (s *Store) DeleteExpiredUserTokens(ctx context.Context, idle time.Duration) error {
	now := time.Now()
	_, err := s.db.ExecContext(ctx, `DELETE FROM user_tokens WHERE expires_at <= ? OR last_used_at <= ?`,
		now.UnixMilli(), now.Add(-idle).UnixMilli())
	return err
}

// PutTOTP stores the (sealed) TOTP secret of jid, replacing any earlier one.
func (s *Store) PutTOTP(ctx context.Context, jid string, sealed []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO user_totp (jid, secret, last_step, created_at) VALUES (?, ?, 0, ?)
		ON CONFLICT (jid) DO UPDATE SET secret = excluded.secret, last_step = 0, created_at = excluded.created_at`,
		jid, sealed, time.Now().UnixMilli())
	return err
}

// TOTP returns the sealed TOTP secret of jid, or ErrNotFound.
func (s *Store) TOTP(ctx context.Context, jid string) ([]byte, error) {
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT secret FROM user_totp WHERE jid = ?`, jid).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return sealed, err
}

// AcceptTOTPStep records step as the last accepted time step of jid, and
// reports false when it is not later than the last one (the code was used).
func (s *Store) AcceptTOTPStep(ctx context.Context, jid string, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE user_totp SET last_step = ? WHERE jid = ? AND last_step < ?`, step, jid, step)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteTOTP removes the TOTP secret of jid.
func (s *Store) DeleteTOTP(ctx context.Context, jid string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM user_totp WHERE jid = ?`, jid)
	return err
}

// PutSealedCredential stores the sealed XMPP credential of jid.
func (s *Store) PutSealedCredential(ctx context.Context, jid string, sealed []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO user_credentials (jid, sealed, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (jid) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
		jid, sealed, time.Now().UnixMilli())
	return err
}

// SealedCredential returns the sealed XMPP credential of jid, or
// ErrNotFound.
func (s *Store) SealedCredential(ctx context.Context, jid string) ([]byte, error) {
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT sealed FROM user_credentials WHERE jid = ?`, jid).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return sealed, err
}

// DeleteSealedCredential deletes the sealed XMPP credential of jid.
func (s *Store) DeleteSealedCredential(ctx context.Context, jid string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM user_credentials WHERE jid = ?`, jid)
	return err
}

// WebAuthnCredential is a registered authenticator of a user.
type WebAuthnCredential struct {
	ID         []byte
	JID        string
	Credential []byte // JSON
	SignCount  uint32
}

// AddWebAuthnCredential stores a new credential of jid.
func (s *Store) AddWebAuthnCredential(ctx context.Context, c WebAuthnCredential) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webauthn_credentials (id, jid, credential, sign_count, created_at)
		VALUES (?, ?, ?, ?, ?)`, c.ID, c.JID, string(c.Credential), c.SignCount, time.Now().UnixMilli())
	return err
}

// WebAuthnCredentials returns the credentials of jid.
func (s *Store) WebAuthnCredentials(ctx context.Context, jid string) ([]WebAuthnCredential, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, credential, sign_count FROM webauthn_credentials WHERE jid = ? ORDER BY created_at`, jid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebAuthnCredential
	for rows.Next() {
		c := WebAuthnCredential{JID: jid}
		var cred string
		if err := rows.Scan(&c.ID, &cred, &c.SignCount); err != nil {
			return nil, err
		}
		c.Credential = []byte(cred)
		out = append(out, c)
	}
	return out, rows.Err()
}

// UseWebAuthnCredential records a successful assertion: the credential's new
// state and sign counter. It reports false when the counter did not grow
// past the stored one (unless both are 0: authenticators without a
// counter), which means the assertion was replayed or the authenticator
// cloned.
func (s *Store) UseWebAuthnCredential(ctx context.Context, c WebAuthnCredential) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE webauthn_credentials SET credential = ?, sign_count = ?, last_used_at = ?
		WHERE id = ? AND jid = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))`,
		string(c.Credential), c.SignCount, time.Now().UnixMilli(), c.ID, c.JID, c.SignCount, c.SignCount)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteWebAuthnCredentials deletes every credential of jid.
func (s *Store) DeleteWebAuthnCredentials(ctx context.Context, jid string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM webauthn_credentials WHERE jid = ?`, jid)
	return err
}

// PutWebAuthnChallenge stores the state of a ceremony of jid in progress
// (one per purpose: a new one replaces the old).
func (s *Store) PutWebAuthnChallenge(ctx context.Context, jid, purpose string, session []byte, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webauthn_challenges (jid, purpose, session, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (jid, purpose) DO UPDATE SET session = excluded.session, expires_at = excluded.expires_at`,
		jid, purpose, string(session), expires.UnixMilli())
	return err
}

// TakeWebAuthnChallenge returns and deletes the ceremony state of jid for
// purpose: a challenge is answered once. ErrNotFound when there is none or
// it has expired.
func (s *Store) TakeWebAuthnChallenge(ctx context.Context, jid, purpose string) ([]byte, error) {
	var session string
	var expires int64
	err := s.db.QueryRowContext(ctx, `DELETE FROM webauthn_challenges WHERE jid = ? AND purpose = ? RETURNING session, expires_at`,
		jid, purpose).Scan(&session, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if time.Now().After(time.UnixMilli(expires)) {
		return nil, ErrNotFound
	}
	return []byte(session), nil
}

// ForgetUserSignIn deletes everything the store holds for signing jid in:
// tokens, TOTP secret, sealed credential, WebAuthn credentials and
// challenges.
func (s *Store) ForgetUserSignIn(ctx context.Context, jid string) error {
	return s.Update(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`DELETE FROM user_tokens WHERE jid = ?`,
			`DELETE FROM user_totp WHERE jid = ?`,
			`DELETE FROM user_credentials WHERE jid = ?`,
			`DELETE FROM webauthn_credentials WHERE jid = ?`,
			`DELETE FROM webauthn_challenges WHERE jid = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, jid); err != nil {
				return err
			}
		}
		return nil
	})
}
