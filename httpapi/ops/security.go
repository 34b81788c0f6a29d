package ops

import (
	"context"
	"time"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// AuditRecord is one entry of the security audit log.
type AuditRecord struct {
	ID            int64
	At            time.Time
	Actor         string
	Host          string // the host the change concerned; "" for none
	Username      string
	Summary       string
	Details       string
	ClientAddress string
	Node          string
}

// AuditQuery selects audit records; zero fields do not restrict.
type AuditQuery struct {
	// Host restricts the records to changes on one host; "" means every
	// host for an administrator of them all, and its own host for an
	// administrator of one.
	Host     string
	Username string
	Start    time.Time
	End      time.Time
	Offset   int
	Limit    int
}

// AuditLog returns the audit records that match q, newest first.
func (s *Service) AuditLog(ctx context.Context, a Actor, q AuditQuery) ([]AuditRecord, error) {
	switch {
	case q.Host != "":
		host, err := s.administeredHost(a, q.Host)
		if err != nil {
			return nil, err
		}
		q.Host = host
	case a.Role == RoleHostAdmin:
		if err := a.MayAdminister(a.Host); err != nil {
			return nil, err
		}
		q.Host = a.Host
	default:
		if err := s.mayAdministerAll(a); err != nil {
			return nil, err
		}
	}
	if q.Offset < 0 || q.Limit < 0 {
		return nil, fault.New(fault.BadRequest, "offset and limit must not be negative")
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return nil, fault.New(fault.BadRequest, "endTime is before startTime")
	}
	es, err := s.Store.AuditLog(ctx, store.AuditQuery{Host: q.Host, Username: q.Username, Start: q.Start, End: q.End, Offset: q.Offset, Limit: q.Limit})
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the audit log")
	}
	out := make([]AuditRecord, 0, len(es))
	for _, e := range es {
		out = append(out, AuditRecord{ID: e.ID, At: e.At, Actor: e.Actor, Host: e.Host, Username: e.Username, Summary: e.Summary,
			Details: e.Details, ClientAddress: e.ClientAddress, Node: e.Node})
	}
	return out, nil
}
