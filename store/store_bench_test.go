package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// The store's part of the hot REST calls: the reads of GET /users/{u} and
// GET /users/{u}/groups, and the transaction of DELETE /users/{u}.

func openBenchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *Tx) error {
		for i := 0; i < 100; i++ {
			j := fmt.Sprintf("user%d@example.org", i)
			if err := tx.PutUserMeta(ctx, UserMeta{JID: j, Name: "User", Email: "u@example.org", Properties: []KeyValue{{Key: "k", Value: "v"}}}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkUserMeta(b *testing.B) {
	s := openBenchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.UserMeta(ctx, "user7@example.org"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGroupsOf(b *testing.B) {
	s := openBenchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.GroupsOf(ctx, "example.org", "user7@example.org"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeleteUserTx is the transaction of a user's deletion: metadata,
// memberships, lock and the audit record, from 16 goroutines at once (as
// concurrent requests make them).
func BenchmarkDeleteUserTx(b *testing.B) {
	s := openBenchStore(b)
	b.SetParallelism(8)
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j := fmt.Sprintf("gone%d@example.org", n.Add(1))
			err := s.Update(ctx, func(tx *Tx) error {
				if err := tx.DeleteUserMeta(ctx, j); err != nil {
					return err
				}
				if err := tx.RemoveFromAllGroups(ctx, j); err != nil {
					return err
				}
				if err := tx.SetLocked(ctx, j, false, time.Now()); err != nil {
					return err
				}
				return tx.Audit(ctx, AuditEntry{Actor: "secret", Host: "example.org", Username: j, Summary: "deleted user " + j})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
