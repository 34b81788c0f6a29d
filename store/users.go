package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"
)

// KeyValue is one property.
type KeyValue struct {
	Key   string
	Value string
}

// UserMeta is what the component owns about a user: the account lives on
// the XMPP server, these fields here.
type UserMeta struct {
	JID        string // bare JID
	Name       string
	Email      string
	Properties []KeyValue // sorted by key
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// UserMeta returns the metadata of one user, or ErrNotFound.
func (s *Store) UserMeta(ctx context.Context, jid string) (UserMeta, error) {
	m, err := s.userMetas(ctx, s.db, "WHERE jid = ?", jid)
	if err != nil {
		return UserMeta{}, err
	}
	if len(m) == 0 {
		return UserMeta{}, ErrNotFound
	}
	return m[jid], nil
}

// UserMetas returns the metadata of every user that has some, by bare JID.
func (s *Store) UserMetas(ctx context.Context) (map[string]UserMeta, error) {
	return s.userMetas(ctx, s.db, "")
}

// UserMeta returns the metadata of one user as the transaction sees it, or
// ErrNotFound.
func (tx *Tx) UserMeta(ctx context.Context, jid string) (UserMeta, error) {
	m, err := queryUserMetas(ctx, tx, "WHERE jid = ?", jid)
	if err != nil {
		return UserMeta{}, err
	}
	if len(m) == 0 {
		return UserMeta{}, ErrNotFound
	}
	return m[jid], nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) userMetas(ctx context.Context, q querier, where string, args ...any) (map[string]UserMeta, error) {
	return queryUserMetas(ctx, q, where, args...)
}

func queryUserMetas(ctx context.Context, q querier, where string, args ...any) (map[string]UserMeta, error) {
	rows, err := q.QueryContext(ctx, "SELECT jid, name, email, created_at, updated_at FROM user_meta "+where, args...)
	if err != nil {
		return nil, err
	}
	out := map[string]UserMeta{}
	for rows.Next() {
		var m UserMeta
		var c, u int64
		if err := rows.Scan(&m.JID, &m.Name, &m.Email, &c, &u); err != nil {
			rows.Close()
			return nil, err
		}
		m.CreatedAt, m.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
		out[m.JID] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, "SELECT jid, key, value FROM user_properties "+where+" ORDER BY jid, key", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var jid string
		var kv KeyValue
		if err := rows.Scan(&jid, &kv.Key, &kv.Value); err != nil {
			return nil, err
		}
		if m, ok := out[jid]; ok {
			m.Properties = append(m.Properties, kv)
			out[jid] = m
		}
	}
	return out, rows.Err()
}

// PutUserMeta writes a user's metadata whole: name, email and exactly the
// given properties.
func (tx *Tx) PutUserMeta(ctx context.Context, m UserMeta) error {
	now := time.Now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO user_meta (jid, name, email, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (jid) DO UPDATE SET name = excluded.name, email = excluded.email, updated_at = excluded.updated_at`,
		m.JID, m.Name, m.Email, now, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM user_properties WHERE jid = ?", m.JID); err != nil {
		return err
	}
	props := append([]KeyValue(nil), m.Properties...)
	sort.Slice(props, func(i, j int) bool { return props[i].Key < props[j].Key })
	for _, p := range props {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_properties (jid, key, value) VALUES (?, ?, ?)
			ON CONFLICT (jid, key) DO UPDATE SET value = excluded.value`, m.JID, p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUserMeta removes a user's metadata and properties.
func (tx *Tx) DeleteUserMeta(ctx context.Context, jid string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM user_meta WHERE jid = ?", jid)
	return err
}

// SystemProperties returns every system property of host, sorted by key.
func (s *Store) SystemProperties(ctx context.Context, host string) ([]KeyValue, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT key, value FROM system_properties WHERE host = ? ORDER BY key", host)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []KeyValue{}
	for rows.Next() {
		var kv KeyValue
		if err := rows.Scan(&kv.Key, &kv.Value); err != nil {
			return nil, err
		}
		out = append(out, kv)
	}
	return out, rows.Err()
}

// SystemProperty returns one system property's value, or ErrNotFound.
func (s *Store) SystemProperty(ctx context.Context, host, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM system_properties WHERE host = ? AND key = ?", host, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// SystemPropertyExists reports whether the transaction sees the property.
func (tx *Tx) SystemPropertyExists(ctx context.Context, host, key string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM system_properties WHERE host = ? AND key = ?", host, key).Scan(&n)
	return n > 0, err
}

// PutSystemProperty creates or overwrites a system property of host.
func (tx *Tx) PutSystemProperty(ctx context.Context, host, key, value string) error {
	if host == "" {
		return errors.New("store: a system property needs a host")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO system_properties (host, key, value, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (host, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		host, key, value, time.Now().UnixMilli())
	return err
}

// DeleteSystemProperty removes a system property of host; it reports
// whether there was one.
func (tx *Tx) DeleteSystemProperty(ctx context.Context, host, key string) (bool, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM system_properties WHERE host = ? AND key = ?", host, key)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
