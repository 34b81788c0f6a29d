package ops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

// Property is a key/value pair attached to a user or to the service.
type Property struct {
	Key   string
	Value string
}

// User is an account with what the component knows about it. Name, Email
// and Properties are owned by the component; a user made on the server
// directly has them empty.
type User struct {
	JID        jid.JID // bare
	Username   string  // the localpart
	Name       string
	Email      string
	Properties []Property // sorted by key
}

// NewUser is the input of CreateUser.
type NewUser struct {
	Username   string // a localpart or a bare JID of a configured host
	Password   string
	Name       string
	Email      string
	Properties []Property
	// Groups are groups of the user's host to put the new account in
	// (created when missing); if that fails the account is deleted again.
	Groups []string
}

// UserChange is the input of UpdateUser: nil fields stay as they are.
type UserChange struct {
	// Username, when it names another user, renames the account.
	Username *string
	Password *string
	Name     *string
	Email    *string
	// Properties are set (added or overwritten); the others are kept.
	Properties []Property
}

// UserFilter selects users for ListUsers. Zero fields do not restrict.
type UserFilter struct {
	Host          string // "" means the default host
	Search        string // a substring of the username, case-insensitive
	PropertyKey   string
	PropertyValue string // only with PropertyKey
}

// timeoutSlack is added to the XMPP timeout for compensations, which run
// after the request's own deadline may have passed.
const timeoutSlack = 2 * time.Second

// ErrUserNotFound is the cause of the fault.NotFound of an account that
// does not exist, and ErrUserExists of the fault.Conflict of one that does
// already (match them with errors.Is).
var (
	ErrUserNotFound = errors.New("no such user")
	ErrUserExists   = errors.New("the user exists already")
)

// errUserNotFound is the fault of a missing account.
func errUserNotFound(username string) error {
	return fault.Wrap(fault.NotFound, ErrUserNotFound, "there is no user %s", username).About(username)
}

// ListUsers lists the accounts of a host through get-registered-users-list,
// with the component's metadata, sorted by username. A server without the
// command is a fault.NotSupported naming it: a partial list is never given.
// The actor must administer the host.
func (s *Service) ListUsers(ctx context.Context, a Actor, f UserFilter) ([]User, error) {
	host, err := s.administeredHost(a, f.Host)
	if err != nil {
		return nil, err
	}
	if f.PropertyValue != "" && f.PropertyKey == "" {
		return nil, fault.New(fault.BadRequest, "propertyValue needs propertyKey")
	}
	jids, err := s.Adhoc.RegisteredUsers(ctx, jid.MustParse(host))
	if err != nil {
		return nil, err
	}
	metas, err := s.Store.UserMetas(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read user metadata")
	}
	search := strings.ToLower(f.Search)
	users := []User{}
	for _, raw := range jids {
		j, err := jid.Parse(raw)
		if err != nil {
			continue // not a JID: nothing a caller could address
		}
		j = j.Bare()
		if j.Domainpart() != host {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(j.Localpart()), search) {
			continue
		}
		u := userFrom(j, metas[j.String()])
		if f.PropertyKey != "" && !hasProperty(u.Properties, f.PropertyKey, f.PropertyValue) {
			continue
		}
		users = append(users, u)
	}
	sort.Slice(users, func(i, k int) bool { return users[i].Username < users[k].Username })
	return users, nil
}

func hasProperty(ps []Property, key, value string) bool {
	for _, p := range ps {
		if p.Key == key && (value == "" || p.Value == value) {
			return true
		}
	}
	return false
}

func userFrom(j jid.JID, m store.UserMeta) User {
	u := User{JID: j, Username: j.Localpart(), Name: m.Name, Email: m.Email}
	for _, p := range m.Properties {
		u.Properties = append(u.Properties, Property{Key: p.Key, Value: p.Value})
	}
	return u
}

