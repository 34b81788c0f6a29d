// Package userops holds the operations of the user-facing APIs (SparkWeb's
// today): signing in by password, TOTP or WebAuthn, session tokens, and what
// a signed-in user does on their own live XMPP session (chat, presence,
// roster, archive) or to their own account (profile, groups, properties).
// Every call acts as the signed-in user, checked with ops.Actor.MayActOn;
// dialects only translate.
package userops

import (
	"context"
	"errors"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/c2s"
	"xmpprest/component/fault"
	"xmpprest/component/usersession"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

// Config are the settings of the user APIs.
type Config struct {
	// TokenIdle ends a token unused for this long; TokenMaxAge ends it
	// regardless.
	TokenIdle   time.Duration
	TokenMaxAge time.Duration
	// AllowRegistration lets anyone create an account (XEP-0133 add-user).
	AllowRegistration bool
	// MaxMessageBytes caps the body of a chat message.
	MaxMessageBytes int
	// TOTPIssuer names the service in authenticator apps.
	TOTPIssuer string
	// WebAuthn ceremonies: the relying party's ID (a domain), display name
	// and the origins pages may call from. Empty RPID turns WebAuthn off.
	RPID          string
	RPDisplayName string
	RPOrigins     []string
	// ChallengeTTL bounds a WebAuthn ceremony.
	ChallengeTTL time.Duration
	// BookmarkAdmins are the users (bare JIDs) who may share bookmarks
	// with others.
	BookmarkAdmins []string
	// Meetings are the URL templates of the online meeting services by
	// name, with {id} and {user} placeholders.
	Meetings map[string]string
}

// Service carries out the user operations.
type Service struct {
	Ops      *ops.Service
	Sessions *usersession.Manager
	Store    *store.Store
	// Sealer seals credentials kept at rest; nil turns TOTP and WebAuthn
	// off.
	Sealer *Sealer
	// Previews fetches link previews; nil turns them off.
	Previews *Previewer
	// Push sends Web Push notifications; nil turns them off.
	Push *Pusher
	Cfg  Config

	limits   limiter
	webauthn webauthnState
	services serviceCache
	known    knownAccounts
}

// The sign-in methods, as recorded with tokens.
const (
	MethodPassword = "password"
	MethodTOTP     = "totp"
	MethodWebAuthn = "webauthn"
)

// ErrUnauthenticated is wrapped by the failures that mean "sign in (again)":
// wrong or expired credentials. Dialects answer them with 401.
var ErrUnauthenticated = errors.New("not signed in")

// ErrRateLimited is wrapped by refusals after too many failed attempts;
// dialects answer them with 429.
var ErrRateLimited = errors.New("too many failed attempts")

// unauthenticated returns a failure wrapping ErrUnauthenticated.
func unauthenticated(format string, args ...any) error {
	return fault.Wrap(fault.Denied, ErrUnauthenticated, format, args...)
}

// Caller is a signed-in user, as a token says.
type Caller struct {
	Actor   ops.Actor
	TokenID int64
	Method  string
	Session *usersession.Session
}

// SignedIn is the result of a sign-in.
type SignedIn struct {
	Token string
	User  jid.JID
}

// userJID validates a username of a sign-in path.
func (s *Service) userJID(username string) (jid.JID, error) {
	return s.Ops.UserJID(username, "")
}

// SignInPassword logs the user in on the XMPP server (opening or joining
// their live session) and returns a new token.
func (s *Service) SignInPassword(ctx context.Context, clientAddr, username, password string) (SignedIn, error) {
	j, err := s.userJID(username)
	if err != nil {
		return SignedIn{}, err
	}
	if password == "" {
		return SignedIn{}, fault.New(fault.BadRequest, "send the password as the request body")
	}
	if err := s.limits.check(j.String(), clientAddr); err != nil {
		return SignedIn{}, err
	}
	if _, err := s.Sessions.Open(ctx, j, password); err != nil {
		if errors.Is(err, c2s.ErrNotAuthorized) {
			s.limits.fail(j.String(), clientAddr)
			return SignedIn{}, unauthenticated("wrong username or password")
		}
		return SignedIn{}, err
	}
	s.limits.succeed(j.String())
	// A user with TOTP or WebAuthn gets the sealed credential refreshed
	// (it is deleted when the password changes).
	if s.hasSecondFactor(ctx, j) {
		if err := s.sealCredential(ctx, j, password); err != nil {
			return SignedIn{}, err
		}
	}
	return s.issueToken(ctx, j, MethodPassword)
}

// hasSecondFactor reports whether the user registered TOTP or WebAuthn.
func (s *Service) hasSecondFactor(ctx context.Context, j jid.JID) bool {
	if _, err := s.Store.TOTP(ctx, j.String()); err == nil {
		return true
	}
	cs, err := s.Store.WebAuthnCredentials(ctx, j.String())
	return err == nil && len(cs) > 0
}

func (s *Service) issueToken(ctx context.Context, j jid.JID, method string) (SignedIn, error) {
	secret, _, err := s.Store.CreateUserToken(ctx, j.String(), method, s.Cfg.TokenMaxAge)
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.Unavailable, err, "could not record the sign-in")
	}
	return SignedIn{Token: secret, User: j}, nil
}

