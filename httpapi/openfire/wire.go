package openfire

import (
	"encoding/xml"
	"errors"
	"net/http"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
)

const (
	mimeJSON = httpapi.MediaJSON
	mimeXML  = httpapi.MediaXML
)

// decode reads the request body into v: JSON when the Content-Type is
// application/json (or +json), XML for application/xml, text/xml or no
// Content-Type (see httpapi.DecodeBody).
func decode(r *http.Request, v any) error {
	return httpapi.DecodeBody(r, v, mimeXML, mimeJSON)
}

// responseFormat is JSON when the Accept header prefers application/json to
// XML, and XML (Openfire's default) otherwise.
func responseFormat(r *http.Request) string { return httpapi.ResponseFormat(r, mimeXML) }

// errorFormat chooses the format of an error body as Openfire does: the
// Accept type when it names exactly one concrete type, else the request's
// Content-Type, else XML.
func errorFormat(r *http.Request) string { return httpapi.ErrorFormat(r, mimeXML) }

// write answers v with status, as XML or as JSON when the client asks for
// it. v must be one of the package's entity types (their XML root names and
// JSON shapes follow Openfire's).
func (a *api) write(w http.ResponseWriter, r *http.Request, status int, v any) {
	if err := httpapi.Write(w, status, responseFormat(r), v); err != nil {
		a.fail(w, r, fault.Wrap(fault.Internal, err, "encode the answer"))
	}
}

// created answers 201 with an empty body.
func created(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }

// ok answers 200 with an empty body.
func ok(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }

// errorBody is Openfire's error entity.
type errorBody struct {
	XMLName   xml.Name `xml:"error" json:"-"`
	Resource  string   `xml:"resource" json:"resource"`
	Message   string   `xml:"message" json:"message"`
	Exception string   `xml:"exception" json:"exception"`
}

// Exception names Openfire uses.
const (
	exIllegalArgument    = "IllegalArgumentException"
	exUserNotFound       = "UserNotFoundException"
	exUserAlreadyExists  = "UserAlreadyExistsException"
	exGroupNotFound      = "GroupNotFoundException"
	exGroupAlreadyExists = "GroupAlreadyExistsException"
	exPropertyNotFound   = "PropertyNotFoundException"
	exSharedGroup        = "SharedGroupException"
	exNotAllowed         = "NotAllowedException"
	exAlreadyExists      = "AlreadyExistsException"
	exRoomNotFound       = "RoomNotFoundException"
	exNotSupported       = "NotSupportedException"
	exUnavailable        = "ServiceUnavailableException"
	exTimeout            = "TimeoutException"
	exBadGateway         = "BadGatewayException"
	exInternal           = "InternalServerErrorException"
	exUnsupportedMedia   = "NotSupportedException"
)

// statusOf maps a fault kind onto a status code.
func statusOf(k fault.Kind) int {
	switch k {
	case fault.BadRequest:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden, fault.Denied:
		return http.StatusForbidden
	case fault.Refused:
		return http.StatusConflict
	case fault.NotSupported:
		return http.StatusNotImplemented
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	case fault.Timeout:
		return http.StatusGatewayTimeout
	case fault.BadGateway:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// defaultException names the exception of a fault kind when the handler
// does not name a more precise one.
func defaultException(k fault.Kind) string {
	switch k {
	case fault.BadRequest, fault.TooLarge:
		return exIllegalArgument
	case fault.NotFound:
		return "NotFoundException"
	case fault.Conflict:
		return exAlreadyExists
	case fault.Forbidden, fault.Denied, fault.Refused:
		return exNotAllowed
	case fault.NotSupported:
		return exNotSupported
	case fault.Unavailable:
		return exUnavailable
	case fault.Timeout:
		return exTimeout
	case fault.BadGateway:
		return exBadGateway
	}
	return exInternal
}

// failure refines how fail reports an error.
type failure struct {
	// exceptions names the exception per fault kind (e.g. NotFound →
	// UserNotFoundException).
	exceptions map[fault.Kind]string
	// messages replaces the message per fault kind (Openfire's own text,
	// e.g. "Could not get user"); the fault's message is kept otherwise.
	messages map[fault.Kind]string
	// resource names the thing when the fault does not.
	resource string
}

// userFailure is how user endpoints report errors.
func userFailure(username string) failure {
	return failure{
		exceptions: map[fault.Kind]string{fault.NotFound: exUserNotFound, fault.Conflict: exUserAlreadyExists},
		resource:   username,
	}
}

// fail writes err as Openfire's error body, with the status of its kind.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.failAs(w, r, err, failure{})
}

// failAs writes err as Openfire's error body, with the exception names,
// messages and resource of f.
func (a *api) failAs(w http.ResponseWriter, r *http.Request, err error, f failure) {
	var um *httpapi.UnsupportedMediaError
	if errors.As(err, &um) {
		a.writeError(w, r, http.StatusUnsupportedMediaType, errorBody{
			Resource: r.URL.Path, Message: um.Error(), Exception: exUnsupportedMedia})
		return
	}
	kind := fault.KindOf(err)
	body := errorBody{Message: fault.Message(err), Exception: f.exceptions[kind]}
	if body.Exception == "" {
		body.Exception = defaultException(kind)
	}
	if m := f.messages[kind]; m != "" {
		body.Message = m
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Resource != "" {
		body.Resource = fe.Resource
	}
	if f.resource != "" && (body.Resource == "" || kind == fault.NotFound || kind == fault.Conflict) {
		body.Resource = f.resource
	}
	status := statusOf(kind)
	if status >= 500 && a.svc != nil && a.svc.Log != nil {
		a.svc.Log.Warn("openfire API call failed", "path", r.URL.EscapedPath(), "status", status, "error", err.Error())
	}
	a.writeError(w, r, status, body)
}

func (a *api) writeError(w http.ResponseWriter, r *http.Request, status int, body errorBody) {
	format := errorFormat(r)
	out, _ := httpapi.Encode(format, body)
	w.Header().Set("Content-Type", format)
	w.WriteHeader(status)
	w.Write(out)
}
