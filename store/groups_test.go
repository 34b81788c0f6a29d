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
		if err := tx.PutGroup(ctx, Group{Name: "Team", Description: "the team", Shared: true,
			Members: []string{"bob@example.org", "alice@example.org", "carol@example.org"},
			Admins:  []string{"carol@example.org"}}); err != nil {
			return err
		}
		return tx.PutGroup(ctx, Group{Name: "Alpha", Members: []string{"bob@example.org"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.Group(ctx, "Team")
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
	all, err := s.Groups(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "Alpha" || all[1].Name != "Team" || len(all[1].Members) != 2 {
		t.Fatalf("groups = %+v, %v", all, err)
	}
	names, err := s.GroupsOf(ctx, "bob@example.org")
	if err != nil || !reflect.DeepEqual(names, []string{"Alpha", "Team"}) {
		t.Fatalf("GroupsOf = %v, %v", names, err)
	}

	// Replacing the group replaces its members.
	err = s.Update(ctx, func(tx *Tx) error {
		return tx.PutGroup(ctx, Group{Name: "Team", Members: []string{"dave@example.org"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	g, _ = s.Group(ctx, "Team")
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
	if names, _ := s.GroupsOf(ctx, "robert@example.org"); !reflect.DeepEqual(names, []string{"Alpha"}) {
		t.Errorf("renamed member's groups = %v", names)
	}
	if g, _ := s.Group(ctx, "Team"); len(g.Members) != 0 {
		t.Errorf("removed member still in group: %+v", g)
	}

	var existed bool
	err = s.Update(ctx, func(tx *Tx) (err error) {
		existed, err = tx.DeleteGroup(ctx, "Alpha")
		return err
	})
	if err != nil || !existed {
		t.Fatalf("delete: %v %v", existed, err)
	}
	if _, err := s.Group(ctx, "Alpha"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted group: %v", err)
	}
	if names, _ := s.GroupsOf(ctx, "robert@example.org"); len(names) != 0 {
		t.Errorf("memberships of a deleted group remain: %v", names)
	}
}

func TestGroupChangeRollsBack(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutGroup(ctx, Group{Name: "Team", Members: []string{"a@example.org"}}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := s.Group(ctx, "Team"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("group of a failed transaction exists: %v", err)
	}
}