// GetUser returns one account; a missing one is fault.NotFound.
func (s *Service) GetUser(ctx context.Context, a Actor, username string) (User, error) {
	j, err := s.userOf(a, username)
	if err != nil {
		return User{}, err
	}
	// The metadata is read while the server answers whether the account
	// exists: the two do not depend on each other.
	var m store.UserMeta
	err = s.existsWhile(ctx, j, username, func() (err error) {
		m, err = s.Store.UserMeta(ctx, j.String())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fault.Wrap(fault.Unavailable, err, "read user metadata")
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return userFrom(j, m), nil
}

// existsWhile checks that the account j exists (as mayExist) while read runs against the store, and returns the check's fault first,
// then read's. read must only read: it runs whether the account exists or
// not.
func (s *Service) existsWhile(ctx context.Context, j jid.JID, username string, read func() error) error {
	done := make(chan error, 1)
	go func() { done <- read() }()
	if err := s.mayExist(ctx, j, username); err != nil {
		return err // read ends on its own; its result is not needed
	}
	return <-done
}

func (s *Service) mustExist(ctx context.Context, j jid.JID, username string) error {
	ok, err := s.Adhoc.UserExists(ctx, j)
	if err != nil {
		return err
	}
	if !ok {
		return errUserNotFound(username)
	}
	return nil
}

func checkProperties(ps []Property) error {
	seen := map[string]bool{}
	for _, p := range ps {
		if strings.TrimSpace(p.Key) == "" {
			return fault.New(fault.BadRequest, "a property has an empty key")
		}
		if err := checkKey("property key", p.Key, maxKeyLength); err != nil {
			return err
		}
		if err := checkFreeText("value of property "+p.Key, p.Value, maxFreeTextLength); err != nil {
			return err
		}
		if seen[p.Key] {
			return fault.New(fault.BadRequest, "property %q is given twice", p.Key)
		}
		seen[p.Key] = true
	}
	return nil
}

func toKV(ps []Property) []store.KeyValue {
	out := make([]store.KeyValue, 0, len(ps))
	for _, p := range ps {
		out = append(out, store.KeyValue{Key: p.Key, Value: p.Value})
	}
	return out
}

// CreateUser creates the account on the server (add-user), records its
// metadata with the audit entry and puts it in u.Groups; if recording or
// joining the groups fails the account is deleted again, so nothing is left
// half-made.
func (s *Service) CreateUser(ctx context.Context, a Actor, u NewUser) error {
	j, err := s.administeredUser(a, u.Username)
	if err != nil {
		return err
	}
	for _, g := range u.Groups {
		if err := checkGroupName(g); err != nil {
			return err
		}
	}
	if u.Password == "" {
		return fault.New(fault.BadRequest, "a password is required to create user %s", u.Username).About(u.Username)
	}
	if err := checkProperties(u.Properties); err != nil {
		return err
	}
	if err := checkUserText(&u.Name, &u.Email); err != nil {
		return err
	}
	if err := checkPassword(u.Password); err != nil {
		return err
	}
	if err := s.Adhoc.AddUser(ctx, adhoc.NewUser{JID: j, Password: u.Password}); err != nil {
		if fault.Is(err, fault.Conflict) {
			return fault.Wrap(fault.Conflict, errors.Join(ErrUserExists, err), "user %s already exists", j).About(u.Username)
		}
		return err
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutUserMeta(ctx, store.UserMeta{JID: j.String(), Name: u.Name, Email: u.Email, Properties: toKV(u.Properties)}); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), "created user "+j.String(), describeUser(u.Name, u.Email, u.Properties))
	})
	if err != nil {
		s.undo(ctx, "delete the user just created", func(ctx context.Context) error { return s.Adhoc.DeleteUser(ctx, j) })
		return fault.Wrap(fault.Unavailable, err, "could not record user %s; the account was not kept", j)
	}
	if len(u.Groups) == 0 {
		return nil
	}
	if err := s.AddUserToGroups(ctx, a, j.String(), u.Groups); err != nil {
		s.undo(ctx, "delete the user just created, as it could not join its groups", func(ctx context.Context) error {
			return s.forgetUser(ctx, a, j, "undid the creation of user "+j.String()+": it could not join its groups")
		})
		return err
	}
	return nil
}

// forgetUser deletes an account just made and its metadata (the undo of a
// creation).
func (s *Service) forgetUser(ctx context.Context, a Actor, j jid.JID, summary string) error {
	if err := s.deleteUser(ctx, j); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteUserMeta(ctx, j.String()); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), summary, "")
	})
}

// CreateResult is the outcome of one user of CreateUsers.
type CreateResult struct {
	Username string
	Err      error // nil on success
}

// CreateUsers creates each user in turn and reports each outcome; one
// failure does not stop the others.
func (s *Service) CreateUsers(ctx context.Context, a Actor, us []NewUser) []CreateResult {
	out := make([]CreateResult, 0, len(us))
	for _, u := range us {
		out = append(out, CreateResult{Username: u.Username, Err: s.CreateUser(ctx, a, u)})
	}
	return out
}

