package openfire

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
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
// JSON shapes follow Openfire's). An encoding failure is returned before
// anything is written.
func (a *api) write(w http.ResponseWriter, r *http.Request, status int, v any) error {
	if err := httpapi.Write(w, status, responseFormat(r), v); err != nil {
		return fault.Wrap(fault.Internal, err, "encode the answer")
	}
	return nil
}

// created answers 201 with an empty body.
func created(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusCreated)
	return nil
}

// ok answers 200 with an empty body.
func ok(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusOK)
	return nil
}

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
func statusOf(k fault.Kind) int { return httpapi.StatusOf(k) }

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

// failure refines how an error is reported for one kind of call: which
// exception a fault kind is, and which resource it names.
type failure struct {
	// exceptions names the exception per fault kind (e.g. NotFound →
	// UserNotFoundException).
	exceptions map[fault.Kind]string
	// messages replaces the message per fault kind (e.g. a setting's
	// problem worded with the entity's field name).
	messages map[fault.Kind]string
	// resource names the thing when the fault does not.
	resource string
}

// wrap returns err carrying f for the error writer, or nil for nil.
func (f failure) wrap(err error) error {
	if err == nil {
		return nil
	}
	return &refinedError{err: err, failure: f}
}

// refinedError is an error with the failure it is to be reported as.
type refinedError struct {
	err     error
	failure failure
}

func (e *refinedError) Error() string { return e.err.Error() }
func (e *refinedError) Unwrap() error { return e.err }

// userFailure is how user endpoints report errors.
func userFailure(username string) failure {
	return failure{
		exceptions: map[fault.Kind]string{fault.NotFound: exUserNotFound, fault.Conflict: exUserAlreadyExists},
		resource:   username,
	}
}

// openfireTexts are Openfire's own exceptions and messages for failures
// the operations report with a cause (matched with errors.Is); the
// operations' own message is kept for every other failure. A %q in a
// message is the resource the fault names.
var openfireTexts = []struct {
	cause              error
	exception, message string
}{
	{ops.ErrUserNotFound, exUserNotFound, "Could not get user"},
	{ops.ErrUserExists, exUserAlreadyExists, "User already exists"},
	{ops.ErrGroupNotFound, exGroupNotFound, "Could not find group"},
	{ops.ErrGroupExists, exGroupAlreadyExists, "Could not create a group: %q already exists"},
	{ops.ErrPropertyNotFound, exPropertyNotFound, "Could not find property"},
}

// writeFault is the dialect's error writer: err as Openfire's error body,
// with the status of its kind, refined by the failure it carries (see
// failure.wrap) and by openfireTexts.
func (a *api) writeFault(w http.ResponseWriter, r *http.Request, err error) {
	var f failure
	var refined *refinedError
	if errors.As(err, &refined) {
		f = refined.failure
	}
	var um *httpapi.UnsupportedMediaError
	if errors.As(err, &um) {
		a.writeError(w, r, http.StatusUnsupportedMediaType, errorBody{
			Resource: r.URL.Path, Message: um.Error(), Exception: exUnsupportedMedia})
		return
	}
	kind := fault.KindOf(err)
	body := errorBody{Message: fault.Message(err), Exception: f.exceptions[kind]}
	for _, t := range openfireTexts {
		if errors.Is(err, t.cause) {
			if body.Exception == "" {
				body.Exception = t.exception
			}
			switch {
			case strings.Contains(t.message, "%q"):
				var fe *fault.Error
				if errors.As(err, &fe) {
					body.Message = fmt.Sprintf(t.message, fe.Resource)
				}
			case t.message != "":
				body.Message = t.message
			}
			break
		}
	}
	if m := f.messages[kind]; m != "" {
		body.Message = m
	}
	if body.Exception == "" {
		body.Exception = defaultException(kind)
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
