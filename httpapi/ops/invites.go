package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// Invitations: a link whose holder may create an account (once), create
// accounts that join groups (reusable), or set a new password of an account
// (once). The link's secret is shown when the invitation is made and never
// again: the store keeps its hash.

// Default and longest lifetimes of invitations.
const (
	DefaultAccountInviteTTL = 7 * 24 * time.Hour
	DefaultResetInviteTTL   = 24 * time.Hour
	MaxInviteTTL            = 365 * 24 * time.Hour
	// MinPasswordLength is the shortest password an invitation accepts.
	MinPasswordLength = 8
	maxInviteNote     = 1000
)

// InviteSpec is the input of CreateInvite.
type InviteSpec struct {
	Kind     string // store.InviteAccount, InviteGroup or InviteReset
	Host     string // "" means the actor's host
	Username string // account: a fixed username ("" = chosen); reset: required
	Groups   []string
	Note     string
	// TTL is the lifetime; nil means the kind's default (a group invite:
	// until revoked).
	TTL *time.Duration
	// Source says how the invite was made, e.g. "admin_api/ops".
	Source string
}

// CreateInvite makes an invitation and returns it with its secret, which
// is not kept.
func (s *Service) CreateInvite(ctx context.Context, a Actor, spec InviteSpec) (store.Invite, string, error) {
	host := spec.Host
	if host == "" {
		host = s.ActorHost(a)
		if _, domain, ok := strings.Cut(spec.Username, "@"); ok {
			host = domain // a bare JID names its host
		}
	}
	if !s.IsHost(host) {
		return store.Invite{}, "", fault.New(fault.BadRequest, "%q is not a host this service administers (%s)", host, s.hostList())
	}
	if err := s.CheckHost(a, host); err != nil {
		return store.Invite{}, "", err
	}
	inv := store.Invite{Kind: spec.Kind, Host: host, Note: spec.Note, Inviter: a.Name, Source: spec.Source, Created: time.Now()}
	var ttl time.Duration
	switch spec.Kind {
	case store.InviteAccount:
		ttl = DefaultAccountInviteTTL
	case store.InviteGroup:
	case store.InviteReset:
		ttl = DefaultResetInviteTTL
		if spec.Username == "" {
			return store.Invite{}, "", fault.New(fault.BadRequest, "a reset invitation needs the username of the account to reset")
		}
	default:
		return store.Invite{}, "", fault.New(fault.BadRequest, "invitation kind %q: want account, group or reset", spec.Kind)
	}
	if spec.TTL != nil {
		if *spec.TTL <= 0 || *spec.TTL > MaxInviteTTL {
			return store.Invite{}, "", fault.New(fault.BadRequest, "ttl %v: want a number of seconds between 1 and %d (a year)", spec.TTL.Seconds(), int(MaxInviteTTL.Seconds()))
		}
		ttl = *spec.TTL
	}
	if ttl > 0 {
		inv.Expires = inv.Created.Add(ttl)
	}
	if utf8.RuneCountInString(spec.Note) > maxInviteNote {
		return store.Invite{}, "", fault.New(fault.BadRequest, "the note is longer than %d characters", maxInviteNote)
	}
	if spec.Username != "" {
		j, err := s.AccountJID(a, host, spec.Username)
		if err != nil {
			return store.Invite{}, "", err
		}
		if j.Domainpart() != host {
			return store.Invite{}, "", fault.New(fault.BadRequest, "username %q is not on host %s", spec.Username, host)
		}
		exists, err := s.Adhoc.UserExists(ctx, j)
		if err != nil {
			return store.Invite{}, "", err
		}
		if spec.Kind == store.InviteReset && !exists {
			return store.Invite{}, "", errUserNotFound(spec.Username)
		}
		if spec.Kind == store.InviteAccount && exists {
			return store.Invite{}, "", fault.New(fault.Conflict, "user %s already exists", j).About(spec.Username)
		}
		inv.Username = j.Localpart()
	}
	for _, g := range dedupe(spec.Groups) {
		if _, err := s.GetGroup(ctx, a, host, g); err != nil {
			return store.Invite{}, "", err
		}
		inv.Groups = append(inv.Groups, g)
	}
	secret, err := store.NewSecret()
	if err != nil {
		return store.Invite{}, "", fault.Wrap(fault.Internal, err, "make the invitation's secret")
	}
	inv.ID = NewUUID()
	if spec.Kind == store.InviteGroup && len(inv.Groups) == 0 {
		// Those who accept become each other's contacts: through a group of
		// their own.
		g := "invited-" + inv.ID[:8]
		if err := s.CreateGroup(ctx, a, Group{Host: host, Name: g, Description: "Invited together", Shared: true}); err != nil {
			return store.Invite{}, "", err
		}
		inv.Groups = []string{g}
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutInvite(ctx, inv, secret); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, inv.Username, fmt.Sprintf("created %s invitation %s on %s", inv.Kind, inv.ID, host), describeInvite(inv))
	})
	if err != nil {
		return store.Invite{}, "", fault.Wrap(fault.Unavailable, err, "record the invitation")
	}
	return inv, secret, nil
}