func describeUser(name, email string, ps []Property) string {
	var parts []string
	if name != "" {
		parts = append(parts, "name="+name)
	}
	if email != "" {
		parts = append(parts, "email="+email)
	}
	for _, p := range ps {
		parts = append(parts, "property "+p.Key)
	}
	return strings.Join(parts, ", ")
}

// undo runs a compensation with a fresh deadline, logging a failure.
func (s *Service) undo(ctx context.Context, what string, f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Link.Timeout()+timeoutSlack)
	defer cancel()
	if err := f(ctx); err != nil && s.Log != nil {
		s.Log.Error("could not undo a half-made change", "undo", what, "error", err)
	}
}

// DeleteUser deletes the account (delete-user) and the component's data
// about it.
func (s *Service) DeleteUser(ctx context.Context, a Actor, username string) error {
	j, err := s.administeredUser(a, username)
	if err != nil {
		return err
	}
	if err := s.leaveAllGroups(ctx, a, j); err != nil {
		return err
	}
	// delete-user itself reports a missing account on both servers: no
	// separate existence check (it would double the server's work).
	if err := s.deleteUser(ctx, j); err != nil {
		if fault.Is(err, fault.NotFound) {
			return errUserNotFound(username)
		}
		return err
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteUserMeta(ctx, j.String()); err != nil {
			return err
		}
		if err := tx.RemoveFromAllGroups(ctx, j.String()); err != nil {
			return err
		}
		if err := tx.SetLocked(ctx, j.String(), false, time.Now()); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), "deleted user "+j.String(), "")
	})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "user %s was deleted on the XMPP server, but the component could not forget its data", j)
	}
	return nil
}

// leaveAllGroups takes a user about to be deleted out of its groups, on
// every host, the way leaving does, so shared groups take it out of the
// other members' rosters (and group-affiliated chat rooms follow).
func (s *Service) leaveAllGroups(ctx context.Context, a Actor, j jid.JID) error {
	memberships, err := s.Store.Memberships(ctx, j.String())
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "read the groups of %s", j)
	}
	for host, names := range memberships {
		if err := s.leaveGroups(ctx, a, j, host, names); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser changes an account: its password on the server, its name,
// email and properties in the store; a Username naming another user renames
// it (see RenameUser). A user may change its own account.
func (s *Service) UpdateUser(ctx context.Context, a Actor, username string, c UserChange) error {
	j, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	if err := checkProperties(c.Properties); err != nil {
		return err
	}
	if err := checkUserText(c.Name, c.Email); err != nil {
		return err
	}
	if c.Password != nil {
		if err := checkPassword(*c.Password); err != nil {
			return err
		}
	}
	if c.Username != nil && *c.Username != "" {
		to, err := s.UserJID(*c.Username, j.Domainpart())
		if err != nil {
			return err
		}
		if !to.Equal(j) {
			return s.RenameUser(ctx, a, j, to, c)
		}
	}
	if c.Password != nil {
		// change-user-password reports a missing account on both servers.
		if err := s.Adhoc.ChangePassword(ctx, j, *c.Password); err != nil {
			if fault.Is(err, fault.NotFound) {
				return errUserNotFound(username)
			}
			return err
		}
	} else if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	var changed []string
	if c.Password != nil {
		changed = append(changed, "password")
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.UserMeta(ctx, j.String())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		m.JID = j.String()
		changed = append(changed, applyChange(&m, c)...)
		if err := tx.PutUserMeta(ctx, m); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, j.Domainpart(), j.Localpart(), "updated user "+j.String(), "changed: "+strings.Join(changed, ", "))
	})
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "could not record the change of user %s", j)
	}
	return nil
}

// applyChange applies the name, email and properties of c to m and says
// what changed.
func applyChange(m *store.UserMeta, c UserChange) []string {
	var changed []string
	if c.Name != nil {
		m.Name = *c.Name
		changed = append(changed, "name")
	}
	if c.Email != nil {
		m.Email = *c.Email
		changed = append(changed, "email")
	}
	for _, p := range c.Properties {
		set := false
		for i := range m.Properties {
			if m.Properties[i].Key == p.Key {
				m.Properties[i].Value, set = p.Value, true
			}
		}
		if !set {
			m.Properties = append(m.Properties, store.KeyValue{Key: p.Key, Value: p.Value})
		}
		changed = append(changed, "property "+p.Key)
	}
	return changed
}

