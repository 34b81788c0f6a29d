package ops

import (
	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

// Role is what kind of caller an Actor is, and so what it may act on.
type Role int

// The roles. The zero value, RoleNone, may do nothing: an Actor must be given
// a role explicitly by the dialect that authenticated it.
const (
	RoleNone         Role = iota
	RoleServiceAdmin      // every host the component administers
	RoleHostAdmin         // one host (Actor.Host) and the accounts on it
	RoleUser              // only the signed-in user's own account (Actor.User)
)

// Actor is who asks for an operation: what it may act on, and how it is
// named in the audit log.
type Actor struct {
	Name          string // "secret", an admin's JID, a token's name
	ClientAddress string
	RequestID     string

	Role Role
	Host string  // RoleHostAdmin: the one host it administers
	User jid.JID // RoleUser: the bare JID of the signed-in user
}

// ServiceAdmin is an Actor that may act on every administered host (the CLI,
// the Openfire shared secret, tests).
func ServiceAdmin(name string) Actor { return Actor{Name: name, Role: RoleServiceAdmin} }

// MayAdminister returns nil when a may act as an administrator of host, and
// a fault.Denied that says why not otherwise.
func (a Actor) MayAdminister(host string) error {
	switch a.Role {
	case RoleServiceAdmin:
		return nil
	case RoleHostAdmin:
		if a.Host == host {
			return nil
		}
		return fault.New(fault.Denied, "these credentials administer %s only, not %s", a.Host, host).About(host)
	case RoleUser:
		return fault.New(fault.Denied, "a signed-in user may not administer %s", host).About(host)
	}
	return fault.New(fault.Denied, "the caller has no role").About(host)
}

// MayActOn returns nil when a may act on the account user (a bare JID): an
// administrator of its host, or the user itself; a fault.Denied otherwise.
func (a Actor) MayActOn(user jid.JID) error {
	if a.Role == RoleUser {
		if a.User.Bare().Equal(user.Bare()) {
			return nil
		}
		return fault.New(fault.Denied, "a signed-in user may act only on their own account, not on %s", user.Bare()).About(user.Bare().String())
	}
	return a.MayAdminister(user.Domainpart())
}
