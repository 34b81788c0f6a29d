package adhoc

import (
	"strings"

	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// classify turns an IQ error answered to a command into a fault of the
// right kind, with a message that says what to do.
func classify(req Request, err error) error {
	cond := component.StanzaCondition(err)
	if cond == "" {
		return err // link down, timeout: already classified
	}
	var fe *fault.Error
	text := fault.Message(err)
	switch cond {
	case stanza.Conflict:
		fe = &fault.Error{Kind: fault.Conflict, Message: "already exists (" + text + ")"}
	case stanza.Forbidden, stanza.NotAuthorized, stanza.NotAllowed:
		fe = &fault.Error{Kind: fault.Forbidden, Message: "the XMPP server does not let the component run " + req.Node +
			" (" + text + "): list the component in the server's admins (Prosody) or allow it in the configure access rule (ejabberd)"}
	case stanza.ItemNotFound:
		kind := req.Hint
		if kind == fault.Internal {
			kind = fault.BadRequest
		}
		fe = &fault.Error{Kind: kind, Message: "the XMPP server rejected " + req.Node + " (" + text + ")"}
		if kind == fault.NotFound {
			fe.Message = "not found (" + text + ")"
		}
	case stanza.ServiceUnavailable, stanza.FeatureNotImplemented:
		fe = notOffered(req.Host.String(), req.Node)
	case stanza.BadRequest, stanza.NotAcceptable, stanza.JIDMalformed:
		fe = &fault.Error{Kind: fault.BadRequest, Message: "the XMPP server rejected the input of " + req.Node + " (" + text + ")"}
	default:
		return err
	}
	fe.Err = err
	return fe
}

// checkNotes fails a completed command whose notes report an error
// (Prosody's convention).
func checkNotes(req Request, c *Command) error {
	if msg, ok := c.ErrorNote(); ok {
		return noteFault(req, msg)
	}
	return nil
}

// noteFault classifies the text of an error note.
func noteFault(req Request, msg string) *fault.Error {
	lower := strings.ToLower(msg)
	kind := fault.BadGateway
	switch {
	case strings.Contains(lower, "already exist"):
		kind = fault.Conflict
	case strings.Contains(lower, "does not exist"), strings.Contains(lower, "not found"),
		strings.Contains(lower, "no such"), strings.Contains(lower, "unknown user"), strings.Contains(lower, "could not be deleted"):
		kind = fault.NotFound
	case strings.Contains(lower, "invalid"), strings.Contains(lower, "mismatch"), strings.Contains(lower, "empty"),
		strings.Contains(lower, "malformed"), strings.Contains(lower, "missing"):
		kind = fault.BadRequest
	case strings.Contains(lower, "not allowed"), strings.Contains(lower, "forbidden"),
		strings.Contains(lower, "denied"), strings.Contains(lower, "permission"):
		kind = fault.Forbidden
	}
	m := msg
	if kind == fault.BadGateway {
		m = "command " + req.Node + " failed on " + req.Host.String() + ": " + msg
	}
	return &fault.Error{Kind: kind, Message: m}
}