// RenameUser moves an account to another username: it creates the new
// account, moves the component's data, then deletes the old account,
// undoing each step if a later one fails. XMPP servers neither rename
// accounts nor reveal passwords, so the new password must be given. The
// roster is carried over through XEP-0356 roster set; where the server
// cannot do that (ejabberd before 23.10) a user with contacts is refused
// rather than renamed without them. Other users' rosters still name the old
// JID. Renaming is an administrator's business.
func (s *Service) RenameUser(ctx context.Context, a Actor, from, to jid.JID, c UserChange) error {
	if err := a.MayAdminister(from.Domainpart()); err != nil {
		return err
	}
	if from.Domainpart() != to.Domainpart() {
		return fault.New(fault.BadRequest, "cannot rename %s to another host (%s)", from, to.Domainpart())
	}
	if c.Password == nil || *c.Password == "" {
		return fault.New(fault.BadRequest, "renaming %s to %s creates a new account, and the XMPP server does not reveal the old password: send the password for the new account in the body",
			from.Localpart(), to.Localpart()).About(from.Localpart())
	}
	if err := s.mustExist(ctx, from, from.Localpart()); err != nil {
		return err
	}
	exists, err := s.Adhoc.UserExists(ctx, to)
	if err != nil {
		return err
	}
	if exists {
		return fault.New(fault.Conflict, "cannot rename %s: user %s already exists", from.Localpart(), to.Localpart()).About(to.Localpart())
	}
	roster, err := s.rosterOf(ctx, from)
	if err != nil {
		return fault.Wrap(fault.KindOf(err), err, "cannot rename %s safely: its roster could not be read to carry it over", from.Localpart()).About(from.Localpart())
	}
	if err := s.Adhoc.AddUser(ctx, adhoc.NewUser{JID: to, Password: *c.Password}); err != nil {
		return err
	}
	for _, item := range roster {
		ci := component.RosterItem{JID: item.JID, Name: item.Name, Subscription: item.Subscription, Groups: item.Groups}
		if err := s.Link.RosterSet(ctx, to, ci); err != nil {
			s.undo(ctx, "delete the new account of a failed rename", func(ctx context.Context) error { return s.Adhoc.DeleteUser(ctx, to) })
			return fault.Wrap(fault.KindOf(err), err, "cannot rename %s: its %d roster contacts could not be carried over to %s, so nothing was changed",
				from.Localpart(), len(roster), to.Localpart()).About(from.Localpart())
		}
	}
	var old store.UserMeta
	hadOld := false
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.UserMeta(ctx, from.String())
		switch {
		case err == nil:
			old, hadOld = m, true
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		m.JID = to.String()
		applyChange(&m, c)
		if err := tx.PutUserMeta(ctx, m); err != nil {
			return err
		}
		if err := tx.DeleteUserMeta(ctx, from.String()); err != nil {
			return err
		}
		if err := tx.RenameGroupMember(ctx, from.String(), to.String()); err != nil {
			return err
		}
		return s.auditOn(ctx, tx, a, from.Domainpart(), from.Localpart(), fmt.Sprintf("renamed user %s to %s", from, to), "")
	})
	if err != nil {
		s.undo(ctx, "delete the new account of a failed rename", func(ctx context.Context) error { return s.Adhoc.DeleteUser(ctx, to) })
		return fault.Wrap(fault.Unavailable, err, "could not record the rename of %s; nothing was changed", from)
	}
	if err := s.deleteUser(ctx, from); err != nil {
		s.undo(ctx, "restore the data of a failed rename", func(ctx context.Context) error {
			return s.Store.Update(ctx, func(tx *store.Tx) error {
				if err := tx.DeleteUserMeta(ctx, to.String()); err != nil {
					return err
				}
				if hadOld {
					if err := tx.PutUserMeta(ctx, old); err != nil {
						return err
					}
				}
				if err := tx.RenameGroupMember(ctx, to.String(), from.String()); err != nil {
					return err
				}
				return s.auditOn(ctx, tx, a, from.Domainpart(), from.Localpart(), fmt.Sprintf("undid the rename of %s to %s", from, to), fault.Message(err))
			})
		})
		s.undo(ctx, "delete the new account of a failed rename", func(ctx context.Context) error { return s.Adhoc.DeleteUser(ctx, to) })
		return fault.Wrap(fault.KindOf(err), err, "could not delete the old account %s; the rename was undone", from.Localpart())
	}
	return nil
}
