package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/xmppserver"
)

// rawTarget sends the XEP-0133 commands over a component connection of its
// own, with the same component.Link and adhoc.Client xmpprest uses: the
// floor the REST dialects add their cost to.
//
// Measured: at concurrency 8 and 32 this link sometimes starts failing every
// send with "write tcp …: i/o timeout" until it reconnects, while the bare
// session (whose sends take a context never cancelled) does not. mellium
// v0.23's send watches the caller's context in a goroutine; scheduled late,
// after the reply came and Link.do cancelled the IQ's context, it sets a
// past write deadline, and the session's buffered writer keeps the error.
// A bare session cancelling each IQ's context after the reply failed every
// send after ~40,000 pings at concurrency 32 on ejabberd; deferring the
// cancellation (time.AfterFunc) made 137,000 pings without a failure.
type rawTarget struct {
	srv   *xmppserver.Server
	host  jid.JID
	link  *component.Link
	adhoc *adhoc.Client
	pool  *pool
}

func newRawTarget(srv *xmppserver.Server) *rawTarget {
	return &rawTarget{srv: srv, host: jid.MustParse(srv.Hosts[0]), pool: newPool("r")}
}

func (t *rawTarget) Mode() string { return modeRaw }
func (t *rawTarget) Pool() *pool  { return t.pool }

// linkConfig is the component configuration of srv.
func linkConfig(srv *xmppserver.Server) component.Config {
	var hosts []jid.JID
	for _, h := range srv.Hosts {
		hosts = append(hosts, jid.MustParse(h))
	}
	return component.Config{
		Address:    srv.ComponentAddr,
		Domain:     jid.MustParse(srv.ComponentJID),
		Secret:     srv.Secret,
		Hosts:      hosts,
		MUCService: jid.MustParse(srv.MUCService),
		Timeout:    10 * time.Second,
		KeepAlive:  time.Hour, // no keep-alive pings inside the measurements
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func (t *rawTarget) Attach(ctx context.Context) error {
	t.link = component.New(linkConfig(t.srv))
	if err := t.link.Start(context.Background()); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := t.link.WaitUp(ctx); err != nil {
		t.link.Close()
		return fmt.Errorf("the component link did not come up: %w", err)
	}
	t.adhoc = adhoc.New(t.link)
	return nil
}

func (t *rawTarget) Detach() error {
	if t.link == nil {
		return nil
	}
	err := t.link.Close()
	t.link = nil
	return err
}

func (t *rawTarget) Close() error { return t.Detach() }

func (t *rawTarget) user(name string) jid.JID {
	return jid.MustParse(name + "@" + t.host.String())
}

func (t *rawTarget) Op(_ context.Context, name string) (opFunc, string) {
	switch name {
	case opAddUser:
		return func(ctx context.Context, seq int64) error {
			u := t.pool.name(seq)
			if err := t.adhoc.AddUser(ctx, adhoc.NewUser{JID: t.user(u), Password: "pw-" + u}); err != nil {
				return err
			}
			t.pool.add(u)
			return nil
		}, ""
	case opUserExists:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			ok, err := t.adhoc.UserExists(ctx, t.user(u))
			if err == nil && !ok {
				err = fmt.Errorf("UserExists(%s) = false for an existing account", u)
			}
			return err
		}, ""
	case opChangePassword:
		return func(ctx context.Context, seq int64) error {
			u, err := t.pool.pick(seq)
			if err != nil {
				return err
			}
			return t.adhoc.ChangePassword(ctx, t.user(u), fmt.Sprintf("pw-%d", seq))
		}, ""
	case opOnlineUsers:
		return func(ctx context.Context, _ int64) error {
			_, err := t.adhoc.OnlineUsers(ctx, t.host)
			return err
		}, ""
	case opPing:
		return func(ctx context.Context, _ int64) error {
			return t.link.Ping(ctx, t.host)
		}, ""
	case opExistsUserStats:
		return t.existsBy(func(ctx context.Context, u jid.JID) error {
			_, err := t.adhoc.UserStats(ctx, u)
			return err
		}), ""
	case opExistsLastLogin:
		return t.existsBy(func(ctx context.Context, u jid.JID) error {
			_, ok, err := t.adhoc.LastLogin(ctx, u)
			if err == nil && !ok {
				err = fmt.Errorf("LastLogin(%s) says no account for an existing one", u)
			}
			return err
		}), ""
	case opExistsUserList:
		return t.existsBy(func(ctx context.Context, u jid.JID) error {
			users, err := t.adhoc.RegisteredUsers(ctx, t.host)
			if err != nil {
				return err
			}
			for _, j := range users {
				if j == u.String() {
					return nil
				}
			}
			return fmt.Errorf("%s is not in the registered-users list", u)
		}), ""
	case opDeleteUser:
		return func(ctx context.Context, _ int64) error {
			u, err := t.pool.take()
			if err != nil {
				return err
			}
			return t.adhoc.DeleteUser(ctx, t.user(u))
		}, ""
	}
	return nil, "no raw counterpart"
}

// existsBy is an existence check of an account of the pool by ask.
func (t *rawTarget) existsBy(ask func(ctx context.Context, u jid.JID) error) opFunc {
	return func(ctx context.Context, seq int64) error {
		u, err := t.pool.pick(seq)
		if err != nil {
			return err
		}
		return ask(ctx, t.user(u))
	}
}
