package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func openGroupsTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "groups.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestGroupsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutGroup(ctx, Group{Host: "example.org", Name: "Team", Description: "the team", Shared: true,
			Members: []string{"bob@example.org", "alice@example.org", "carol@example.org"},
			Admins:  []string{"carol@example.org"}}); err != nil {
			return err
		}
		return tx.PutGroup(ctx, Group{Host: "example.org", Name: "Alpha", Members: []string{"bob@example.org"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Group(ctx, "example.org", "Team")
	if err != nil {
		t.Fatal(err)
	}
	if g.Description != "the team" || !g.Shared ||
		!reflect.DeepEqual(g.Members, []string{"alice@example.org", "bob@example.org"}) ||
		!reflect.DeepEqual(g.Admins, []string{"carol@example.org"}) {
		t.Fatalf("group = %+v", g)
	}
	if got := g.Everyone(); !reflect.DeepEqual(got, []string{"alice@example.org", "bob@example.org", "carol@example.org"}) {
		t.Errorf("Everyone = %v", got)
	}
	all, err := s.Groups(ctx, "example.org")
	if err != nil || len(all) != 2 || all[0].Name != "Alpha" || all[1].Name != "Team" || len(all[1].Members) != 2 {
		t.Fatalf("groups = %+v, %v", all, err)
	}
	names, err := s.GroupsOf(ctx, "example.org", "bob@example.org")
	if err != nil || !reflect.DeepEqual(names, []string{"Alpha", "Team"}) {
		t.Fatalf("GroupsOf = %v, %v", names, err)
	}

	// Replacing the group replaces its members.
	err = s.Update(ctx, func(tx *Tx) error {
		return tx.PutGroup(ctx, Group{Host: "example.org", Name: "Team", Members: []string{"dave@example.org"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	g, _ = s.Group(ctx, "example.org", "Team")
	if g.Shared || g.Description != "" || !reflect.DeepEqual(g.Members, []string{"dave@example.org"}) || len(g.Admins) != 0 {
		t.Fatalf("replaced group = %+v", g)
	}

	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.RenameGroupMember(ctx, "bob@example.org", "robert@example.org"); err != nil {
			return err
		}
		return tx.RemoveFromAllGroups(ctx, "dave@example.org")
	})
	if err != nil {
		t.Fatal(err)
	}
	if names, _ := s.GroupsOf(ctx, "example.org", "robert@example.org"); !reflect.DeepEqual(names, []string{"Alpha"}) {
		t.Errorf("renamed member's groups = %v", names)
	}
	if g, _ := s.Group(ctx, "example.org", "Team"); len(g.Members) != 0 {
		t.Errorf("removed member still in group: %+v", g)
	}

	var existed bool
	err = s.Update(ctx, func(tx *Tx) (err error) {
		existed, err = tx.DeleteGroup(ctx, "example.org", "Alpha")
		return err
	})
	if err != nil || !existed {
		t.Fatalf("delete: %v %v", existed, err)
	}
	if _, err := s.Group(ctx, "example.org", "Alpha"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted group: %v", err)
	}
	if names, _ := s.GroupsOf(ctx, "example.org", "robert@example.org"); len(names) != 0 {
		t.Errorf("memberships of a deleted group remain: %v", names)
	}
}

func TestGroupChangeRollsBack(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutGroup(ctx, Group{Host: "example.org", Name: "Team", Members: []string{"a@example.org"}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := s.Group(ctx, "example.org", "Team"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("group of a failed transaction exists: %v", err)
	}
}

// Groups of the same name on two hosts are two groups; data kept before
// groups had a host goes to the default host.
func TestGroupsPerHostAndAdoption(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutGroup(ctx, Group{Host: "a.example", Name: "Staff", Members: []string{"x@a.example"}}); err != nil {
			return err
		}
		if err := tx.PutGroup(ctx, Group{Host: "b.example", Name: "Staff", Shared: true, AllHosts: true, Members: []string{"y@b.example"}}); err != nil {
			return err
		}
		if err := tx.PutSystemProperty(ctx, "a.example", "k", "a"); err != nil {
			return err
		}
		return tx.PutSystemProperty(ctx, "b.example", "k", "b")
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.Group(ctx, "a.example", "Staff")
	b, _ := s.Group(ctx, "b.example", "Staff")
	if a.Host != "a.example" || a.Shared || !reflect.DeepEqual(a.Members, []string{"x@a.example"}) ||
		b.Host != "b.example" || !b.AllHosts || !reflect.DeepEqual(b.Members, []string{"y@b.example"}) {
		t.Fatalf("groups: %+v %+v", a, b)
	}
	if m, err := s.Memberships(ctx, "x@a.example"); err != nil || !reflect.DeepEqual(m, map[string][]string{"a.example": {"Staff"}}) {
		t.Errorf("memberships of x = %v, %v", m, err)
	}
	if v, _ := s.SystemProperty(ctx, "a.example", "k"); v != "a" {
		t.Errorf("property of a.example = %q", v)
	}
	if _, err := s.SystemProperty(ctx, "c.example", "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("property of another host: %v", err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.PutGroup(ctx, Group{Name: "NoHost"}) }); err == nil {
		t.Error("a group without a host was written")
	}

	// Rows from before the migration have host '' until adopted.
	err = s.Update(ctx, func(tx *Tx) error {
		for _, q := range []string{
			"INSERT INTO user_groups (host, name, created_at, updated_at) VALUES ('', 'Old', 0, 0)",
			"INSERT INTO user_group_members (host, group_name, jid) VALUES ('', 'Old', 'z@a.example')",
			"INSERT INTO system_properties (host, key, value, updated_at) VALUES ('', 'old', 'v', 0)",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AdoptDefaultHost(ctx, "a.example"); err != nil {
		t.Fatal(err)
	}
	if g, err := s.Group(ctx, "a.example", "Old"); err != nil || !reflect.DeepEqual(g.Members, []string{"z@a.example"}) {
		t.Errorf("adopted group = %+v, %v", g, err)
	}
	if v, _ := s.SystemProperty(ctx, "a.example", "old"); v != "v" {
		t.Errorf("adopted property = %q", v)
	}
}
