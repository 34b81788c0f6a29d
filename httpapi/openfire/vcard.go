package openfire

import (
	"net/http"

	"xmpprest/httpapi"
)

func (a *api) vcardRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/users/{username}/vcard", Handler: a.getVCard, Summary: "a user's vCard (XML)"},
		{Method: http.MethodPut, Path: "/users/{username}/vcard", Handler: a.setVCard, Summary: "replace a user's vCard"},
		{Method: http.MethodDelete, Path: "/users/{username}/vcard", Handler: a.deleteVCard, Summary: "empty a user's vCard"},
	}
}

// getVCard answers the vCard as XML (the only format Openfire serves it
// in), or 204 with no body when the user has none.
func (a *api) getVCard(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	vcard, found, err := a.svc.VCard(r.Context(), a.actor(r), username)
	if err != nil {
		return userFailure(username).wrap(err)
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header().Set("Content-Type", mimeXML)
	w.WriteHeader(http.StatusOK)
	w.Write(vcard)
	return nil
}

// setVCard replaces the vCard with the XML body.
func (a *api) setVCard(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if _, err := httpapi.BodyFormat(r, mimeXML); err != nil {
		return err
	}
	body, err := httpapi.ReadBody(r, false)
	if err != nil {
		return err
	}
	if err := a.svc.SetVCard(r.Context(), a.actor(r), username, body); err != nil {
		return userFailure(username).wrap(err)
	}
	return ok(w)
}

func (a *api) deleteVCard(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteVCard(r.Context(), a.actor(r), username); err != nil {
		return userFailure(username).wrap(err)
	}
	return ok(w)
}
