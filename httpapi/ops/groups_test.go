package ops

import (
	"reflect"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

func offlineService() *Service {
	return &Service{Link: component.New(component.Config{
		Domain: jid.MustParse("rest.example.org"),
		Hosts:  []jid.JID{jid.MustParse("example.org")},
	})}
}

func TestMemberLists(t *testing.T) {
	s := offlineService()
	admins, members, err := s.memberLists("example.org", "G", []string{"carol", "Carol@Example.org"},
		[]string{"bob", "alice@example.org", "carol", "dave@remote.example", "bob@example.org/phone"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(admins, []string{"carol@example.org"}) {
		t.Errorf("admins = %v", admins)
	}
	if !reflect.DeepEqual(members, []string{"alice@example.org", "bob@example.org", "dave@remote.example"}) {
		t.Errorf("members = %v (an admin is not also a member; a full JID counts as its bare JID)", members)
	}
	for _, bad := range []string{"a@b@c", "@example.org", "", "example.org/x@"} {
		if _, _, err := s.memberLists("example.org", "G", nil, []string{bad}); !fault.Is(err, fault.BadRequest) {
			t.Errorf("member %q: want BadRequest, got %v", bad, err)
		}
	}
}

func TestCheckGroupName(t *testing.T) {
	for _, bad := range []string{"", "  ", "a\x00b", "tab\there", strings.Repeat("x", 256), "\xff"} {
		if err := checkGroupName(bad); !fault.Is(err, fault.BadRequest) {
			t.Errorf("%q: want BadRequest, got %v", bad, err)
		}
	}
	for _, good := range []string{"Team", "Équipe / Ops", strings.Repeat("x", 255)} {
		if err := checkGroupName(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

func TestSharedPairs(t *testing.T) {
	s := offlineService()
	g := &store.Group{Host: "example.org", Name: "G", Shared: true, Admins: []string{"carol@example.org"},
		Members: []string{"alice@example.org", "dave@remote.example"}}
	got := s.sharedPairs(g)
	want := map[sharedPair]bool{
		{"alice@example.org", "carol@example.org", "G"}:   true,
		{"alice@example.org", "dave@remote.example", "G"}: true,
		{"carol@example.org", "alice@example.org", "G"}:   true,
		{"carol@example.org", "dave@remote.example", "G"}: true,
		// dave is on another server: his roster is not ours to change.
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pairs = %v", got)
	}
	g.Shared = false
	if len(s.sharedPairs(g)) != 0 || len(s.sharedPairs(nil)) != 0 {
		t.Fatal("a group that is not shared (or absent) puts nothing in rosters")
	}
}

func TestErrGroupNotFoundMatches(t *testing.T) {
	err := errGroupNotFound("Team")
	var fe *fault.Error
	if !fault.Is(err, fault.NotFound) || !asError(err, &fe) || fe.Resource != "Team" {
		t.Fatalf("err = %#v", err)
	}
	if !errorsIs(err, ErrGroupNotFound) {
		t.Fatal("errors.Is does not match ErrGroupNotFound")
	}
	if errorsIs(errUserNotFound("alice"), ErrGroupNotFound) {
		t.Fatal("a missing user matches ErrGroupNotFound")
	}
}
