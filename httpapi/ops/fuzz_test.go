package ops

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component"
)

// A username or JID from a path parameter becomes a JID of a configured
// host or a BadRequest: no panic, never a JID of another host.
func FuzzUserJID(f *testing.F) {
	for _, seed := range []string{"alice", "alice@example.org", "alice@example.org/phone", "a b", "x@elsewhere.example",
		"ᴬlice", "\u0000", "@", "a@", "@example.org", strings.Repeat("a", 1100), "\xff", "Ǆ@example.org"} {
		f.Add(seed)
	}
	s := &Service{Link: component.New(component.Config{Domain: jid.MustParse("rest.example.org"),
		Hosts: []jid.JID{jid.MustParse("example.org"), jid.MustParse("other.example")}})}
	f.Fuzz(func(t *testing.T, username string) {
		j, err := s.UserJID(username, "")
		if err != nil {
			return
		}
		if !s.IsHost(j.Domainpart()) {
			t.Fatalf("%q became %s, outside the configured hosts", username, j)
		}
		if j.Localpart() == "" || j.Resourcepart() != "" {
			t.Fatalf("%q became %s, not a user's bare JID", username, j)
		}
	})
}
