package openfire

import (
	"encoding/xml"
	"net/http"

	"xmpprest/httpapi"
)

// invitationIn is Openfire's MUCInvitationEntity (one target in the path)
// or MUCInvitationsEntity (jidsToInvite).
type invitationIn struct {
	XMLName      xml.Name     `xml:"mucInvitation" json:"-"`
	Reason       httpapi.Text `xml:"reason" json:"reason"`
	JIDsToInvite httpapi.List `xml:"jidsToInvite" json:"jidsToInvite"`
}

func (a *api) inviteOneToRoom(w http.ResponseWriter, r *http.Request) error {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	target, err := pathVar(r, "name")
	if err != nil {
		return err
	}
	var in invitationIn
	if err := decodeOptional(r, &in); err != nil {
		return err
	}
	if err := a.svc.InviteToRoom(r.Context(), a.actor(r), service, name, []string{target}, in.Reason.Value); err != nil {
		return roomFailed(err, name)
	}
	ok(w)
	return nil
}

func (a *api) inviteToRoom(w http.ResponseWriter, r *http.Request) error {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	var in invitationIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.svc.InviteToRoom(r.Context(), a.actor(r), service, name, in.JIDsToInvite.Values, in.Reason.Value); err != nil {
		return roomFailed(err, name)
	}
	ok(w)
	return nil
}
