package sparkweb

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"xmpprest/httpapi"
	"xmpprest/httpapi/userops"
)

// tokenEntity is SparkWeb's TokenEntity.
type tokenEntity struct {
	Token string `json:"token"`
}

// The bodies of the sign-in paths.
const (
	noBody   = ""
	rawBody  = "raw"      // a WebAuthn response, handed over as it is
	password = "password" // text (see readText)
)

// signInInput reads the {username} of a sign-in path and its body.
func signInInput(r *http.Request, body string) (username, text string, err error) {
	if username, err = pathVar(r, "username"); err != nil {
		return "", "", err
	}
	switch body {
	case password:
		text, err = readText(r, body)
	case rawBody:
		var b []byte
		b, err = httpapi.ReadBody(r, true)
		text = string(b)
	}
	return username, text, err
}

// signIn makes the handler of a sign-in: it answers the new token.
func signIn(body string, f func(r *http.Request, clientAddr, username, text string) (userops.SignedIn, error)) httpapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		username, text, err := signInInput(r, body)
		if err != nil {
			return err
		}
		s, err := f(r, httpapi.ClientAddress(r), username, text)
		if err != nil {
			return err
		}
		return write(w, tokenEntity{Token: s.Token})
	}
}

func (a *api) login(r *http.Request, addr, username, pw string) (userops.SignedIn, error) {
	return a.svc.SignInPassword(r.Context(), addr, username, pw)
}

func (a *api) register(r *http.Request, addr, username, pw string) (userops.SignedIn, error) {
	return a.svc.Register(r.Context(), addr, username, pw)
}

func (a *api) totpAuthenticate(r *http.Request, addr, username, _ string) (userops.SignedIn, error) {
	code, err := pathVar(r, "code")
	if err != nil {
		return userops.SignedIn{}, err
	}
	return a.svc.SignInTOTP(r.Context(), addr, username, code)
}

func (a *api) webauthnRegisterFinish(r *http.Request, addr, username, response string) (userops.SignedIn, error) {
	return a.svc.WebAuthnRegisterFinish(r.Context(), addr, username, []byte(response))
}

func (a *api) webauthnAuthenticateFinish(r *http.Request, addr, username, response string) (userops.SignedIn, error) {
	return a.svc.WebAuthnAuthenticateFinish(r.Context(), addr, username, []byte(response))
}

func (a *api) logout(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	everywhere := r.URL.Query().Get("everywhere") == "true"
	if err := a.svc.SignOut(r.Context(), c, everywhere); err != nil {
		return err
	}
	// The user's other streams end with the session when it ends.
	a.endStreams(c.TokenID)
	return ok(w)
}

// totpEntity is SparkWeb's TOTPEntity, with the QR code as a data URL.
type totpEntity struct {
	URL    string `json:"url"`
	QRCode string `json:"qrCode"`
}

func (a *api) totpRegister(w http.ResponseWriter, r *http.Request) error {
	username, pw, err := signInInput(r, password)
	if err != nil {
		return err
	}
	reg, err := a.svc.RegisterTOTP(r.Context(), httpapi.ClientAddress(r), username, pw)
	if err != nil {
		return err
	}
	return write(w, totpEntity{URL: reg.URL, QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(reg.QRCode)})
}

func (a *api) totpRemove(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveTOTP(r.Context(), caller(r)); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) webauthnRemove(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.RemoveWebAuthn(r.Context(), caller(r)); err != nil {
		return err
	}
	return ok(w)
}

// writeRaw answers JSON made elsewhere (WebAuthn options).
func writeRaw(w http.ResponseWriter, b json.RawMessage, err error) error {
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

func (a *api) webauthnRegisterStart(w http.ResponseWriter, r *http.Request) error {
	username, pw, err := signInInput(r, password)
	if err != nil {
		return err
	}
	opts, err := a.svc.WebAuthnRegisterStart(r.Context(), httpapi.ClientAddress(r), username, pw)
	return writeRaw(w, opts, err)
}

func (a *api) webauthnAuthenticateStart(w http.ResponseWriter, r *http.Request) error {
	username, _, err := signInInput(r, noBody)
	if err != nil {
		return err
	}
	opts, err := a.svc.WebAuthnAuthenticateStart(r.Context(), username)
	return writeRaw(w, opts, err)
}
