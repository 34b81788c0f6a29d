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

func writeToken(w http.ResponseWriter, s userops.SignedIn) error {
	return write(w, tokenEntity{Token: s.Token})
}

func (a *api) login(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	password, err := readText(r, "password")
	if err != nil {
		return err
	}
	s, err := a.svc.SignInPassword(r.Context(), httpapi.ClientAddress(r), username, password)
	if err != nil {
		return err
	}
	return writeToken(w, s)
}

func (a *api) register(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	password, err := readText(r, "password")
	if err != nil {
		return err
	}
	s, err := a.svc.Register(r.Context(), httpapi.ClientAddress(r), username, password)
	if err != nil {
		return err
	}
	return writeToken(w, s)
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
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	password, err := readText(r, "password")
	if err != nil {
		return err
	}
	reg, err := a.svc.RegisterTOTP(r.Context(), httpapi.ClientAddress(r), username, password)
	if err != nil {
		return err
	}
	return write(w, totpEntity{URL: reg.URL, QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(reg.QRCode)})
}

func (a *api) totpAuthenticate(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	code, err := pathVar(r, "code")
	if err != nil {
		return err
	}
	s, err := a.svc.SignInTOTP(r.Context(), httpapi.ClientAddress(r), username, code)
	if err != nil {
		return err
	}
	return writeToken(w, s)
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

func writeRaw(w http.ResponseWriter, b json.RawMessage) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

func (a *api) webauthnRegisterStart(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	password, err := readText(r, "password")
	if err != nil {
		return err
	}
	opts, err := a.svc.WebAuthnRegisterStart(r.Context(), httpapi.ClientAddress(r), username, password)
	if err != nil {
		return err
	}
	return writeRaw(w, opts)
}

func (a *api) webauthnRegisterFinish(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	body, err := httpapi.ReadBody(r, true)
	if err != nil {
		return err
	}
	s, err := a.svc.WebAuthnRegisterFinish(r.Context(), httpapi.ClientAddress(r), username, body)
	if err != nil {
		return err
	}
	return writeToken(w, s)
}

func (a *api) webauthnAuthenticateStart(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	opts, err := a.svc.WebAuthnAuthenticateStart(r.Context(), username)
	if err != nil {
		return err
	}
	return writeRaw(w, opts)
}

func (a *api) webauthnAuthenticateFinish(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	body, err := httpapi.ReadBody(r, true)
	if err != nil {
		return err
	}
	s, err := a.svc.WebAuthnAuthenticateFinish(r.Context(), httpapi.ClientAddress(r), username, body)
	if err != nil {
		return err
	}
	return writeToken(w, s)
}