// sealCredential keeps the user's XMPP password sealed, for TOTP and
// WebAuthn sign-ins.
func (s *Service) sealCredential(ctx context.Context, j jid.JID, password string) error {
	if s.Sealer == nil {
		return fault.New(fault.NotSupported, "sign-in without a password is not configured (sparkweb.key_file)")
	}
	if err := s.Store.PutSealedCredential(ctx, j.String(), s.Sealer.Seal(j.String(), []byte(password))); err != nil {
		return fault.Wrap(fault.Unavailable, err, "could not store the sealed credential")
	}
	return nil
}

// openWithSealedCredential opens the user's session with the sealed
// password (TOTP and WebAuthn sign-ins, and tokens whose session ended).
func (s *Service) openWithSealedCredential(ctx context.Context, j jid.JID) (*usersession.Session, error) {
	if sess := s.Sessions.Get(j); sess != nil {
		return sess, nil
	}
	if s.Sealer == nil {
		return nil, unauthenticated("sign in with your password")
	}
	sealed, err := s.Store.SealedCredential(ctx, j.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, unauthenticated("no XMPP credential is kept for %s (the password changed or the user signed out everywhere): sign in with the password once", j)
	}
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the sealed credential")
	}
	password, err := s.Sealer.Open(j.String(), sealed)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "the sealed credential of %s", j)
	}
	sess, err := s.Sessions.Open(ctx, j, string(password))
	if errors.Is(err, c2s.ErrNotAuthorized) {
		s.Store.DeleteSealedCredential(ctx, j.String())
		return nil, unauthenticated("the XMPP server no longer accepts the kept password of %s: sign in with the password", j)
	}
	return sess, err
}

// Authenticate returns the signed-in user of a token, with their live
// session (reopened from the sealed credential when it had ended and one is
// kept).
func (s *Service) Authenticate(ctx context.Context, token, clientAddr, requestID string) (Caller, error) {
	if token == "" {
		return Caller{}, unauthenticated("sign in first: send the token as the Authorization header")
	}
	t, err := s.Store.UseUserToken(ctx, token, s.Cfg.TokenIdle)
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, unauthenticated("the token is unknown, revoked or expired: sign in again")
	}
	if err != nil {
		return Caller{}, fault.Wrap(fault.Unavailable, err, "check the token")
	}
	j, err := jid.Parse(t.JID)
	if err != nil {
		return Caller{}, fault.Wrap(fault.Internal, err, "token of %q", t.JID)
	}
	sess := s.Sessions.Get(j)
	if sess == nil {
		sess, err = s.openWithSealedCredential(ctx, j)
		if errors.Is(err, ErrUnauthenticated) {
			// Nothing can bring the session back: the token is useless.
			s.Store.RevokeUserToken(ctx, t.ID)
			return Caller{}, unauthenticated("the XMPP session of %s has ended (idle, or the server refused its password): sign in again", j)
		}
		if err != nil {
			return Caller{}, err
		}
	}
	sess.Touch()
	return Caller{
		Actor:   ops.Actor{Name: j.String(), ClientAddress: clientAddr, RequestID: requestID, Role: ops.RoleUser, User: j},
		TokenID: t.ID, Method: t.Method, Session: sess,
	}, nil
}

