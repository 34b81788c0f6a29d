package openfire

import (
	"net/http"

	"github.com/gorilla/mux"
)

func (a *api) routesLockouts(r *mux.Router) {
	r.HandleFunc("/lockouts/{username}", a.lockOut).Methods(http.MethodPost)
	r.HandleFunc("/lockouts/{username}", a.unlock).Methods(http.MethodDelete)
}

func (a *api) lockOut(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.LockOut(r.Context(), a.actor(r), username); err != nil {
		a.failAs(w, r, err, userFailure(username))
		return
	}
	created(w)
}

func (a *api) unlock(w http.ResponseWriter, r *http.Request) {
	username, err := pathVar(r, "username")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Unlock(r.Context(), a.actor(r), username); err != nil {
		a.failAs(w, r, err, userFailure(username))
		return
	}
	ok(w)
}
