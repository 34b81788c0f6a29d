package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"
)

// Group is a user group the component owns, on one host.
type Group struct {
	Host        string // the virtual host the group belongs to
	Name        string // unique on its host
	Description string
	// Shared groups are written into their members' rosters.
	Shared bool
	// AllHosts makes a shared group's members on every administered host
	// see each other; otherwise only its members on Host do.
	AllHosts bool
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

// Groups returns every group of host with its members, sorted by name.
func (s *Store) Groups(ctx context.Context, host string) ([]Group, error) {
	return queryGroups(ctx, s.db, host, "")
}

// Group returns one group of host, or ErrNotFound.
func (s *Store) Group(ctx context.Context, host, name string) (Group, error) {
	return oneGroup(ctx, s.db, host, name)
}

// Group returns one group of host as the transaction sees it, or
// ErrNotFound.
func (tx *Tx) Group(ctx context.Context, host, name string) (Group, error) {
	return oneGroup(ctx, tx, host, name)
}

// GroupsOf returns the names of the groups of host that jid is a member or
// admin of, sorted.
func (s *Store) GroupsOf(ctx context.Context, host, jid string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT group_name FROM user_group_members WHERE host = ? AND jid = ? ORDER BY group_name", host, jid)
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

// Memberships returns the names of the groups jid is a member or admin
// of, by host.
func (s *Store) Memberships(ctx context.Context, jid string) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT host, group_name FROM user_group_members WHERE jid = ? ORDER BY host, group_name", jid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var host, name string
		if err := rows.Scan(&host, &name); err != nil {
			return nil, err
		}
		out[host] = append(out[host], name)
	}
	return out, rows.Err()
}

func oneGroup(ctx context.Context, q groupQuerier, host, name string) (Group, error) {
	gs, err := queryGroups(ctx, q, host, name)
	if err != nil {
		return Group{}, err
	}
	if len(gs) == 0 {
		return Group{}, ErrNotFound
	}
	return gs[0], nil
}

// queryGroups reads the groups of host: all of them, or the one named name.
func queryGroups(ctx context.Context, q groupQuerier, host, name string) ([]Group, error) {
	where, args := "WHERE host = ?", []any{host}
	if name != "" {
		where, args = where+" AND name = ?", append(args, name)
	}
	rows, err := q.QueryContext(ctx, "SELECT name, description, shared, all_hosts, created_at, updated_at FROM user_groups "+where+" ORDER BY name", args...)
	if err != nil {
		return nil, err
	}
	var out []Group
	index := map[string]int{}
	for rows.Next() {
		g := Group{Host: host}
		var c, u int64
		if err := rows.Scan(&g.Name, &g.Description, &g.Shared, &g.AllHosts, &c, &u); err != nil {
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
	rows, err = q.QueryContext(ctx, "SELECT group_name, jid, admin FROM user_group_members "+
		strings.ReplaceAll(where, "name", "group_name")+" ORDER BY group_name, jid", args...)
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
	if g.Host == "" {
		return errors.New("store: a group needs a host")
	}
	now := time.Now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO user_groups (host, name, description, shared, all_hosts, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (host, name) DO UPDATE SET description = excluded.description, shared = excluded.shared,
			all_hosts = excluded.all_hosts, updated_at = excluded.updated_at`,
		g.Host, g.Name, g.Description, g.Shared, g.AllHosts, now, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM user_group_members WHERE host = ? AND group_name = ?", g.Host, g.Name); err != nil {
		return err
	}
	for _, list := range []struct {
		jids  []string
		admin bool
	}{{g.Members, false}, {g.Admins, true}} {
		for _, j := range list.jids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_group_members (host, group_name, jid, admin) VALUES (?, ?, ?, ?)
				ON CONFLICT (host, group_name, jid) DO UPDATE SET admin = excluded.admin`, g.Host, g.Name, j, list.admin); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteGroup removes a group of host and its memberships; it reports
// whether the group existed.
func (tx *Tx) DeleteGroup(ctx context.Context, host, name string) (bool, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM user_groups WHERE host = ? AND name = ?", host, name)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RemoveFromAllGroups takes jid out of every group of every host (its
// account was deleted).
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

// AdoptDefaultHost gives the groups, system properties and audit records
// kept before data was kept per host (their host is "") to host, the
// default host. It changes nothing once they have one.
func (s *Store) AdoptDefaultHost(ctx context.Context, host string) error {
	if host == "" {
		return errors.New("store: no default host to adopt the data for")
	}
	return s.Update(ctx, func(tx *Tx) error {
		for _, q := range []string{
			"UPDATE user_groups SET host = ? WHERE host = ''",
			"UPDATE system_properties SET host = ? WHERE host = ''",
			"UPDATE audit_log SET host = ? WHERE host = '' AND username != ''",
		} {
			if _, err := tx.ExecContext(ctx, q, host); err != nil {
				return err
			}
		}
		return nil
	})
}
