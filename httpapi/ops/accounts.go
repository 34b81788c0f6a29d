package ops

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component/fault"
)

// The operations of this file name accounts on a host and check the
// caller's scope: they serve the dialects whose credentials may be limited
// to one host (API tokens).

// Account is a user account with what the admin dialects show of it.
type Account struct {
	User
	Groups []string // names, sorted
	// Enabled is false while the account is locked out through the
	// component (the servers do not say).
	Enabled bool
	// LastActive is the last login where the server tells it (ejabberd's
	// get-user-lastlogin); zero otherwise.
	LastActive time.Time
}

// AccountChange is the input of ChangeAccount: nil fields stay as they are.
type AccountChange struct {
	Password *string
	Name     *string
	Enabled  *bool
}

// ActorHost returns the host an actor works on when a request names none:
// its own for a host administrator, the default host otherwise.
func (s *Service) ActorHost(a Actor) string {
	if a.Role == RoleHostAdmin {
		return a.Host
	}
	return s.Link.DefaultHost().String()
}

// AdministeredHosts returns the hosts the actor may administer, in the
// configured order.
func (s *Service) AdministeredHosts(a Actor) []string {
	var out []string
	for _, h := range s.Link.Hosts() {
		if a.MayAdminister(h.String()) == nil {
			out = append(out, h.String())
		}
	}
	return out
}

// CheckHost returns nil when host is administered by the service and by
// the actor: a fault.NotFound for a host the service does not administer,
// a fault.Denied for one the actor may not.
func (s *Service) CheckHost(a Actor, host string) error {
	if !s.IsHost(host) {
		return fault.New(fault.NotFound, "%q is not a host this service administers", host).About(host)
	}
	return a.MayAdminister(host)
}

// AccountJID resolves username on host and checks that the actor may act
// on it. With host "" (the actor's host) username may also be a bare JID of
// another host; with a host given it must be an account of that host.
func (s *Service) AccountJID(a Actor, host, username string) (jid.JID, error) {
	explicit := host != ""
	if !explicit {
		host = s.ActorHost(a)
	}
	if err := s.CheckHost(a, host); err != nil {
		return jid.JID{}, err
	}
	j, err := s.UserJID(username, host)
	if err != nil {
		return jid.JID{}, err
	}
	if explicit && j.Domainpart() != host {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not an account of %s: give the username alone", username, host).About(username)
	}
	if err := a.MayActOn(j); err != nil {
		return jid.JID{}, err
	}
	return j, nil
}

// Account returns one account; a missing one is fault.NotFound.
func (s *Service) Account(ctx context.Context, a Actor, host, username string) (Account, error) {
	j, err := s.AccountJID(a, host, username)
	if err != nil {
		return Account{}, err
	}
	u, err := s.GetUser(ctx, a, j.String())
	if err != nil {
		return Account{}, err
	}
	acc := Account{User: u, Enabled: true}
	if acc.Groups, err = s.Store.GroupsOf(ctx, j.Domainpart(), j.String()); err != nil {
		return Account{}, fault.Wrap(fault.Unavailable, err, "read the groups of %s", j)
	}
	sort.Strings(acc.Groups)
	locked, err := s.Store.IsLocked(ctx, j.String())
	if err != nil {
		return Account{}, fault.Wrap(fault.Unavailable, err, "read the lockouts")
	}
	acc.Enabled = !locked
	if lc, ok := s.Adhoc.(lastLoginCommand); ok {
		if offered, _ := s.Adhoc.Offers(j.Domainpart(), adhoc.NodeGetUserLastLogin); offered {
			if t, ok, err := lc.LastLogin(ctx, j); err == nil && ok {
				acc.LastActive = t
			}
		}
	}
	return acc, nil
}

