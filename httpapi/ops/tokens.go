package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// The scopes of API tokens: which dialect a token opens.
const (
	// ScopeAdmin opens Prosody's admin API (/admin_api).
	ScopeAdmin = "admin"
	// ScopeChatwith opens the multi-domain user API (/api/1.0).
	ScopeChatwith = "chatwith"
)

// Scopes are the token scopes there are.
var Scopes = []string{ScopeAdmin, ScopeChatwith}

// maxTokenTTL bounds a token's lifetime (ten years).
const maxTokenTTL = 10 * 365 * 24 * time.Hour

// TokenSpec is the input of CreateToken.
type TokenSpec struct {
	Name  string // "" means the scope's name
	Scope string // ScopeAdmin or ScopeChatwith
	// Host limits the token to one administered host; "" means every host.
	Host string
	TTL  time.Duration // 0: until revoked
}

// ErrBadToken is returned by TokenActor for a token that does not exist, has
// expired or was revoked.
var ErrBadToken = errors.New("unknown, expired or revoked token")

// CreateToken makes an API token and returns its secret, which is not kept:
// the store holds only its hash. A host-limited token needs an actor that
// administers that host; an unlimited one a service administrator.
func (s *Service) CreateToken(ctx context.Context, a Actor, spec TokenSpec) (string, store.Token, error) {
	if !slices.Contains(Scopes, spec.Scope) {
		return "", store.Token{}, fault.New(fault.BadRequest, "scope %q: want one of %s", spec.Scope, strings.Join(Scopes, ", "))
	}
	if spec.Name == "" {
		spec.Name = spec.Scope
	}
	if err := checkTokenName(spec.Name); err != nil {
		return "", store.Token{}, err
	}
	if spec.TTL < 0 || spec.TTL > maxTokenTTL {
		return "", store.Token{}, fault.New(fault.BadRequest, "expiry %s: want a positive duration of at most ten years, or none", spec.TTL)
	}
	if spec.Host != "" && !s.IsHost(spec.Host) {
		return "", store.Token{}, fault.New(fault.BadRequest, "host %q is not administered by this service (%s)", spec.Host, s.hostList())
	}
	if spec.Host != "" {
		if err := a.MayAdminister(spec.Host); err != nil {
			return "", store.Token{}, err
		}
	} else if a.Role != RoleServiceAdmin {
		return "", store.Token{}, fault.New(fault.Denied, "only a service administrator may make a token for every host")
	}
	secret, t, err := s.Store.IssueToken(ctx, store.Token{Name: spec.Name, Scope: spec.Scope, Host: spec.Host}, spec.TTL)
	if err != nil {
		return "", store.Token{}, fault.Wrap(fault.Unavailable, err, "record the token")
	}
	s.auditAlone(ctx, a, "", fmt.Sprintf("created %s token %s (#%d)", t.Scope, t.Name, t.ID), describeToken(t))
	return secret, t, nil
}

// checkTokenName refuses names that could not be typed as a Basic-auth user
// name: empty, longer than 64 characters, or with a colon, blank or control
// character.
func checkTokenName(name string) error {
	if len(name) > 64 {
		return fault.New(fault.BadRequest, "token name %q is longer than 64 characters", name)
	}
	for _, r := range name {
		if r == ':' || r <= ' ' || r == 0x7f {
			return fault.New(fault.BadRequest, "token name %q: use letters, digits and punctuation other than a colon, without spaces", name)
		}
	}
	return nil
}

func describeToken(t store.Token) string {
	host := "every host"
	if t.Host != "" {
		host = "host " + t.Host
	}
	exp := "no expiry"
	if !t.ExpiresAt.IsZero() {
		exp = "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return host + ", " + exp
}

// Tokens lists the tokens the actor may see: every token for a service
// administrator, the tokens of its host for a host administrator.
func (s *Service) Tokens(ctx context.Context, a Actor) ([]store.Token, error) {
	ts, err := s.Store.Tokens(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the tokens")
	}
	out := []store.Token{}
	for _, t := range ts {
		if a.Role == RoleServiceAdmin || (t.Host != "" && a.MayAdminister(t.Host) == nil) {
			out = append(out, t)
		}
	}
	return out, nil
}

// RevokeToken deletes a token; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	ts, err := s.Tokens(ctx, a)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID != id {
			continue
		}
		if err := s.Store.RevokeToken(ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			return fault.Wrap(fault.Unavailable, err, "revoke token %d", id)
		}
		s.auditAlone(ctx, a, "", fmt.Sprintf("revoked %s token %s (#%d)", t.Scope, t.Name, t.ID), "")
		return nil
	}
	return fault.New(fault.NotFound, "no token with ID %d (xmpprest token list shows them)", id)
}

// TokenActor returns who a token's secret acts as, on the API of scope: a
// host administrator for a host-limited token, a service administrator
// otherwise. It returns ErrBadToken for a token that does not exist, has
// expired or was revoked, and a fault.Denied for a token of another scope.
// A non-empty name must match the token's name.
func (s *Service) TokenActor(ctx context.Context, secret, name, scope string) (Actor, error) {
	if secret == "" {
		return Actor{}, ErrBadToken
	}
	t, err := s.Store.LookupToken(ctx, secret)
	if errors.Is(err, store.ErrNotFound) {
		return Actor{}, ErrBadToken
	}
	if err != nil {
		return Actor{}, fault.Wrap(fault.Unavailable, err, "check the token")
	}
	if name != "" && name != t.Name {
		return Actor{}, ErrBadToken
	}
	if t.Scope != scope {
		return Actor{}, fault.New(fault.Denied, "this token is for the %s API, not the %s API: make one with xmpprest token create --scope %s", t.Scope, scope, scope)
	}
	if err := s.Store.TouchToken(ctx, t.ID, time.Now()); err != nil && s.Log != nil {
		s.Log.Warn("could not record a token's use", "token", t.ID, "error", err)
	}
	a := Actor{Name: fmt.Sprintf("token %s (#%d)", t.Name, t.ID), Role: RoleServiceAdmin}
	if t.Host != "" {
		a.Role, a.Host = RoleHostAdmin, t.Host
	}
	return a, nil
}

// auditAlone writes an audit record of a change that has no other state
// to commit with it, logging a failure.
func (s *Service) auditAlone(ctx context.Context, a Actor, username, summary, details string) {
	err := s.Store.Update(ctx, func(tx *store.Tx) error { return s.audit(ctx, tx, a, username, summary, details) })
	if err != nil && s.Log != nil {
		s.Log.Error("could not write an audit record", "summary", summary, "error", err)
	}
}
