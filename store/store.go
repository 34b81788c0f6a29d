// Package store keeps the state xmpprest owns itself (API tokens, the audit
// log, and the metadata the REST dialects attach to users, groups and rooms)
// in SQLite. It owns the schema: the migrations under migrations/ are embedded
// in the binary and applied in order at Open, tracked by PRAGMA user_version.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver

	"xmpprest/component/fault"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the SQLite database. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database at path, in WAL mode with
// synchronous=NORMAL (a commit is durable against a crash of the process,
// and reaches the disk at the next checkpoint, without an fsync of its own),
// a busy timeout, foreign keys on and a per-connection cache of prepared
// statements, and applies any migrations it has not seen yet.
//
// A database it creates is readable by its owner only (0600, and SQLite
// gives its -wal and -shm files the same mode), in a folder made 0700 when
// the folder is missing too: it holds the audit log and property values.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// Each connection keeps its prepared statements for the queries it
	// runs again (SQLite's parse and plan of one is 5-20 µs).
	q.Set("_stmt_cache_size", "64")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Tx is a transaction: every change the component owns, together with its
// audit record, is made in one.
type Tx struct{ *sql.Tx }

// Update runs fn in a transaction, committing when it returns nil and rolling
// back otherwise.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "database")
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = fault.Wrap(fault.Internal, cerr, "commit")
		}
	}()
	return fn(&Tx{tx})
}

// SchemaVersion returns the number of migrations applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number, e.g. 0002_groups.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// Numbers are reserved per feature, so a build may lack some of them;
	// they must still be unique and positive.
	for i, m := range ms {
		if m.version < 1 || (i > 0 && m.version == ms[i-1].version) {
			return nil, fmt.Errorf("migration %s: its number must be positive and unique", m.name)
		}
	}
	return ms, nil
}

func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return s.apply(ctx, ms)
}

// apply runs the migrations of ms the database has not run yet, in order.
// Numbers are reserved per feature and may land out of order (0006 after
// 0008), so each one run is recorded in schema_migrations; a database from
// before that record has run every number up to its user_version.
// PRAGMA user_version stays the highest number run.
func (s *Store) apply(ctx context.Context, ms []migration) error {
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): use a newer xmpprest", current, latest)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	backfill := len(applied) == 0 && current > 0
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		run := !(backfill && m.version <= current)
		err := s.Update(ctx, func(tx *Tx) error {
			if run {
				if _, err := tx.ExecContext(ctx, m.sql); err != nil {
					return fmt.Errorf("%s: %w", m.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMilli()); err != nil {
				return err
			}
			if m.version > current {
				current = m.version
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", current))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = errors.New("store: not found")
