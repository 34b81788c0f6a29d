package openfire

import (
	"encoding/xml"
	"net/http"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
)

func (a *api) systemRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/system/properties", Handler: a.listSystemProperties, TrailingSlash: true, Summary: "list the system properties"},
		{Method: http.MethodPost, Path: "/system/properties", Handler: a.createSystemProperty, TrailingSlash: true, Summary: "create a system property"},
		{Method: http.MethodGet, Path: "/system/properties/{propertyName}", Handler: a.getSystemProperty, Summary: "one system property"},
		{Method: http.MethodPut, Path: "/system/properties/{propertyName}", Handler: a.updateSystemProperty, Summary: "change a system property"},
		{Method: http.MethodDelete, Path: "/system/properties/{propertyName}", Handler: a.deleteSystemProperty, Summary: "delete a system property"},
	}
}

// systemPropertiesEntity is the list of system properties:
// {"property":[{"key","value"}]} / <properties><property key= value=/></properties>.
type systemPropertiesEntity struct {
	XMLName    xml.Name         `xml:"properties" json:"-"`
	Properties []propertyEntity `xml:"property" json:"property"`
}

var propertyFailure = failure{exceptions: map[fault.Kind]string{fault.NotFound: exPropertyNotFound}}

func (a *api) listSystemProperties(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.svc.SystemProperties(r.Context(), a.actor(r), "")
	if err != nil {
		return err
	}
	out := systemPropertiesEntity{Properties: make([]propertyEntity, 0, len(ps))}
	for _, p := range ps {
		out.Properties = append(out.Properties, propertyEntity{Key: p.Key, Value: p.Value})
	}
	return a.write(w, r, http.StatusOK, out)
}

func (a *api) getSystemProperty(w http.ResponseWriter, r *http.Request) error {
	key, err := pathVar(r, "propertyName")
	if err != nil {
		return err
	}
	v, err := a.svc.SystemProperty(r.Context(), a.actor(r), "", key)
	if err != nil {
		return propertyFailure.wrap(err)
	}
	return a.write(w, r, http.StatusOK, propertyEntity{Key: key, Value: v})
}

func (a *api) createSystemProperty(w http.ResponseWriter, r *http.Request) error {
	var in propertyEntity
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.svc.SetSystemProperty(r.Context(), a.actor(r), "", in.Key, in.Value, false); err != nil {
		return propertyFailure.wrap(err)
	}
	return created(w)
}

func (a *api) updateSystemProperty(w http.ResponseWriter, r *http.Request) error {
	key, err := pathVar(r, "propertyName")
	if err != nil {
		return err
	}
	var in propertyEntity
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Key == "" {
		in.Key = key
	}
	if in.Key != key {
		return fault.New(fault.BadRequest, "the path names property %q but the body names %q", key, in.Key).About(key)
	}
	if err := a.svc.SetSystemProperty(r.Context(), a.actor(r), "", key, in.Value, true); err != nil {
		return propertyFailure.wrap(err)
	}
	return ok(w)
}

func (a *api) deleteSystemProperty(w http.ResponseWriter, r *http.Request) error {
	key, err := pathVar(r, "propertyName")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteSystemProperty(r.Context(), a.actor(r), "", key); err != nil {
		return propertyFailure.wrap(err)
	}
	return ok(w)
}
