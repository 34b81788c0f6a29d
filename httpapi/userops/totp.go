package userops

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// TOTPRegistration is what an authenticator app needs.
type TOTPRegistration struct {
	URL    string // otpauth://totp/...
	QRCode []byte // PNG of URL
}

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// RegisterTOTP checks the user's password, makes a new TOTP secret for
// them (replacing any earlier one) and keeps their XMPP password sealed so
// that a TOTP sign-in can open the session.
func (s *Service) RegisterTOTP(ctx context.Context, clientAddr, username, password string) (TOTPRegistration, error) {
	j, err := s.userJID(username)
	if err != nil {
		return TOTPRegistration{}, err
	}
	if s.Sealer == nil {
		return TOTPRegistration{}, fault.New(fault.NotSupported, "TOTP sign-in is not configured (sparkweb.key_file)")
	}
	if err := s.checkPassword(ctx, j, password, clientAddr); err != nil {
		return TOTPRegistration{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.Cfg.TOTPIssuer, AccountName: j.String()})
	if err != nil {
		return TOTPRegistration{}, fault.Wrap(fault.Internal, err, "make a TOTP secret")
	}
	if err := s.Store.PutTOTP(ctx, j.String(), s.Sealer.Seal(j.String(), []byte(key.Secret()))); err != nil {
		return TOTPRegistration{}, fault.Wrap(fault.Unavailable, err, "store the TOTP secret")
	}
	if err := s.sealCredential(ctx, j, password); err != nil {
		return TOTPRegistration{}, err
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return TOTPRegistration{}, fault.Wrap(fault.Internal, err, "draw the QR code")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPRegistration{}, fault.Wrap(fault.Internal, err, "encode the QR code")
	}
	return TOTPRegistration{URL: key.URL(), QRCode: buf.Bytes()}, nil
}

// SignInTOTP signs the user in with a code of their authenticator app. A
// code is accepted once; failures are limited per account and per client
// address.
func (s *Service) SignInTOTP(ctx context.Context, clientAddr, username, code string) (SignedIn, error) {
	j, err := s.userJID(username)
	if err != nil {
		return SignedIn{}, err
	}
	if len(code) != 6 || !isDigits(code) {
		return SignedIn{}, fault.New(fault.BadRequest, "%q is not a TOTP code: want the 6 digits the authenticator app shows", code)
	}
	if err := s.limits.check(j.String(), clientAddr); err != nil {
		return SignedIn{}, err
	}
	if s.Sealer == nil {
		return SignedIn{}, fault.New(fault.NotSupported, "TOTP sign-in is not configured (sparkweb.key_file)")
	}
	sealed, err := s.Store.TOTP(ctx, j.String())
	if errors.Is(err, store.ErrNotFound) {
		s.limits.fail(j.String(), clientAddr)
		return SignedIn{}, unauthenticated("%s has no TOTP registered: register it with the password first", j)
	}
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.Unavailable, err, "read the TOTP secret")
	}
	secret, err := s.Sealer.Open(j.String(), sealed)
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.Internal, err, "the TOTP secret of %s", j)
	}
	step, ok := matchTOTP(string(secret), code, time.Now())
	if !ok {
		s.limits.fail(j.String(), clientAddr)
		return SignedIn{}, unauthenticated("wrong or expired TOTP code")
	}
	fresh, err := s.Store.AcceptTOTPStep(ctx, j.String(), step)
	if err != nil {
		return SignedIn{}, fault.Wrap(fault.Unavailable, err, "record the TOTP code")
	}
	if !fresh {
		s.limits.fail(j.String(), clientAddr)
		return SignedIn{}, unauthenticated("this TOTP code was used already: wait for the next one")
	}
	s.limits.succeed(j.String())
	if _, err := s.openWithSealedCredential(ctx, j); err != nil {
		return SignedIn{}, err
	}
	return s.issueToken(ctx, j, MethodTOTP)
}

// matchTOTP returns the time step of the code among the current one and
// its two neighbours (clock drift).
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	for _, d := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(d) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RemoveTOTP deletes the caller's TOTP secret, and the sealed credential
// when no WebAuthn credential needs it.
func (s *Service) RemoveTOTP(ctx context.Context, c Caller) error {
	if err := s.Store.DeleteTOTP(ctx, c.Actor.User.String()); err != nil {
		return fault.Wrap(fault.Unavailable, err, "delete the TOTP secret")
	}
	return s.dropCredentialIfUnused(ctx, c.Actor.User)
}

func (s *Service) dropCredentialIfUnused(ctx context.Context, j jid.JID) error {
	if s.hasSecondFactor(ctx, j) {
		return nil
	}
	if err := s.Store.DeleteSealedCredential(ctx, j.String()); err != nil {
		return fault.Wrap(fault.Unavailable, err, "delete the sealed credential")
	}
	return nil
}
