package userops

import (
	"context"

	"xmpprest/component/fault"
	"xmpprest/httpapi/ops"
)

// selfService is the actor of the few operations ops keeps for
// administrators that SparkWeb lets users do on their own account:
// deleting it, joining and leaving groups, and reading the directory of
// their host (usernames and names only, see Directory). It administers the
// user's own host only, and every caller passes the user's own JID.
func (c Caller) selfService() ops.Actor { return c.selfServiceOn(c.Actor.User.Domainpart()) }

// selfServiceOn is selfService on host (for the existence check of a
// contact on another administered host).
func (c Caller) selfServiceOn(host string) ops.Actor {
	a := c.Actor
	a.Name = a.User.String() + " (self-service)"
	a.Role, a.Host = ops.RoleHostAdmin, host
	return a
}

// Profile returns the caller's account: name, email and properties kept
// by the component.
func (s *Service) Profile(ctx context.Context, c Caller) (ops.User, error) {
	if _, err := c.self(); err != nil {
		return ops.User{}, err
	}
	return s.Ops.GetUser(ctx, c.Actor, c.Actor.User.String())
}

// ProfileChange is what a user may change of their account; nil fields
// stay as they are.
type ProfileChange struct {
	Name, Email, Password *string
	Properties            []ops.Property
}

// UpdateProfile changes the caller's name, email, properties or password
// (XEP-0133 change-user-password; the live session reconnects with the new
// password, and the sealed credential is deleted).
func (s *Service) UpdateProfile(ctx context.Context, c Caller, ch ProfileChange) error {
	sess, err := c.self()
	if err != nil {
		return err
	}
	if ch.Password != nil && *ch.Password == "" {
		return fault.New(fault.BadRequest, "the new password is empty")
	}
	err = s.Ops.UpdateUser(ctx, c.Actor, c.Actor.User.String(), ops.UserChange{
		Name: ch.Name, Email: ch.Email, Password: ch.Password, Properties: ch.Properties,
	})
	if err != nil {
		return err
	}
	if ch.Password != nil {
		sess.SetPassword(*ch.Password)
		if err := s.Store.DeleteSealedCredential(ctx, c.Actor.User.String()); err != nil {
			return fault.Wrap(fault.Unavailable, err, "delete the sealed credential")
		}
	}
	return nil
}

// DeleteAccount deletes the caller's account on the server and everything
// the component holds for it (metadata, groups, tokens, TOTP and WebAuthn
// credentials, the sealed credential, push subscriptions), ending the
// session first.
func (s *Service) DeleteAccount(ctx context.Context, c Caller) error {
	if _, err := c.self(); err != nil {
		return err
	}
	user := c.Actor.User
	s.Sessions.End(user)
	if err := s.Ops.DeleteUser(ctx, c.selfService(), user.String()); err != nil {
		return err
	}
	if err := s.Store.ForgetUserSignIn(ctx, user.String()); err != nil {
		return fault.Wrap(fault.Unavailable, err, "the account was deleted, but its sign-in data could not be")
	}
	if err := s.Store.DeletePushSubscriptions(ctx, user.String()); err != nil {
		return fault.Wrap(fault.Unavailable, err, "the account was deleted, but its push subscriptions could not be")
	}
	return nil
}

// Directory lists the accounts of the caller's host whose username
// contains search: username and display name only (never another user's
// email or properties).
func (s *Service) Directory(ctx context.Context, c Caller, search string) ([]ops.User, error) {
	if _, err := c.self(); err != nil {
		return nil, err
	}
	users, err := s.Ops.ListUsers(ctx, c.selfService(), ops.UserFilter{Host: c.Actor.User.Domainpart(), Search: search})
	if err != nil {
		return nil, err
	}
	for i := range users {
		if !users[i].JID.Equal(c.Actor.User) {
			users[i].Email, users[i].Properties = "", nil
		}
	}
	return users, nil
}

// Groups returns the names of the component's groups the caller is in.
func (s *Service) Groups(ctx context.Context, c Caller) ([]string, error) {
	if _, err := c.self(); err != nil {
		return nil, err
	}
	names, err := s.Ops.UserGroups(ctx, c.Actor, c.Actor.User.String())
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return sortStrings(names), nil
}

// JoinGroups adds the caller to existing groups (a missing one is a
// fault.NotFound).
func (s *Service) JoinGroups(ctx context.Context, c Caller, names []string) error {
	if _, err := c.self(); err != nil {
		return err
	}
	if len(names) == 0 {
		return fault.New(fault.BadRequest, "name at least one group")
	}
	// A user joins groups; only administrators make them.
	for _, n := range names {
		if _, err := s.Ops.GetGroup(ctx, c.selfService(), c.Actor.User.Domainpart(), n); err != nil {
			return err
		}
	}
	before, _ := s.bookmarksFor(ctx, c.Actor.User)
	if err := s.Ops.AddUserToGroups(ctx, c.selfService(), c.Actor.User.String(), names); err != nil {
		return err
	}
	s.resyncBookmarks(ctx, c.Session, before)
	return nil
}

// LeaveGroups takes the caller out of groups.
func (s *Service) LeaveGroups(ctx context.Context, c Caller, names []string) error {
	if _, err := c.self(); err != nil {
		return err
	}
	if len(names) == 0 {
		return fault.New(fault.BadRequest, "name at least one group")
	}
	before, _ := s.bookmarksFor(ctx, c.Actor.User)
	if err := s.Ops.RemoveUserFromGroups(ctx, c.selfService(), c.Actor.User.String(), names); err != nil {
		return err
	}
	s.resyncBookmarks(ctx, c.Session, before)
	return nil
}

// GlobalSettings are the service's settings that concern a signed-in user.
type GlobalSettings struct {
	AllowRegistration bool
	MaxMessageBytes   int
	TOTP              bool
	WebAuthn          bool
	TokenIdleSeconds  int
	TokenMaxSeconds   int
}

// Settings returns the settings that concern a signed-in user.
func (s *Service) Settings(c Caller) (GlobalSettings, error) {
	if _, err := c.self(); err != nil {
		return GlobalSettings{}, err
	}
	_, waErr := s.relyingParty()
	return GlobalSettings{
		AllowRegistration: s.Cfg.AllowRegistration,
		MaxMessageBytes:   s.Cfg.MaxMessageBytes,
		TOTP:              s.Sealer != nil,
		WebAuthn:          waErr == nil,
		TokenIdleSeconds:  int(s.Cfg.TokenIdle.Seconds()),
		TokenMaxSeconds:   int(s.Cfg.TokenMaxAge.Seconds()),
	}, nil
}
