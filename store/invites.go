package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// The kinds of invitation.
const (
	InviteAccount = "account" // create one account
	InviteGroup   = "group"   // create accounts, reusable, joining groups
	InviteReset   = "reset"   // set a new password of an existing account
)

// Invite is an invitation. Its secret is shown once, when created; the store
// keeps only its SHA-256.
type Invite struct {
	ID       string
	Kind     string // InviteAccount, InviteGroup or InviteReset
	Host     string
	Username string   // the fixed localpart, "" when the invitee chooses
	Groups   []string // groups an account made with it joins
	Note     string
	Inviter  string
	Source   string
	Created  time.Time
	Expires  time.Time // zero: until revoked
	Used     time.Time // zero: not used (single-use kinds)
	Uses     int
	Revoked  time.Time // zero: not revoked
}

// Reusable reports whether the invite may be used more than once.
func (i Invite) Reusable() bool { return i.Kind == InviteGroup }

// State says whether an invite can be redeemed at now.
func (i Invite) State(now time.Time) InviteState {
	switch {
	case !i.Revoked.IsZero():
		return InviteRevoked
	case !i.Used.IsZero():
		return InviteUsed
	case !i.Expires.IsZero() && !now.Before(i.Expires):
		return InviteExpired
	}
	return InviteValid
}

// InviteState is whether an invite can still be redeemed.
type InviteState string

// The states of an invite.
const (
	InviteValid   InviteState = "valid"
	InviteExpired InviteState = "expired"
	InviteUsed    InviteState = "used"
	InviteRevoked InviteState = "revoked"
)

const inviteColumns = `id, kind, host, username, groups, note, inviter, source, created_at, expires_at, used_at, uses, revoked_at`

func scanInvite(row interface{ Scan(...any) error }) (Invite, error) {
	var i Invite
	var groups string
	var created int64
	var expires, used, revoked sql.NullInt64
	err := row.Scan(&i.ID, &i.Kind, &i.Host, &i.Username, &groups, &i.Note, &i.Inviter, &i.Source, &created, &expires, &used, &i.Uses, &revoked)
	if err != nil {
		return Invite{}, err
	}
	if err := json.Unmarshal([]byte(groups), &i.Groups); err != nil {
		return Invite{}, err
	}
	i.Created = time.UnixMilli(created)
	i.Expires = fromMillis(expires)
	i.Used = fromMillis(used)
	i.Revoked = fromMillis(revoked)
	return i, nil
}

func fromMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64)
}

func toMillis(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// PutInvite records a new invite (ID, Kind, Host, Created set by the caller)
// whose secret is secret, in the transaction.
func (tx *Tx) PutInvite(ctx context.Context, i Invite, secret string) error {
	groups, err := json.Marshal(nonNil(i.Groups))
	if err != nil {
		return err
	}
	h := hashToken(secret)
	_, err = tx.ExecContext(ctx, `INSERT INTO invites (id, token_hash, kind, host, username, groups, note, inviter, source, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, h[:], i.Kind, i.Host, i.Username, string(groups), i.Note, i.Inviter, i.Source, i.Created.UnixMilli(), toMillis(i.Expires))
	return err
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// Invite returns the invite with the given ID (in any state), or
// ErrNotFound.
func (s *Store) Invite(ctx context.Context, id string) (Invite, error) {
	return oneInvite(s.db.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE id = ?`, id))
}

// InviteBySecret returns the invite whose link secret is secret (in any
// state), or ErrNotFound.
func (s *Store) InviteBySecret(ctx context.Context, secret string) (Invite, error) {
	h := hashToken(secret)
	return oneInvite(s.db.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE token_hash = ?`, h[:]))
}

func oneInvite(row *sql.Row) (Invite, error) {
	i, err := scanInvite(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Invite{}, ErrNotFound
	}
	return i, err
}

// PendingInvites lists the invites of the given hosts (all hosts when
// hosts is nil) that can still be redeemed at now, oldest first.
func (s *Store) PendingInvites(ctx context.Context, hosts []string, now time.Time) ([]Invite, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inviteColumns+` FROM invites
		WHERE revoked_at IS NULL AND used_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
		ORDER BY created_at, id`, now.UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Invite{}
	for rows.Next() {
		i, err := scanInvite(rows)
		if err != nil {
			return nil, err
		}
		if hosts == nil || slices.Contains(hosts, i.Host) {
			out = append(out, i)
		}
	}
	return out, rows.Err()
}

// RevokeInvite marks an invite revoked at now in the transaction; it
// returns ErrNotFound when there is no such invite or it was revoked
// already.
func (tx *Tx) RevokeInvite(ctx context.Context, id string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now.UnixMilli(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ClaimInvite takes one use of a valid invite at now: a single-use invite is
// marked used (so that no second request can redeem it meanwhile), a
// reusable one has its use counted. It returns ErrNotFound when the invite
// is no longer valid. ReleaseInvite gives the use back.
func (s *Store) ClaimInvite(ctx context.Context, id string, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE invites
		SET uses = uses + 1, used_at = CASE WHEN kind = 'group' THEN NULL ELSE ? END
		WHERE id = ? AND revoked_at IS NULL AND used_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
		now.UnixMilli(), id, now.UnixMilli())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReleaseInvite gives back a use taken by ClaimInvite whose redemption
// failed.
func (s *Store) ReleaseInvite(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE invites SET uses = MAX(uses - 1, 0), used_at = NULL WHERE id = ?`, id)
	return err
}
