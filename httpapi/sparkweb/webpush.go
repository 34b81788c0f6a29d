package sparkweb

import (
	"net/http"

	"mellium.im/xmpp/jid"

	"xmpprest/httpapi"
	"xmpprest/httpapi/userops"
)

func (a *api) vapidKey(w http.ResponseWriter, r *http.Request) error {
	key, err := a.svc.VAPIDPublicKey(r.Context(), caller(r))
	if err != nil {
		return err
	}
	return write(w, struct {
		PublicKey string `json:"publicKey"`
	}{PublicKey: key})
}

func (a *api) pushSubscribe(w http.ResponseWriter, r *http.Request) error {
	resource, err := pathVar(r, "resource")
	if err != nil {
		return err
	}
	var in userops.PushSubscriptionInput
	if err := httpapi.DecodeBody(r, &in); err != nil {
		return err
	}
	if err := a.svc.SubscribePush(r.Context(), caller(r), resource, in); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) pushSubscribers(w http.ResponseWriter, r *http.Request) error {
	users, err := a.svc.PushSubscribers(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := struct {
		Users []userEntity `json:"users"`
	}{Users: []userEntity{}}
	for _, u := range users {
		j, _ := jid.Parse(u)
		out.Users = append(out.Users, userEntity{Username: j.Localpart()})
	}
	return write(w, out)
}

func (a *api) pushNotify(w http.ResponseWriter, r *http.Request) error {
	target, err := pathVar(r, "target")
	if err != nil {
		return err
	}
	var n userops.Notification
	if err := httpapi.DecodeBody(r, &n); err != nil {
		return err
	}
	if err := a.svc.Notify(r.Context(), caller(r), target, n); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) pushText(w http.ResponseWriter, r *http.Request) error {
	target, err := pathVar(r, "target")
	if err != nil {
		return err
	}
	text, err := readText(r, "message text")
	if err != nil {
		return err
	}
	if err := a.svc.PushText(r.Context(), caller(r), target, text); err != nil {
		return err
	}
	return ok(w)
}

func (a *api) pushAction(w http.ResponseWriter, r *http.Request) error {
	var act userops.NotificationAction
	if err := httpapi.DecodeBody(r, &act); err != nil {
		return err
	}
	if err := a.svc.HandleAction(r.Context(), caller(r), act); err != nil {
		return err
	}
	return ok(w)
}