func describeInvite(i store.Invite) string {
	var parts []string
	if len(i.Groups) > 0 {
		parts = append(parts, "groups "+strings.Join(i.Groups, ", "))
	}
	if i.Expires.IsZero() {
		parts = append(parts, "until revoked")
	} else {
		parts = append(parts, "expires "+i.Expires.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, "; ")
}

// Invites lists the pending invitations of the hosts the actor
// administers.
func (s *Service) Invites(ctx context.Context, a Actor) ([]store.Invite, error) {
	hosts := s.AdministeredHosts(a)
	if hosts == nil {
		hosts = []string{}
	}
	is, err := s.Store.PendingInvites(ctx, hosts, time.Now())
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the invitations")
	}
	return is, nil
}

// Invite returns a pending invitation; one that does not exist, was used,
// revoked or has expired, or is for a host the actor does not administer,
// is fault.NotFound.
func (s *Service) Invite(ctx context.Context, a Actor, id string) (store.Invite, error) {
	i, err := s.Store.Invite(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (i.State(time.Now()) != store.InviteValid || a.MayAdminister(i.Host) != nil)) {
		return store.Invite{}, fault.New(fault.NotFound, "no pending invitation %q", id).About(id)
	}
	if err != nil {
		return store.Invite{}, fault.Wrap(fault.Unavailable, err, "read invitation %q", id)
	}
	return i, nil
}

// RevokeInvite revokes a pending invitation: its link stops working.
func (s *Service) RevokeInvite(ctx context.Context, a Actor, id string) error {
	i, err := s.Invite(ctx, a, id)
	if err != nil {
		return err
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeInvite(ctx, i.ID, time.Now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, i.Username, "revoked invitation "+i.ID, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return fault.New(fault.NotFound, "no pending invitation %q", id).About(id)
	}
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "revoke invitation %q", id)
	}
	return nil
}

// InviteBySecret returns the invitation of a link, in whatever state it is
// (the landing page tells expired, used and revoked apart); an unknown
// secret is fault.NotFound.
func (s *Service) InviteBySecret(ctx context.Context, secret string) (store.Invite, error) {
	if secret == "" || len(secret) > 100 {
		return store.Invite{}, fault.New(fault.NotFound, "no such invitation")
	}
	i, err := s.Store.InviteBySecret(ctx, secret)
	if errors.Is(err, store.ErrNotFound) {
		return store.Invite{}, fault.New(fault.NotFound, "no such invitation")
	}
	if err != nil {
		return store.Invite{}, fault.Wrap(fault.Unavailable, err, "read the invitation")
	}
	return i, nil
}

// ErrInviteUnusable is the fault of an invitation that expired, was used
// or was revoked (match with errors.Is).
var ErrInviteUnusable = fault.New(fault.Conflict, "this invitation can no longer be used")

// RedeemInvite carries out an invitation: an account or group invitation
// creates the account username (the invitation's own when it fixes one)
// with password and adds it to the invitation's groups; a reset invitation
// sets the account's password. It returns the account's JID. A username
// taken is fault.Conflict, and the invitation stays usable.
func (s *Service) RedeemInvite(ctx context.Context, secret, username, password string) (jid.JID, error) {
	inv, err := s.InviteBySecret(ctx, secret)
	if err != nil {
		return jid.JID{}, err
	}
	if st := inv.State(time.Now()); st != store.InviteValid {
		return jid.JID{}, fault.Wrap(fault.Conflict, ErrInviteUnusable, "this invitation was %s", st)
	}
	if inv.Username != "" {
		username = inv.Username
	}
	if strings.Contains(username, "@") {
		return jid.JID{}, fault.New(fault.BadRequest, "Choose a username without \"@\": the address will be username@%s.", inv.Host)
	}
	a := Actor{Name: "invitation " + inv.ID, Role: RoleHostAdmin, Host: inv.Host}
	j, err := s.AccountJID(a, inv.Host, username)
	if err != nil {
		return jid.JID{}, err
	}
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return jid.JID{}, fault.New(fault.BadRequest, "Choose a password of at least %d characters.", MinPasswordLength)
	}
	if err := s.Store.ClaimInvite(ctx, inv.ID, time.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return jid.JID{}, fault.Wrap(fault.Conflict, ErrInviteUnusable, "this invitation was used or revoked meanwhile")
		}
		return jid.JID{}, fault.Wrap(fault.Unavailable, err, "use the invitation")
	}
	if inv.Kind == store.InviteReset {
		err = s.UpdateUser(ctx, a, j.String(), UserChange{Password: &password})
	} else {
		err = s.CreateUser(ctx, a, NewUser{Username: j.String(), Password: password})
	}
	if err != nil {
		s.undo(ctx, "give back the use of an invitation", func(ctx context.Context) error { return s.Store.ReleaseInvite(ctx, inv.ID) })
		if fault.Is(err, fault.Conflict) {
			return jid.JID{}, fault.New(fault.Conflict, "The username %q is taken: choose another.", j.Localpart()).About(username)
		}
		return jid.JID{}, err
	}
	if inv.Kind != store.InviteReset && len(inv.Groups) > 0 {
		var groups []string
		for _, g := range inv.Groups {
			if _, err := s.GetGroup(ctx, a, inv.Host, g); err == nil {
				groups = append(groups, g) // a group deleted since is skipped
			}
		}
		if len(groups) > 0 {
			if err := s.AddUserToGroups(ctx, a, j.String(), groups); err != nil && s.Log != nil {
				s.Log.Warn("an invited account could not join its groups", "account", j.String(), "error", err)
			}
		}
	}
	return j, nil
}
