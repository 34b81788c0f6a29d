package userops

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// webauthnState is the relying party, made on first use.
type webauthnState struct {
	once sync.Once
	rp   *webauthn.WebAuthn
	err  error
}

func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	s.webauthn.once.Do(func() {
		if s.Cfg.RPID == "" || s.Sealer == nil {
			s.webauthn.err = fault.New(fault.NotSupported, "WebAuthn sign-in is not configured (sparkweb.webauthn_rp_id, sparkweb.key_file)")
			return
		}
		name := s.Cfg.RPDisplayName
		if name == "" {
			name = s.Cfg.RPID
		}
		s.webauthn.rp, s.webauthn.err = webauthn.New(&webauthn.Config{
			RPID: s.Cfg.RPID, RPDisplayName: name, RPOrigins: s.Cfg.RPOrigins,
		})
		if s.webauthn.err != nil {
			s.webauthn.err = fault.Wrap(fault.Internal, s.webauthn.err, "WebAuthn settings")
		}
	})
	return s.webauthn.rp, s.webauthn.err
}

// ceremonyUser returns the relying party and the user of a ceremony.
func (s *Service) ceremonyUser(username string) (*webauthn.WebAuthn, jid.JID, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, jid.JID{}, err
	}
	j, err := s.userJID(username)
	return rp, j, err
}

// waUser is a user as the WebAuthn library sees it.
type waUser struct {
	j     jid.JID
	creds []webauthn.Credential
}

// WebAuthnID is a hash of the bare JID: stable, and not the JID itself.
func (u waUser) WebAuthnID() []byte {
	h := sha256.Sum256([]byte("xmpprest webauthn user\x00" + u.j.String()))
	return h[:]
}
func (u waUser) WebAuthnName() string                       { return u.j.String() }
func (u waUser) WebAuthnDisplayName() string                { return u.j.String() }
func (u waUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func (s *Service) waUser(ctx context.Context, j jid.JID) (waUser, error) {
	rows, err := s.Store.WebAuthnCredentials(ctx, j.String())
	if err != nil {
		return waUser{}, fault.Wrap(fault.Unavailable, err, "read the WebAuthn credentials")
	}
	u := waUser{j: j}
	for _, r := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal(r.Credential, &c); err != nil {
			return waUser{}, fault.Wrap(fault.Internal, err, "a stored WebAuthn credential of %s", j)
		}
		c.Authenticator.SignCount = r.SignCount
		u.creds = append(u.creds, c)
	}
	return u, nil
}

// ceremony is what is kept between start and finish.
type ceremony struct {
	Session webauthn.SessionData `json:"session"`
	// Sealed is the sealed password given at registration start.
	Sealed []byte `json:"sealed,omitempty"`
}

const (
	purposeRegister     = "register"
	purposeAuthenticate = "authenticate"
)

func (s *Service) putCeremony(ctx context.Context, j jid.JID, purpose string, c ceremony) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode the ceremony")
	}
	expires := c.Session.Expires
	if err := s.Store.PutWebAuthnChallenge(ctx, j.String(), purpose, b, expires); err != nil {
		return fault.Wrap(fault.Unavailable, err, "store the challenge")
	}
	return nil
}

func (s *Service) takeCeremony(ctx context.Context, j jid.JID, purpose string) (ceremony, error) {
	b, err := s.Store.TakeWebAuthnChallenge(ctx, j.String(), purpose)
	if errors.Is(err, store.ErrNotFound) {
		return ceremony{}, unauthenticated("no WebAuthn %s of %s is in progress (it expired or was finished): start again", purpose, j)
	}
	if err != nil {
		return ceremony{}, fault.Wrap(fault.Unavailable, err, "read the challenge")
	}
	var c ceremony
	if err := json.Unmarshal(b, &c); err != nil {
		return ceremony{}, fault.Wrap(fault.Internal, err, "decode the ceremony")
	}
	return c, nil
}

// WebAuthnRegisterStart checks the user's password and returns the
// credential creation options for navigator.credentials.create.
func (s *Service) WebAuthnRegisterStart(ctx context.Context, clientAddr, username, password string) (json.RawMessage, error) {
	rp, j, err := s.ceremonyUser(username)
	if err != nil {
		return nil, err
	}
	if err := s.checkPassword(ctx, j, password, clientAddr); err != nil {
		return nil, err
	}
	u, err := s.waUser(ctx, j)
	if err != nil {
		return nil, err
	}
	var exclude []protocol.CredentialDescriptor
	for _, c := range u.creds {
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := rp.BeginRegistration(u, webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "begin the WebAuthn registration")
	}
	s.limitCeremony(session)
	if err := s.putCeremony(ctx, j, purposeRegister, ceremony{Session: *session, Sealed: s.Sealer.Seal(j.String(), []byte(password))}); err != nil {
		return nil, err
	}
	return json.Marshal(creation)
}

