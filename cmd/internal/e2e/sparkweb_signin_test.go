package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/pquerna/otp/totp"

	"xmpprest/component/c2s"
	"xmpprest/component/xmppserver"
)

// TestSparkWebSignIn: TOTP and WebAuthn sign-ins open the user's real XMPP
// session from the sealed credential; codes and assertions are accepted
// once, wrong origins and codes are refused.
func TestSparkWebSignIn(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := startSparkWeb(t, kind)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		carol := e.account("carol", "carol-pw")
		dave := e.account("dave", "dave-pw")
		watcher := e.client(e.account("erin", "erin-pw"), "erin-pw")
		watcher.SendPresence(ctx)

		// TOTP: registering needs the password.
		e.wantStatus(http.StatusUnauthorized, "POST", "/totp/register/carol", "", "wrong")
		var reg struct{ URL, QRCode string }
		e.swJSON("POST", "/totp/register/carol", "", "carol-pw", &reg)
		u, err := url.Parse(reg.URL)
		if err != nil || u.Scheme != "otpauth" || !strings.HasPrefix(reg.QRCode, "data:image/png;base64,") {
			t.Fatalf("TOTP registration %+v", reg)
		}
		secret := u.Query().Get("secret")
		sealed, err := e.D.Store.SealedCredential(ctx, carol.String())
		if err != nil || bytes.Contains(sealed, []byte("carol-pw")) {
			t.Fatalf("sealed credential: %v (holds the password in clear: %v)", err, bytes.Contains(sealed, []byte("carol-pw")))
		}
		e.wantStatus(http.StatusBadRequest, "POST", "/totp/authenticate/carol/12ab56", "", "")
		code, _ := totp.GenerateCode(secret, time.Now())
		wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1000000)
		e.wantStatus(http.StatusUnauthorized, "POST", "/totp/authenticate/carol/"+wrong, "", "")
		var tok struct{ Token string }
		e.swJSON("POST", "/totp/authenticate/carol/"+code, "", "", &tok)
		// The session is real: carol is online for other clients.
		if _, err := e.client(carol, "carol-pw").IQ(ctx, fmt.Sprintf("<iq type='get' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>", carol)); err != nil {
			t.Fatal(err)
		}
		var me struct{ Username string }
		e.swJSON("GET", "/user", tok.Token, "", &me)
		if me.Username != "carol" {
			t.Fatalf("TOTP token acts as %q", me.Username)
		}
		// A code is accepted once.
		e.wantStatus(http.StatusUnauthorized, "POST", "/totp/authenticate/carol/"+code, "", "")
		// Wrong codes are limited.
		for i := 0; i < 5; i++ {
			e.sw("POST", "/totp/authenticate/carol/"+wrong, "", "")
		}
		e.wantStatus(http.StatusTooManyRequests, "POST", "/totp/authenticate/carol/"+wrong, "", "")
		// Signing out everywhere forgets the sealed credential.
		e.swJSON("POST", "/logout?everywhere=true", tok.Token, "", nil)
		if _, err := e.D.Store.SealedCredential(ctx, carol.String()); err == nil {
			t.Fatal("the sealed credential outlived signing out everywhere")
		}

		// WebAuthn: a full ceremony with a software authenticator.
		rp := virtualwebauthn.RelyingParty{Name: "xmpprest", ID: webauthnRPID, Origin: webauthnOrigin}
		authr := virtualwebauthn.NewAuthenticator()
		cred := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		e.wantStatus(http.StatusUnauthorized, "POST", "/webauthn/register/start/dave", "", "wrong")
		_, opts := e.sw("POST", "/webauthn/register/start/dave", "", "dave-pw")
		attOpts, err := virtualwebauthn.ParseAttestationOptions(opts)
		if err != nil {
			t.Fatalf("attestation options %s: %v", opts, err)
		}
		attestation := virtualwebauthn.CreateAttestationResponse(rp, authr, cred, *attOpts)
		e.swJSON("POST", "/webauthn/register/finish/dave", "", attestation, &tok)
		authr.AddCredential(cred)
		e.swJSON("POST", "/logout", tok.Token, "", nil)

		assert := func() string {
			_, opts := e.sw("POST", "/webauthn/authenticate/start/dave", "", "")
			aOpts, err := virtualwebauthn.ParseAssertionOptions(opts)
			if err != nil {
				t.Fatalf("assertion options %s: %v", opts, err)
			}
			authr.Credentials[0].Counter++
			return virtualwebauthn.CreateAssertionResponse(rp, authr, authr.Credentials[0], *aOpts)
		}
		assertion := assert()
		e.swJSON("POST", "/webauthn/authenticate/finish/dave", "", assertion, &tok)
		e.swJSON("GET", "/user", tok.Token, "", &me)
		if me.Username != "dave" {
			t.Fatalf("WebAuthn token acts as %q", me.Username)
		}
		if e.D.Sessions.Get(dave) == nil {
			t.Fatal("no XMPP session after the WebAuthn sign-in")
		}
		// The same assertion again is refused (its challenge was answered).
		if msg := e.wantStatus(http.StatusUnauthorized, "POST", "/webauthn/authenticate/finish/dave", "", assertion); !strings.Contains(msg, "start again") {
			t.Errorf("replayed assertion: %q", msg)
		}
		// A fresh challenge answered from another origin is refused.
		_, opts = e.sw("POST", "/webauthn/authenticate/start/dave", "", "")
		aOpts, _ := virtualwebauthn.ParseAssertionOptions(opts)
		authr.Credentials[0].Counter++
		evil := virtualwebauthn.RelyingParty{Name: "xmpprest", ID: webauthnRPID, Origin: "https://evil.example"}
		if msg := e.wantStatus(http.StatusUnauthorized, "POST", "/webauthn/authenticate/finish/dave", "", virtualwebauthn.CreateAssertionResponse(evil, authr, authr.Credentials[0], *aOpts)); !strings.Contains(strings.ToLower(msg), "origin") {
			t.Errorf("wrong origin: %q does not name the origin", msg)
		}
		// A fresh challenge answered with a counter that did not grow is
		// refused (a cloned authenticator).
		_, opts = e.sw("POST", "/webauthn/authenticate/start/dave", "", "")
		aOpts, _ = virtualwebauthn.ParseAssertionOptions(opts)
		authr.Credentials[0].Counter = 1
		if msg := e.wantStatus(http.StatusUnauthorized, "POST", "/webauthn/authenticate/finish/dave", "", virtualwebauthn.CreateAssertionResponse(rp, authr, authr.Credentials[0], *aOpts)); !strings.Contains(msg, "counter") {
			t.Errorf("stale counter: %q", msg)
		}
		e.wantStatus(http.StatusBadRequest, "POST", "/webauthn/authenticate/finish/dave", "", `{"id": 1}`)

		// Removing WebAuthn forgets the sealed credential.
		e.swJSON("DELETE", "/webauthn", tok.Token, "", nil)
		if _, err := e.D.Store.SealedCredential(ctx, dave.String()); err == nil {
			t.Fatal("the sealed credential outlived WebAuthn removal")
		}
		e.wantStatus(http.StatusUnauthorized, "POST", "/webauthn/authenticate/start/dave", "", "")

		// Deleting the account removes it on the server and signs out.
		e.swJSON("DELETE", "/user", tok.Token, "", nil)
		if err := c2s.CheckPassword(ctx, e.c2sOpts(), dave, "dave-pw"); err == nil {
			t.Fatal("the deleted account can still log in")
		}
		e.wantStatus(http.StatusUnauthorized, "GET", "/user", tok.Token, "")

		// Registration is closed by default.
		e.wantStatus(http.StatusForbidden, "POST", "/register/frank", "", "frank-pw")
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestSparkWebShutdownEndsStreams: a graceful shutdown does not wait for
// open event streams; it ends them and the users' sessions.
func TestSparkWebShutdownEndsStreams(t *testing.T) {
	e := startSparkWeb(t, xmppserver.Prosody)
	e.account("gina", "gina-pw")
	events := e.openEvents(e.signIn("gina", "gina-pw"), "")
	events.wait("heartbeat", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A stream that held the server up would make Shutdown fail at ctx's
	// deadline.
	if err := e.D.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open event stream: %v", err)
	}
	events.waitEnd()
	if n := e.D.Sessions.Count(); n != 0 {
		t.Fatalf("%d user sessions left after shutdown", n)
	}
}
