package openfire

import (
	"encoding/xml"
	"net/http"
)

// messageEntity is a message of a room's history.
type messageEntity struct {
	XMLName    xml.Name `xml:"message" json:"-"`
	To         string   `xml:"to,omitempty" json:"to,omitempty"`
	From       string   `xml:"from,omitempty" json:"from,omitempty"`
	Type       string   `xml:"type,omitempty" json:"type,omitempty"`
	Body       string   `xml:"body,omitempty" json:"body,omitempty"`
	DelayStamp string   `xml:"delay_stamp,omitempty" json:"delay_stamp,omitempty"`
	DelayFrom  string   `xml:"delay_from,omitempty" json:"delay_from,omitempty"`
}

type messagesEntity struct {
	XMLName  xml.Name        `xml:"messages" json:"-"`
	Messages []messageEntity `xml:"message" json:"message"`
}

func (a *api) roomHistory(w http.ResponseWriter, r *http.Request) error {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	msgs, err := a.svc.RoomHistory(r.Context(), a.actor(r), service, name)
	if err != nil {
		return roomFailed(err, name)
	}
	out := messagesEntity{Messages: []messageEntity{}}
	for _, m := range msgs {
		out.Messages = append(out.Messages, messageEntity{To: m.To, From: m.From, Type: m.Type, Body: m.Body,
			DelayStamp: m.Stamp, DelayFrom: m.DelayFrom})
	}
	a.write(w, r, http.StatusOK, out)
	return nil
}