// WebAuthnRegisterFinish verifies the authenticator's attestation, stores
// the credential, and signs the user in.
func (s *Service) WebAuthnRegisterFinish(ctx context.Context, clientAddr, username string, response []byte) (SignedIn, error) {
	rp, j, err := s.ceremonyUser(username)
	if err != nil {
		return SignedIn{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.BadRequest, err, "the body is not a WebAuthn attestation response (navigator.credentials.create)")
	}
	c, err := s.takeCeremony(ctx, j, purposeRegister)
	if err != nil {
		return SignedIn{}, err
	}
	u, err := s.waUser(ctx, j)
	if err != nil {
		return SignedIn{}, err
	}
	cred, err := rp.CreateCredential(u, c.Session, parsed)
	if err != nil {
		return SignedIn{}, unauthenticated("the WebAuthn registration does not verify: %s", webauthnReason(err))
	}
	b, _ := json.Marshal(cred)
	if err := s.Store.AddWebAuthnCredential(ctx, store.WebAuthnCredential{ID: cred.ID, JID: j.String(), Credential: b, SignCount: cred.Authenticator.SignCount}); err != nil {
		return SignedIn{}, fault.Wrap(fault.Conflict, err, "store the WebAuthn credential (is it registered already?)")
	}
	if err := s.Store.PutSealedCredential(ctx, j.String(), c.Sealed); err != nil {
		return SignedIn{}, fault.Wrap(fault.Unavailable, err, "store the sealed credential")
	}
	if _, err := s.openWithSealedCredential(ctx, j); err != nil {
		return SignedIn{}, err
	}
	return s.issueToken(ctx, j, MethodWebAuthn)
}

// WebAuthnAuthenticateStart returns the assertion options for
// navigator.credentials.get.
func (s *Service) WebAuthnAuthenticateStart(ctx context.Context, username string) (json.RawMessage, error) {
	rp, j, err := s.ceremonyUser(username)
	if err != nil {
		return nil, err
	}
	u, err := s.waUser(ctx, j)
	if err != nil {
		return nil, err
	}
	if len(u.creds) == 0 {
		return nil, unauthenticated("%s has no WebAuthn credential: register one with the password first", j)
	}
	assertion, session, err := rp.BeginLogin(u)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "begin the WebAuthn sign-in")
	}
	s.limitCeremony(session)
	if err := s.putCeremony(ctx, j, purposeAuthenticate, ceremony{Session: *session}); err != nil {
		return nil, err
	}
	return json.Marshal(assertion)
}

// WebAuthnAuthenticateFinish verifies the assertion (challenge answered
// once, origin, signature, growing sign counter) and signs the user in.
func (s *Service) WebAuthnAuthenticateFinish(ctx context.Context, clientAddr, username string, response []byte) (SignedIn, error) {
	rp, j, err := s.ceremonyUser(username)
	if err != nil {
		return SignedIn{}, err
	}
	if err := s.limits.check(j.String(), clientAddr); err != nil {
		return SignedIn{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.BadRequest, err, "the body is not a WebAuthn assertion response (navigator.credentials.get)")
	}
	c, err := s.takeCeremony(ctx, j, purposeAuthenticate)
	if err != nil {
		s.limits.fail(j.String(), clientAddr)
		return SignedIn{}, err
	}
	u, err := s.waUser(ctx, j)
	if err != nil {
		return SignedIn{}, err
	}
	cred, err := rp.ValidateLogin(u, c.Session, parsed)
	if err != nil {
		s.limits.fail(j.String(), clientAddr)
		return SignedIn{}, unauthenticated("the WebAuthn assertion does not verify: %s", webauthnReason(err))
	}
	b, _ := json.Marshal(cred)
	fresh, err := s.Store.UseWebAuthnCredential(ctx, store.WebAuthnCredential{ID: cred.ID, JID: j.String(), Credential: b, SignCount: cred.Authenticator.SignCount})
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.Unavailable, err, "record the WebAuthn sign-in")
	}
	if !fresh || cred.Authenticator.CloneWarning {
		s.limits.fail(j.String(), clientAddr)
		return SignedIn{}, unauthenticated("the authenticator's sign counter did not grow: a replayed assertion or a cloned authenticator")
	}
	s.limits.succeed(j.String())
	if _, err := s.openWithSealedCredential(ctx, j); err != nil {
		return SignedIn{}, err
	}
	return s.issueToken(ctx, j, MethodWebAuthn)
}

// limitCeremony bounds how long a ceremony may take.
func (s *Service) limitCeremony(session *webauthn.SessionData) {
	if s.Cfg.ChallengeTTL > 0 {
		if exp := time.Now().Add(s.Cfg.ChallengeTTL); session.Expires.IsZero() || exp.Before(session.Expires) {
			session.Expires = exp
		}
	}
	if session.Expires.IsZero() {
		session.Expires = time.Now().Add(defaultChallengeTTL)
	}
}

// webauthnReason is the library's explanation of a failed verification.
func webauthnReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return pe.Details + " (" + pe.DevInfo + ")"
	}
	return err.Error()
}

// RemoveWebAuthn deletes the caller's WebAuthn credentials, and the sealed
// credential when TOTP does not need it.
func (s *Service) RemoveWebAuthn(ctx context.Context, c Caller) error {
	if err := s.Store.DeleteWebAuthnCredentials(ctx, c.Actor.User.String()); err != nil {
		return fault.Wrap(fault.Unavailable, err, "delete the WebAuthn credentials")
	}
	return s.dropCredentialIfUnused(ctx, c.Actor.User)
}
