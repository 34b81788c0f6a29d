package store

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Bookmark is a bookmark the component owns: a group-chat room or a URL
// for everyone (Global), for Users, or for the members of Groups.
type Bookmark struct {
	ID         int64
	Type       string // group_chat, url
	Name       string
	Value      string // the room's JID or the URL
	Global     bool
	Users      []string // bare JIDs, sorted
	Groups     []string // group names, sorted
	Properties map[string]string
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The kinds of bookmark targets.
const (
	bookmarkUser  = "user"
	bookmarkGroup = "group"
)

// CreateBookmark stores a new bookmark and returns its ID.
func (s *Store) CreateBookmark(ctx context.Context, b Bookmark) (int64, error) {
	var id int64
	err := s.Update(ctx, func(tx *Tx) error {
		now := time.Now().UnixMilli()
		res, err := tx.ExecContext(ctx, `INSERT INTO bookmarks (type, name, value, global, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, b.Type, b.Name, b.Value, b.Global, b.CreatedBy, now, now)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return writeBookmarkParts(ctx, tx, id, b)
	})
	return id, err
}

// UpdateBookmark replaces a bookmark's type, name, value, targets and
// properties; ErrNotFound when there is none.
func (s *Store) UpdateBookmark(ctx context.Context, b Bookmark) error {
	return s.Update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bookmarks SET type = ?, name = ?, value = ?, global = ?, updated_at = ? WHERE id = ?`,
			b.Type, b.Name, b.Value, b.Global, time.Now().UnixMilli(), b.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		for _, t := range []string{"bookmark_targets", "bookmark_properties"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t+" WHERE bookmark_id = ?", b.ID); err != nil {
				return err
			}
		}
		return writeBookmarkParts(ctx, tx, b.ID, b)
	})
}

func writeBookmarkParts(ctx context.Context, tx *Tx, id int64, b Bookmark) error {
	for kind, names := range map[string][]string{bookmarkUser: b.Users, bookmarkGroup: b.Groups} {
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO bookmark_targets (bookmark_id, kind, name) VALUES (?, ?, ?)`, id, kind, n); err != nil {
				return err
			}
		}
	}
	for k, v := range b.Properties {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bookmark_properties (bookmark_id, name, value) VALUES (?, ?, ?)`, id, k, v); err != nil {
			return err
		}
	}
	return nil
}

// DeleteBookmark deletes a bookmark; ErrNotFound when there is none.
func (s *Store) DeleteBookmark(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bookmarks WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetBookmarkProperty sets (value not nil) or deletes a property;
// ErrNotFound when the bookmark, or the property to delete, does not exist.
func (s *Store) SetBookmarkProperty(ctx context.Context, id int64, name string, value *string) error {
	return s.Update(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bookmarks SET updated_at = ? WHERE id = ?`, time.Now().UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if value != nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO bookmark_properties (bookmark_id, name, value) VALUES (?, ?, ?)
				ON CONFLICT (bookmark_id, name) DO UPDATE SET value = excluded.value`, id, name, *value)
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM bookmark_properties WHERE bookmark_id = ? AND name = ?`, id, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// Bookmark returns one bookmark, or ErrNotFound.
func (s *Store) Bookmark(ctx context.Context, id int64) (Bookmark, error) {
	bs, err := s.queryBookmarks(ctx, `SELECT id, type, name, value, global, created_by, created_at, updated_at FROM bookmarks WHERE id = ?`, id)
	if err != nil {
		return Bookmark{}, err
	}
	if len(bs) == 0 {
		return Bookmark{}, ErrNotFound
	}
	return bs[0], nil
}

// BookmarksFor returns the bookmarks that apply to a user (bare JID) who
// is in groups: the global ones, theirs, and their groups', by ID.
func (s *Store) BookmarksFor(ctx context.Context, jid string, groups []string) ([]Bookmark, error) {
	args := []any{jid}
	in := ""
	if len(groups) > 0 {
		in = " OR (t.kind = 'group' AND t.name IN (?" + strings.Repeat(", ?", len(groups)-1) + "))"
		for _, g := range groups {
			args = append(args, g)
		}
	}
	return s.queryBookmarks(ctx, `SELECT id, type, name, value, global, created_by, created_at, updated_at FROM bookmarks b
		WHERE b.global = 1 OR EXISTS (SELECT 1 FROM bookmark_targets t WHERE t.bookmark_id = b.id
			AND ((t.kind = 'user' AND t.name = ?)`+in+`)) ORDER BY id`, args...)
}

func (s *Store) queryBookmarks(ctx context.Context, query string, args ...any) ([]Bookmark, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []Bookmark
	for rows.Next() {
		var b Bookmark
		var created, updated int64
		if err := rows.Scan(&b.ID, &b.Type, &b.Name, &b.Value, &b.Global, &b.CreatedBy, &created, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		b.CreatedAt, b.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
		b.Users, b.Groups, b.Properties = []string{}, []string{}, map[string]string{}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.bookmarkParts(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) bookmarkParts(ctx context.Context, b *Bookmark) error {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, name FROM bookmark_targets WHERE bookmark_id = ?`, b.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var kind, name string
		if err := rows.Scan(&kind, &name); err != nil {
			rows.Close()
			return err
		}
		if kind == bookmarkUser {
			b.Users = append(b.Users, name)
		} else {
			b.Groups = append(b.Groups, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Strings(b.Users)
	sort.Strings(b.Groups)
	rows, err = s.db.QueryContext(ctx, `SELECT name, value FROM bookmark_properties WHERE bookmark_id = ?`, b.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		b.Properties[k] = v
	}
	return rows.Err()
}
