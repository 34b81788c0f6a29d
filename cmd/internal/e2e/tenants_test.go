package e2e

import (
	"context"
	"reflect"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component/fault"
	"xmpprest/component/xmppserver"
	"xmpprest/httpapi/ops"
)

// Two virtual hosts on one server, each a tenant with a shared group of the
// same name: the members of each see only their own host's members, a
// member of the other host listed in a group gets no contacts from it, and
// a host's administrator cannot touch the other host's group. Shared
// groups need XEP-0356 roster set, which ejabberd grants from 23.10 only:
// there the groups are kept apart without rosters.
func TestTenantGroupsStayOnTheirHost(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		s := xmppserver.StartT(t, kind, xmppserver.Options{Hosts: []string{"one.example", "two.example"}})
		e := attach(t, s)
		e.awaitPrivileges()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		account := func(j string) jid.JID {
			t.Helper()
			user := jid.MustParse(j)
			if err := e.D.Adhoc.AddUser(ctx, adhoc.NewUser{JID: user, Password: "pw"}); err != nil {
				t.Fatalf("create %s: %v", user, err)
			}
			return user
		}
		alice, bob := account("alice@one.example"), account("bob@one.example")
		carol, dan := account("carol@two.example"), account("dan@two.example")
		shared := kind == xmppserver.Prosody
		admin := ops.ServiceAdmin("test")

		// Host one's group lists carol of host two as a member too.
		err := e.D.Ops.CreateGroup(ctx, admin, ops.Group{Host: "one.example", Name: "Staff", Shared: shared,
			Members: []string{alice.String(), bob.String(), carol.String()}})
		if err != nil {
			t.Fatal(err)
		}
		err = e.D.Ops.CreateGroup(ctx, admin, ops.Group{Host: "two.example", Name: "Staff", Shared: shared,
			Members: []string{carol.String(), dan.String()}})
		if err != nil {
			t.Fatal(err)
		}

		// Each host's administrator sees its own group only, and may not
		// change the other's.
		hostOne := ops.Actor{Name: "one", Role: ops.RoleHostAdmin, Host: "one.example"}
		g, err := e.D.Ops.GetGroup(ctx, hostOne, "one.example", "Staff")
		if err != nil || len(g.Members) != 3 {
			t.Fatalf("host one's group = %+v, %v", g, err)
		}
		if _, err := e.D.Ops.GetGroup(ctx, hostOne, "two.example", "Staff"); !fault.Is(err, fault.Denied) {
			t.Fatalf("host one's administrator reads host two's group: %v", err)
		}
		if err := e.D.Ops.DeleteGroup(ctx, hostOne, "two.example", "Staff"); !fault.Is(err, fault.Denied) {
			t.Fatalf("host one's administrator deletes host two's group: %v", err)
		}
		two, err := e.D.Ops.GetGroup(ctx, admin, "two.example", "Staff")
		if err != nil || !reflect.DeepEqual(two.Members, []string{carol.String(), dan.String()}) {
			t.Fatalf("host two's group = %+v, %v", two, err)
		}

		// The rosters, as each user sees its own over c2s.
		for _, c := range []struct {
			user     jid.JID
			contacts []string
		}{{alice, []string{bob.String()}}, {bob, []string{alice.String()}}, {carol, []string{dan.String()}}, {dan, []string{carol.String()}}} {
			user, contacts := c.user, c.contacts
			got := ownRoster(t, e.client(user, "pw"))
			if !shared {
				contacts = nil
			}
			var jids []string
			for j, it := range got {
				jids = append(jids, j)
				if !reflect.DeepEqual(it.Groups, []string{"Staff"}) {
					t.Errorf("%s's contact %s is in groups %v", user, j, it.Groups)
				}
			}
			if !reflect.DeepEqual(sortedStrings(jids...), sortedStrings(contacts...)) {
				t.Errorf("%s's roster = %v, want %v (no contact of the other host)", user, sortedStrings(jids...), contacts)
			}
		}
	})
}
