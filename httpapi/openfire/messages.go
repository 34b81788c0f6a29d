package openfire

import (
	"encoding/xml"
	"net/http"
	"xmpprest/httpapi"

	"github.com/gorilla/mux"
)

func (a *api) routesMessages(r *mux.Router) {
	a.handle(r, "/messages/users", a.broadcast, http.MethodPost)
}

// messageIn is the body of a broadcast.
type messageIn struct {
	XMLName xml.Name     `xml:"message" json:"-"`
	Subject httpapi.Text `xml:"subject" json:"subject"`
	Body    httpapi.Text `xml:"body" json:"body"`
}

func (a *api) broadcast(w http.ResponseWriter, r *http.Request) {
	var in messageIn
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Broadcast(r.Context(), a.actor(r), in.Subject.Value, in.Body.Value); err != nil {
		a.fail(w, r, err)
		return
	}
	created(w)
}
