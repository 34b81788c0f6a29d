package ops

import (
	"errors"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

func asError(err error, target **fault.Error) bool { return errors.As(err, target) }
func errorsIs(err, target error) bool              { return errors.Is(err, target) }

// Localparts are case-folded (PRECIS UsernameCaseMapped), so a contact
// differing only in case is the same JID.
func TestContactJID(t *testing.T) {
	alice := jid.MustParse("alice@example.org")
	for _, bad := range []string{"", "a@b@c", "bob@example.org/phone", "alice@example.org", "ALICE@example.org"} {
		if _, err := contactJID(alice, bad); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%q: want BadRequest, got %v", bad, err)
		}
	}
	if c, err := contactJID(alice, " Bob@Example.org "); err != nil || c.String() != "bob@example.org" {
		t.Errorf("contact = %v, %v", c, err)
	}
}