// SignOut revokes the caller's token and ends the XMPP session when no
// other token of the user is live. Everywhere revokes every token of the
// user, ends the session and deletes the sealed credential.
func (s *Service) SignOut(ctx context.Context, c Caller, everywhere bool) error {
	user := c.Actor.User
	if everywhere {
		if err := s.Store.RevokeUserTokens(ctx, user.String()); err != nil {
			return fault.Wrap(fault.Unavailable, err, "revoke the tokens")
		}
		if err := s.Store.DeleteSealedCredential(ctx, user.String()); err != nil {
			return fault.Wrap(fault.Unavailable, err, "delete the sealed credential")
		}
	} else if err := s.Store.RevokeUserToken(ctx, c.TokenID); err != nil {
		return fault.Wrap(fault.Unavailable, err, "revoke the token")
	}
	n, err := s.Store.LiveUserTokens(ctx, user.String(), s.Cfg.TokenIdle)
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "count the tokens")
	}
	if n == 0 {
		s.Sessions.End(user)
	}
	return nil
}

// Register creates an account (when registration is allowed) and signs it
// in.
func (s *Service) Register(ctx context.Context, clientAddr, username, password string) (SignedIn, error) {
	if !s.Cfg.AllowRegistration {
		return SignedIn{}, fault.New(fault.Denied, "registration is closed on this service (sparkweb.allow_registration)")
	}
	j, err := s.userJID(username)
	if err != nil {
		return SignedIn{}, err
	}
	if password == "" {
		return SignedIn{}, fault.New(fault.BadRequest, "send the new account's password as the request body")
	}
	registrar := ops.Actor{Name: "self-registration", ClientAddress: clientAddr, Role: ops.RoleServiceAdmin}
	if err := s.Ops.CreateUser(ctx, registrar, ops.NewUser{Username: j.String(), Password: password}); err != nil {
		return SignedIn{}, err
	}
	return s.SignInPassword(ctx, clientAddr, j.String(), password)
}

// limiter counts failed sign-in attempts per account and per client
// address.
type limiter struct {
	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n     int
	since time.Time
}

// Up to maxFailures failures per failureWindow per account, and
// maxAddressFailures per client address (which may serve many users).
const (
	maxFailures        = 5
	maxAddressFailures = 50
	failureWindow      = 5 * time.Minute
)

// addressKey is the limiter's key of a client address.
func addressKey(addr string) string { return "address " + addr }

func (l *limiter) check(user, addr string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for k, limit := range map[string]int{user: maxFailures, addressKey(addr): maxAddressFailures} {
		f := l.fails[k]
		if f == nil {
			continue
		}
		if now.Sub(f.since) > failureWindow {
			delete(l.fails, k)
			continue
		}
		if f.n >= limit {
			wait := failureWindow - now.Sub(f.since)
			return fault.Wrap(fault.Denied, ErrRateLimited, "too many failed attempts: try again in %d seconds", int(wait.Seconds())+1)
		}
	}
	return nil
}

func (l *limiter) fail(user, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = map[string]*failures{}
	}
	now := time.Now()
	if len(l.fails) > 100000 {
		for k, f := range l.fails {
			if now.Sub(f.since) > failureWindow {
				delete(l.fails, k)
			}
		}
	}
	for _, k := range []string{user, addressKey(addr)} {
		f := l.fails[k]
		if f == nil || now.Sub(f.since) > failureWindow {
			f = &failures{since: now}
			l.fails[k] = f
		}
		f.n++
	}
}

func (l *limiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// checkPassword verifies the user's password: against the live session
// when it matches, by a login otherwise.
func (s *Service) checkPassword(ctx context.Context, j jid.JID, password, clientAddr string) error {
	if password == "" {
		return fault.New(fault.BadRequest, "send the current password as the request body")
	}
	if err := s.limits.check(j.String(), clientAddr); err != nil {
		return err
	}
	if sess := s.Sessions.Get(j); sess != nil && sess.PasswordMatches(password) {
		return nil
	}
	err := s.Sessions.CheckPassword(ctx, j, password)
	if errors.Is(err, c2s.ErrNotAuthorized) {
		s.limits.fail(j.String(), clientAddr)
		return unauthenticated("wrong username or password")
	}
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "could not check the password with the XMPP server")
	}
	return nil
}

// defaultChallengeTTL bounds a WebAuthn ceremony when nothing else does.
const defaultChallengeTTL = 5 * time.Minute
