package openfire

import (
	"net/http"

	"xmpprest/httpapi"
)

func (a *api) lockoutRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/lockouts/{username}", Handler: a.lockOut, Summary: "lock a user out"},
		{Method: http.MethodDelete, Path: "/lockouts/{username}", Handler: a.unlock, Summary: "lift a lockout"},
	}
}

func (a *api) lockOut(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if err := a.svc.LockOut(r.Context(), a.actor(r), username); err != nil {
		return userFailure(username).wrap(err)
	}
	return created(w)
}

func (a *api) unlock(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	if err := a.svc.Unlock(r.Context(), a.actor(r), username); err != nil {
		return userFailure(username).wrap(err)
	}
	return ok(w)
}
