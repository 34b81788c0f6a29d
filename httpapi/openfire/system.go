package openfire

import (
	"encoding/xml"
	"net/http"

	"github.com/gorilla/mux"

	"xmpprest/component/fault"
)

func (a *api) routesSystem(r *mux.Router) {
	a.handle(r, "/system/properties", a.listSystemProperties, http.MethodGet)
	a.handle(r, "/system/properties", a.createSystemProperty, http.MethodPost)
	r.HandleFunc("/system/properties/{propertyName}", a.getSystemProperty).Methods(http.MethodGet)
	r.HandleFunc("/system/properties/{propertyName}", a.updateSystemProperty).Methods(http.MethodPut)
	r.HandleFunc("/system/properties/{propertyName}", a.deleteSystemProperty).Methods(http.MethodDelete)
}

// systemPropertiesEntity is the list of system properties:
// {"property":[{"key","value"}]} / <properties><property key= value=/></properties>.
type systemPropertiesEntity struct {
	XMLName    xml.Name         `xml:"properties" json:"-"`
	Properties []propertyEntity `xml:"property" json:"property"`
}

var propertyFailure = failure{exceptions: map[fault.Kind]string{fault.NotFound: exPropertyNotFound}}

func (a *api) listSystemProperties(w http.ResponseWriter, r *http.Request) {
	ps, err := a.svc.SystemProperties(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := systemPropertiesEntity{Properties: make([]propertyEntity, 0, len(ps))}
	for _, p := range ps {
		out.Properties = append(out.Properties, propertyEntity{Key: p.Key, Value: p.Value})
	}
	a.write(w, r, http.StatusOK, out)
}

func (a *api) getSystemProperty(w http.ResponseWriter, r *http.Request) {
	key, err := pathVar(r, "propertyName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v, err := a.svc.SystemProperty(r.Context(), key)
	if err != nil {
		a.failAs(w, r, err, propertyFailure)
		return
	}
	a.write(w, r, http.StatusOK, propertyEntity{Key: key, Value: v})
}

func (a *api) createSystemProperty(w http.ResponseWriter, r *http.Request) {
	var in propertyEntity
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.SetSystemProperty(r.Context(), a.actor(r), in.Key, in.Value, false); err != nil {
		a.failAs(w, r, err, propertyFailure)
		return
	}
	created(w)
}

func (a *api) updateSystemProperty(w http.ResponseWriter, r *http.Request) {
	key, err := pathVar(r, "propertyName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in propertyEntity
	if err := decode(r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.Key == "" {
		in.Key = key
	}
	if in.Key != key {
		a.fail(w, r, fault.New(fault.BadRequest, "the path names property %q but the body names %q", key, in.Key).About(key))
		return
	}
	if err := a.svc.SetSystemProperty(r.Context(), a.actor(r), key, in.Value, true); err != nil {
		a.failAs(w, r, err, propertyFailure)
		return
	}
	ok(w)
}

func (a *api) deleteSystemProperty(w http.ResponseWriter, r *http.Request) {
	key, err := pathVar(r, "propertyName")
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.DeleteSystemProperty(r.Context(), a.actor(r), key); err != nil {
		a.failAs(w, r, err, propertyFailure)
		return
	}
	ok(w)
}
