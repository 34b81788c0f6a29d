package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
)

// A database made before data was kept per host keeps its groups, members
// and system properties through migration 0005, and they go to the default
// host.
func TestMigrationToHostsKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:4] {
		if _, err := db.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	for _, q := range []string{
		"PRAGMA user_version = 4",
		"INSERT INTO user_groups (name, description, shared, created_at, updated_at) VALUES ('Team', 'the team', 1, 1, 2)",
		"INSERT INTO user_group_members (group_name, jid, admin) VALUES ('Team', 'a@example.org', 1), ('Team', 'b@example.org', 0)",
		"INSERT INTO system_properties (key, value, updated_at) VALUES ('k', 'v', 3)",
		"INSERT INTO audit_log (at, actor, username, summary) VALUES (1, 'secret', 'a', 'created user'), (2, 'secret', '', 'created room')",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v < 5 {
		t.Fatalf("schema version %d", v)
	}
	if err := s.AdoptDefaultHost(ctx, "example.org"); err != nil {
		t.Fatal(err)
	}
	g, err := s.Group(ctx, "example.org", "Team")
	if err != nil || g.Description != "the team" || !g.Shared || g.AllHosts ||
		!reflect.DeepEqual(g.Admins, []string{"a@example.org"}) || !reflect.DeepEqual(g.Members, []string{"b@example.org"}) {
		t.Fatalf("migrated group = %+v, %v", g, err)
	}
	if v, err := s.SystemProperty(ctx, "example.org", "k"); v != "v" || err != nil {
		t.Errorf("migrated property = %q, %v", v, err)
	}
	recs, err := s.AuditLog(ctx, AuditQuery{Host: "example.org"})
	if err != nil || len(recs) != 1 || recs[0].Username != "a" {
		t.Errorf("audit records of the default host = %s, %v", fmt.Sprint(recs), err)
	}
	// The cascade still works on the rebuilt tables.
	err = s.Update(ctx, func(tx *Tx) error { _, err := tx.DeleteGroup(ctx, "example.org", "Team"); return err })
	if err != nil {
		t.Fatal(err)
	}
	if names, _ := s.GroupsOf(ctx, "example.org", "b@example.org"); len(names) != 0 {
		t.Errorf("members of a deleted group remain: %v", names)
	}
}

// A migration whose number is lower than one run already (numbers are
// reserved per feature and land out of order) still runs, once.
func TestMigrationsLandingOutOfOrder(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "order.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	latest := ms[len(ms)-1].version
	late := migration{version: latest + 2, name: "late.sql", sql: "CREATE TABLE late (x INTEGER)"}
	later := migration{version: latest + 5, name: "later.sql", sql: "CREATE TABLE later (x INTEGER)"}
	if err := s.apply(ctx, append(ms, later)); err != nil {
		t.Fatal(err)
	}
	// The lower number arrives after the higher one ran.
	if err := s.apply(ctx, append(ms, late, later)); err != nil {
		t.Fatalf("a migration landing out of order: %v", err)
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO late (x) VALUES (1)"); err != nil {
		t.Fatalf("the late migration did not run: %v", err)
	}
	if err := s.apply(ctx, append(ms, late, later)); err != nil {
		t.Fatalf("migrations ran twice: %v", err)
	}
	if v, _ := s.SchemaVersion(ctx); v != later.version {
		t.Fatalf("user_version %d, want %d", v, later.version)
	}
}
