package sparkweb

import (
	"net/http"

	"xmpprest/httpapi"
)

// postStanza sends the XML stanza of the body; an iq's reply is the
// answer's body.
func (a *api) postStanza(w http.ResponseWriter, r *http.Request) error {
	body, err := httpapi.ReadBody(r, false)
	if err != nil {
		return err
	}
	reply, err := a.svc.SendStanza(r.Context(), caller(r), body)
	if err != nil {
		return err
	}
	if reply == nil {
		return ok(w)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	w.Write(reply)
	return nil
}
