package openfire

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

// affiliationOf reads the {affiliation} path parameter: owners, admins,
// members or outcasts (the singular is taken too).
func affiliationOf(r *http.Request) (muc.Affiliation, error) {
	v, err := pathVar(r, "affiliation")
	if err != nil {
		return "", err
	}
	a := muc.Affiliation(strings.TrimSuffix(strings.ToLower(v), "s"))
	switch a {
	case muc.Owner, muc.Admin, muc.Member, muc.Outcast:
		return a, nil
	}
	return "", fault.New(fault.BadRequest, "%q is not an affiliation: use owners, admins, members or outcasts", v)
}

// affiliationList is the answer of GET /chatrooms/{room}/{affiliation}:
// <members><member>jid</member></members>, {"members":["jid"]}.
type affiliationList struct {
	aff  muc.Affiliation
	jids []string
}

func (l affiliationList) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: string(l.aff) + "s"}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, j := range l.jids {
		if err := e.EncodeElement(j, xml.StartElement{Name: xml.Name{Local: string(l.aff)}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func (l affiliationList) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]string{string(l.aff) + "s": httpapi.NonNil(l.jids)})
}

// affiliationsIn is the body of POST and PUT /chatrooms/{room}/{affiliation}:
// <members><member>jid</member></members>, {"members":[...]} or a bare list.
type affiliationsIn struct {
	jids []string
}

func (in *affiliationsIn) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var l httpapi.List
	if err := l.UnmarshalXML(d, start); err != nil {
		return err
	}
	in.jids = l.Values
	return nil
}

func (in *affiliationsIn) UnmarshalJSON(b []byte) error {
	var l httpapi.List
	if err := l.UnmarshalJSON(b); err != nil {
		return err
	}
	in.jids = l.Values
	return nil
}

func (a *api) roomAffiliations(w http.ResponseWriter, r *http.Request) error {
	name, service, _, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	aff, err := affiliationOf(r)
	if err != nil {
		return err
	}
	js, err := a.svc.RoomAffiliations(r.Context(), a.actor(r), service, name, aff)
	if err != nil {
		return roomFailed(err, name)
	}
	a.write(w, r, http.StatusOK, affiliationList{aff: aff, jids: js})
	return nil
}

func (a *api) addRoomAffiliations(w http.ResponseWriter, r *http.Request) error {
	return a.changeRoomAffiliations(w, r, a.svc.AddRoomAffiliations)
}

func (a *api) replaceRoomAffiliations(w http.ResponseWriter, r *http.Request) error {
	return a.changeRoomAffiliations(w, r, a.svc.ReplaceRoomAffiliations)
}

type affiliationsChange func(ctx context.Context, a ops.Actor, service, name string, aff muc.Affiliation, users []string, invite bool) error

func (a *api) changeRoomAffiliations(w http.ResponseWriter, r *http.Request, change affiliationsChange) error {
	name, service, invite, err := roomNameAndService(r)
	if err != nil {
		return err
	}
	aff, err := affiliationOf(r)
	if err != nil {
		return err
	}
	var in affiliationsIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := change(r.Context(), a.actor(r), service, name, aff, in.jids, invite); err != nil {
		return roomFailed(err, name)
	}
	created(w)
	return nil
}

// affiliationTarget is what the single-affiliation paths name:
// /chatrooms/{roomName}/{affiliation}[/group]/{name}.
type affiliationTarget struct {
	room, service string
	invite        bool
	aff           muc.Affiliation
	name          string // a user (JID or username) or a group
}

func affiliationTargetOf(r *http.Request) (t affiliationTarget, err error) {
	if t.room, t.service, t.invite, err = roomNameAndService(r); err != nil {
		return t, err
	}
	if t.aff, err = affiliationOf(r); err != nil {
		return t, err
	}
	t.name, err = pathVar(r, "name")
	return t, err
}

// affiliationHandler serves one single-affiliation path with change,
// answering status on success.
func (a *api) affiliationHandler(status int, change func(*http.Request, ops.Actor, affiliationTarget) error) httpapi.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := affiliationTargetOf(r)
		if err != nil {
			return err
		}
		if err := change(r, a.actor(r), t); err != nil {
			return roomFailed(err, t.room)
		}
		w.WriteHeader(status)
		return nil
	}
}

func (a *api) addRoomAffiliation(w http.ResponseWriter, r *http.Request) error {
	return a.affiliationHandler(http.StatusCreated, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.AddRoomAffiliations(r.Context(), actor, t.service, t.room, t.aff, []string{t.name}, t.invite)
	})(w, r)
}

func (a *api) removeRoomAffiliation(w http.ResponseWriter, r *http.Request) error {
	return a.affiliationHandler(http.StatusOK, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.RemoveRoomAffiliation(r.Context(), actor, t.service, t.room, t.aff, t.name)
	})(w, r)
}

func (a *api) addRoomGroup(w http.ResponseWriter, r *http.Request) error {
	return a.affiliationHandler(http.StatusCreated, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.AddRoomGroupAffiliation(r.Context(), actor, t.service, t.room, t.aff, t.name, t.invite)
	})(w, r)
}

func (a *api) removeRoomGroup(w http.ResponseWriter, r *http.Request) error {
	return a.affiliationHandler(http.StatusOK, func(r *http.Request, actor ops.Actor, t affiliationTarget) error {
		return a.svc.RemoveRoomGroupAffiliation(r.Context(), actor, t.service, t.room, t.aff, t.name)
	})(w, r)
}
