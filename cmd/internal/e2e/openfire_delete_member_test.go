package e2e

import (
	"net/url"
	"strings"
	"testing"

	"xmpprest/component/xmppserver"
)

// Deleting an account takes it out of the rosters a shared group put it in.
// (Prosody only: ejabberd 23.01 cannot change rosters, so it refuses shared
// groups with two or more members.)
func TestOpenfireDeletedUserLeavesSharedGroupRosters(t *testing.T) {
	e := start(t, xmppserver.Prosody)
	e.awaitPrivileges()
	alice := e.account("alice", "pw")
	bob := e.account("bob", "pw")
	ca := e.client(alice, "pw")
	f := wireFormats[0]
	group := "Team"
	status, body := e.of("POST", "/groups", f, groupBody(f, group, "", true, nil, []string{alice.Localpart(), bob.Localpart()}))
	wantStatus(t, "create shared group", status, body, 201)
	if _, ok := ownRoster(t, ca)[bob.String()]; !ok {
		t.Fatal("the shared group did not put bob in alice's roster")
	}
	status, body = e.of("DELETE", "/users/"+bob.Localpart(), f, "")
	wantStatus(t, "delete bob", status, body, 200)
	if _, ok := ownRoster(t, ca)[bob.String()]; ok {
		t.Fatal("alice still has the deleted bob in her roster")
	}
	if err := e.canLogIn(bob, "pw"); err == nil {
		t.Fatal("the deleted account can still log in")
	}
	status, body = e.of("GET", "/groups/"+url.PathEscape(group), f, "")
	wantStatus(t, "read group", status, body, 200)
	if strings.Contains(body, bob.Localpart()) {
		t.Fatalf("the group still lists the deleted bob: %s", body)
	}
}
