package store

import (
	"context"
	"time"
)

// AuditEntry is one record of the security audit log.
type AuditEntry struct {
	ID            int64
	At            time.Time
	Actor         string // who made the call: "secret", an admin JID, a token name
	Host          string // the virtual host the change concerns; "" for none
	Username      string // the user the change concerns, if any
	Summary       string
	Details       string
	ClientAddress string
	Node          string // this instance's name
	RequestID     string
}

// Audit records e in the transaction, so the record and the change land or
// fail together.
func (tx *Tx) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(at, actor, host, username, summary, details, client_address, node, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), e.Actor, e.Host, e.Username, e.Summary, e.Details, e.ClientAddress, e.Node, e.RequestID)
	return err
}

// AuditQuery selects audit records. Zero fields do not restrict.
type AuditQuery struct {
	Host     string
	Username string
	Start    time.Time
	End      time.Time
	Offset   int
	Limit    int // 0 means all
}

// AuditLog returns the records that match q, newest first.
func (s *Store) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	query := `SELECT id, at, actor, host, username, summary, details, client_address, node, request_id
		FROM audit_log WHERE 1=1`
	var args []any
	if q.Host != "" {
		query += " AND host = ?"
		args = append(args, q.Host)
	}
	if q.Username != "" {
		query += " AND username = ?"
		args = append(args, q.Username)
	}
	if !q.Start.IsZero() {
		query += " AND at >= ?"
		args = append(args, q.Start.UnixMilli())
	}
	if !q.End.IsZero() {
		query += " AND at <= ?"
		args = append(args, q.End.UnixMilli())
	}
	query += " ORDER BY at DESC, id DESC"
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	query += " LIMIT ? OFFSET ?"
	args = append(args, limit, q.Offset)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Host, &e.Username, &e.Summary, &e.Details, &e.ClientAddress, &e.Node, &e.RequestID); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
