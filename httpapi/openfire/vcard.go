package openfire

import (
	"net/http"
	"xmpprest/httpapi"

	"github.com/gorilla/mux"
)

func (a *api) routesVCard(r *mux.Router) {
	r.HandleFunc("/users/{username}/vcard", a.getVCard).Methods(http.MethodGet)
	r.HandleFunc("/users/{username}/vcard", a.setVCard).Methods(http.MethodPut)
	r.HandleFunc("/users/{username}/vcard", a.deleteVCard).Methods(http.MethodDelete)
}

// getVCard answers the vCard as XML (the only format Openfire serves it
// in), or 204 with no body when the user has none.
func (a *api) getVCard(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vcard, found, err := a.svc.VCard(r.Context(), username)
	if err != nil {
		a.failAs(w, r, err, userFailure(username))
		return
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", mimeXML)
	w.WriteHeader(http.StatusOK)
	w.Write(vcard)
}

// setVCard replaces the vCard with the XML body.
func (a *api) setVCard(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	_, err = httpapi.BodyFormat(r, mimeXML)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	body, err := httpapi.ReadBody(r, false)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.SetVCard(r.Context(), a.actor(r), username, body); err != nil {
		a.failAs(w, r, err, userFailure(username))
		return
	}
	ok(w)
}

func (a *api) deleteVCard(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.DeleteVCard(r.Context(), a.actor(r), username); err != nil {
		a.failAs(w, r, err, userFailure(username))
		return
	}
	ok(w)
}
