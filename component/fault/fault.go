// Package fault classifies the failures of the operations below the REST
// dialects: what went wrong (bad input, not found, conflict, forbidden, not
// supported by this server, XMPP link down, ...) and a message a user can act
// on. Every dialect maps a Kind onto its own status codes and error body, so an
// operation reports a failure once, in one way.
package fault

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is the class of a failure.
type Kind int

// The kinds of failure. The zero value is Internal: a bug or an unexpected
// local failure.
const (
	Internal     Kind = iota
	BadRequest        // the caller sent something invalid; nothing was changed
	NotFound          // the named thing does not exist
	Conflict          // the thing exists already, or the change collides
	Forbidden         // the XMPP server refused the component the right
	NotSupported      // the attached XMPP server cannot do this
	Unavailable       // the XMPP link is down (or the store is closed)
	Timeout           // the XMPP server did not answer in time
	BadGateway        // the XMPP server answered with an unexpected failure
	Denied            // the caller's credentials do not allow this (scope)
	Refused           // the XMPP server refuses this change on its merits (e.g. a room's last owner)
	TooLarge          // the request (its body) is larger than the limit
	Throttled         // too many attempts (failed logins): wait RetryAfter
)

var kindNames = [...]string{
	Internal:     "internal error",
	BadRequest:   "bad request",
	NotFound:     "not found",
	Conflict:     "conflict",
	Forbidden:    "forbidden",
	NotSupported: "not supported",
	Unavailable:  "unavailable",
	Timeout:      "timeout",
	BadGateway:   "bad gateway",
	Denied:       "denied",
	Refused:      "refused",
	TooLarge:     "too large",
	Throttled:    "too many attempts",
}

// String names the kind in words.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is a classified failure.
type Error struct {
	Kind Kind
	// Message says what went wrong and, where it helps, what to do about it.
	Message string
	// Resource names the thing the failure is about (a username, a room),
	// when there is one.
	Resource string
	// Err is the underlying cause, if any.
	Err error
	// RetryAfter, when not zero, is how long the caller should wait before
	// trying again (a link that reconnects); dialects send it as the
	// Retry-After header.
	RetryAfter time.Duration
	// MaybeApplied marks a change that was sent to the XMPP server whose
	// outcome is unknown (the link broke or the server fell silent before
	// the answer): it may have been applied. It is never set on a failure
	// that is known to have changed nothing.
	MaybeApplied bool
}

// Error returns the message, with the cause appended when there is one.
func (e *Error) Error() string {
	if e.Err != nil && e.Message != "" {
		return e.Message + ": " + e.Err.Error()
	}
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Kind.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind with a formatted message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of the given kind with a formatted message and cause.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// About returns a copy of e that names resource.
func (e *Error) About(resource string) *Error {
	c := *e
	c.Resource = resource
	return &c
}

// KindOf returns the kind of err: the Kind of the first *Error in its chain,
// Timeout for a context deadline, and Internal otherwise.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return Internal
}

// Is reports whether err is of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Message returns the user-facing message of err: the Message of the first
// *Error in its chain, or err's text.
func Message(err error) string {
	var fe *Error
	if errors.As(err, &fe) && fe.Message != "" {
		return fe.Message
	}
	return err.Error()
}

// Is reports whether target is a *Error of the same kind and message, so a
// copy made by About still matches its sentinel with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Message == e.Message
}

// RetryAfterOf returns the RetryAfter of the first *Error in err's chain
// that has one, or 0.
func RetryAfterOf(err error) time.Duration {
	for err != nil {
		if fe, ok := err.(*Error); ok && fe.RetryAfter > 0 {
			return fe.RetryAfter
		}
		err = errors.Unwrap(err)
	}
	return 0
}

// MaybeApplied reports whether err says that a change was sent and may have
// been applied although no success was seen (see Error.MaybeApplied).
func MaybeApplied(err error) bool {
	for err != nil {
		if fe, ok := err.(*Error); ok && fe.MaybeApplied {
			return true
		}
		err = errors.Unwrap(err)
	}
	return false
}

// OutcomeUnknown returns the failure of a change that was sent to the XMPP
// server without an answer: a Timeout (504 in every dialect) whose message
// says the change may have been applied, so the caller checks before
// retrying or retries with the same Idempotency-Key.
func OutcomeUnknown(cause error, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...) +
		": the change may have been applied; check its effect before retrying, or retry with the same Idempotency-Key"
	return &Error{Kind: Timeout, Message: msg, Err: cause, MaybeApplied: true}
}