// Accounts lists the accounts of host, sorted by username, from offset,
// at most limit (0: all); total is the number of accounts on the host.
func (s *Service) Accounts(ctx context.Context, a Actor, host string, offset, limit int) (page []Account, total int, err error) {
	if host == "" {
		host = s.ActorHost(a)
	}
	if err := s.CheckHost(a, host); err != nil {
		return nil, 0, err
	}
	if offset < 0 || limit < 0 {
		return nil, 0, fault.New(fault.BadRequest, "offset and limit must not be negative")
	}
	users, err := s.ListUsers(ctx, a, UserFilter{Host: host})
	if err != nil {
		return nil, 0, err
	}
	total = len(users)
	if offset > len(users) {
		offset = len(users)
	}
	users = users[offset:]
	if limit > 0 && limit < len(users) {
		users = users[:limit]
	}
	groups, err := s.Store.Groups(ctx, host)
	if err != nil {
		return nil, 0, fault.Wrap(fault.Unavailable, err, "read the groups")
	}
	memberOf := map[string][]string{}
	for _, g := range groups {
		for _, m := range g.Everyone() {
			memberOf[m] = append(memberOf[m], g.Name)
		}
	}
	locked, err := s.Store.Locked(ctx)
	if err != nil {
		return nil, 0, fault.Wrap(fault.Unavailable, err, "read the lockouts")
	}
	page = make([]Account, 0, len(users))
	for _, u := range users {
		gs := memberOf[u.JID.String()]
		sort.Strings(gs)
		page = append(page, Account{User: u, Groups: gs, Enabled: !locked[u.JID.String()]})
	}
	return page, total, nil
}

// CreateAccount creates an account on host ("" = the actor's host). An
// empty username or password is generated (a random UUID); the returned
// user carries what was used, the password only in this answer.
func (s *Service) CreateAccount(ctx context.Context, a Actor, host string, u NewUser) (jid.JID, string, error) {
	if u.Username == "" {
		u.Username = NewUUID()
	}
	if u.Password == "" {
		u.Password = NewUUID()
	}
	j, err := s.AccountJID(a, host, u.Username)
	if err != nil {
		return jid.JID{}, "", err
	}
	u.Username = j.String()
	if err := s.CreateUser(ctx, a, u); err != nil {
		return jid.JID{}, "", err
	}
	return j, u.Password, nil
}

// DeleteAccount deletes an account on host ("" = the actor's host).
func (s *Service) DeleteAccount(ctx context.Context, a Actor, host, username string) error {
	j, err := s.AccountJID(a, host, username)
	if err != nil {
		return err
	}
	return s.DeleteUser(ctx, a, j.String())
}

// ChangeAccount changes an account's password, display name and whether it
// is enabled (disable-user / reenable-user: a server without them answers a
// fault.NotSupported naming the command, and nothing is changed).
func (s *Service) ChangeAccount(ctx context.Context, a Actor, host, username string, c AccountChange) error {
	j, err := s.AccountJID(a, host, username)
	if err != nil {
		return err
	}
	if c.Password != nil && *c.Password == "" {
		return fault.New(fault.BadRequest, "the new password of %s is empty", j).About(username)
	}
	if c.Name != nil {
		if err := checkText("display name", *c.Name, maxNameLength); err != nil {
			return err.About(username)
		}
	}
	if c.Enabled != nil {
		// Before the other changes, so that a server that cannot lock
		// accounts out changes nothing.
		if *c.Enabled {
			err = s.Unlock(ctx, a, j.String())
		} else {
			err = s.LockOut(ctx, a, j.String())
		}
		if err != nil {
			return err
		}
	}
	if c.Password == nil && c.Name == nil {
		if c.Enabled == nil {
			return s.mustExist(ctx, j, username)
		}
		return nil
	}
	return s.UpdateUser(ctx, a, j.String(), UserChange{Password: c.Password, Name: c.Name})
}

// AccountSessions lists the sessions of an account.
func (s *Service) AccountSessions(ctx context.Context, a Actor, host, username string) ([]Session, error) {
	j, err := s.AccountJID(a, host, username)
	if err != nil {
		return nil, err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return nil, err
	}
	return s.UserSessions(ctx, a, j.String())
}

// AccountGroups returns the names of the groups an account is in.
func (s *Service) AccountGroups(ctx context.Context, a Actor, host, username string) ([]string, error) {
	j, err := s.AccountJID(a, host, username)
	if err != nil {
		return nil, err
	}
	return s.UserGroups(ctx, a, j.String())
}

// lastLoginCommand is the ad-hoc client's get-user-lastlogin, where the
// Commands given have it.
type lastLoginCommand interface {
	LastLogin(ctx context.Context, user jid.JID) (time.Time, bool, error)
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
