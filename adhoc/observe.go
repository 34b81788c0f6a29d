package adhoc

import (
	"strings"

	"xmpprest/component/fault"
)

// commandName is the last part of a command node, for the metrics:
// "add-user" for "http://jabber.org/protocol/admin#add-user".
func commandName(node string) string {
	if i := strings.LastIndexByte(node, '#'); i >= 0 {
		return node[i+1:]
	}
	return node
}

// commandOutcome is "completed" or the failure's kind, for the metrics.
func commandOutcome(err error) string {
	if err == nil {
		return "completed"
	}
	return strings.ReplaceAll(fault.KindOf(err).String(), " ", "_")
}
