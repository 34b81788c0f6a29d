package httpapi

import (
	"net/http"

	"xmpprest/component/fault"
)

// Status maps a fault kind onto the HTTP status code the dialects answer
// it with.
func Status(k fault.Kind) int {
	switch k {
	case fault.BadRequest:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict, fault.Refused:
		return http.StatusConflict
	case fault.Forbidden, fault.Denied:
		return http.StatusForbidden
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
