package store

import (
	"context"
	"database/sql"
	"sort"
	"time"
)

// Group is a user group the component owns.
type Group struct {
	Name        string
	Description string
	// Shared groups are written into their members' rosters.
	Shared bool
	// Members and Admins are bare JIDs, sorted; a JID is in one list only.
	Members   []string
	Admins    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Everyone returns the admins and members, sorted.
func (g Group) Everyone() []string {
	all := append(append([]string(nil), g.Admins...), g.Members...)
	sort.Strings(all)
	return all
}

type groupQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Groups returns every group with its members, sorted by name.
func (s *Store) Groups(ctx context.Context) ([]Group, error) {
	return queryGroups(ctx, s.db, "", nil)
}

// Group returns one group, or ErrNotFound.
func (s *Store) Group(ctx context.Context, name string) (Group, error) {
	return oneGroup(ctx, s.db, name)
}

// Group returns one group as the transaction sees it, or ErrNotFound.
func (tx *Tx) Group(ctx context.Context, name string) (Group, error) {
	return oneGroup(ctx, tx, name)
}

// GroupsOf returns the names of the groups jid is a member or admin of,
// sorted.
func (s *Store) GroupsOf(ctx context.Context, jid string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT group_name FROM user_group_members WHERE jid = ? ORDER BY group_name", jid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func oneGroup(ctx context.Context, q groupQuerier, name string) (Group, error) {
	gs, err := queryGroups(ctx, q, "WHERE name = ?", []any{name})
	if err != nil {
		return Group{}, err
	}
	if len(gs) == 0 {
		return Group{}, ErrNotFound
	}
	return gs[0], nil
}

func queryGroups(ctx context.Context, q groupQuerier, where string, args []any) ([]Group, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, description, shared, created_at, updated_at FROM user_groups "+where+" ORDER BY name", args...)
	if err != nil {
		return nil, err
	}
	var out []Group
	index := map[string]int{}
	for rows.Next() {
		var g Group
		var c, u int64
		if err := rows.Scan(&g.Name, &g.Description, &g.Shared, &c, &u); err != nil {
			rows.Close()
			return nil, err
		}
		g.CreatedAt, g.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
		g.Members, g.Admins = []string{}, []string{}
		index[g.Name] = len(out)
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	memberWhere := ""
	if where != "" {
		memberWhere = "WHERE group_name = ?"
	}
	rows, err = q.QueryContext(ctx, "SELECT group_name, jid, admin FROM user_group_members "+memberWhere+" ORDER BY group_name, jid", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, jid string
		var admin bool
		if err := rows.Scan(&name, &jid, &admin); err != nil {
			return nil, err
		}
		i, ok := index[name]
		if !ok {
			continue
		}
		if admin {
			out[i].Admins = append(out[i].Admins, jid)
		} else {
			out[i].Members = append(out[i].Members, jid)
		}
	}
	return out, rows.Err()
}

// PutGroup writes a group whole (creating it or replacing its description,
// sharing and members). A JID in both lists is an admin.
func (tx *Tx) PutGroup(ctx context.Context, g Group) error {
	now := time.Now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO user_groups (name, description, shared, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET description = excluded.description, shared = excluded.shared, updated_at = excluded.updated_at`,
		g.Name, g.Description, g.Shared, now, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM user_group_members WHERE group_name = ?", g.Name); err != nil {
		return err
	}
	for _, list := range []struct {
		jids  []string
		admin bool
	}{{g.Members, false}, {g.Admins, true}} {
		for _, j := range list.jids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_group_members (group_name, jid, admin) VALUES (?, ?, ?)
				ON CONFLICT (group_name, jid) DO UPDATE SET admin = excluded.admin`, g.Name, j, list.admin); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteGroup removes a group and its memberships; it reports whether the
// group existed.
func (tx *Tx) DeleteGroup(ctx context.Context, name string) (bool, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM user_groups WHERE name = ?", name)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RemoveFromAllGroups takes jid out of every group (its account was
// deleted).
func (tx *Tx) RemoveFromAllGroups(ctx context.Context, jid string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM user_group_members WHERE jid = ?", jid)
	return err
}

// RenameGroupMember replaces from by to in every group (the account was
// renamed).
func (tx *Tx) RenameGroupMember(ctx context.Context, from, to string) error {
	_, err := tx.ExecContext(ctx, `UPDATE OR REPLACE user_group_members SET jid = ? WHERE jid = ?`, to, from)
	return err
}
