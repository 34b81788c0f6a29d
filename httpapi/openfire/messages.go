package openfire

import (
	"encoding/xml"
	"net/http"

	"xmpprest/httpapi"
)

func (a *api) messageRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/messages/users", Handler: a.broadcast, TrailingSlash: true, Summary: "send a message to every online user"},
	}
}

// messageIn is the body of a broadcast.
type messageIn struct {
	XMLName xml.Name     `xml:"message" json:"-"`
	Subject httpapi.Text `xml:"subject" json:"subject"`
	Body    httpapi.Text `xml:"body" json:"body"`
}

func (a *api) broadcast(w http.ResponseWriter, r *http.Request) error {
	var in messageIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.svc.Broadcast(r.Context(), a.actor(r), "", in.Subject.Value, in.Body.Value); err != nil {
		return err
	}
	return created(w)
}
