package httpapi

import (
	"net/http"

	"xmpprest/component/fault"
)

// StatusOf is the usual status code of a fault kind; a dialect whose
// documents say otherwise maps the exceptions itself.
func StatusOf(k fault.Kind) int {
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
	case fault.Throttled:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	case fault.Timeout:
		return http.StatusGatewayTimeout
	case fault.BadGateway:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}
