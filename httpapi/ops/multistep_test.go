package ops

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

func strp(s string) *string { return &s }

// setRoster gives user the contacts, subscription both, no groups.
func (f *fakeServer) setRoster(user string, contacts ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rosters[user] = map[string]component.RosterItem{}
	for _, c := range contacts {
		f.rosters[user][c] = component.RosterItem{JID: c, Subscription: "both"}
	}
}

func TestRenameUserCarriesRosterAndData(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	f.addAccount("bob@a.example")
	f.setRoster("alice@a.example", "bob@a.example")
	if err := s.UpdateUser(ctx, admin, "alice", UserChange{Name: strp("Alice")}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserToGroups(ctx, admin, "alice", []string{"Team"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUser(ctx, admin, "alice", UserChange{Username: strp("alicia"), Password: strp("new")}); err != nil {
		t.Fatal(err)
	}
	if f.hasAccount("alice@a.example") || !f.hasAccount("alicia@a.example") {
		t.Fatalf("accounts after rename: %v", f.accounts)
	}
	if got := f.roster("alicia@a.example"); !reflect.DeepEqual(got, []string{"bob@a.example:both:[]"}) {
		t.Errorf("roster carried over = %v", got)
	}
	u, err := s.GetUser(ctx, admin, "alicia")
	if err != nil || u.Name != "Alice" {
		t.Errorf("renamed user = %+v, %v", u, err)
	}
	if gs, _ := s.UserGroups(ctx, admin, "alicia"); !reflect.DeepEqual(gs, []string{"Team"}) {
		t.Errorf("groups of the renamed user = %v", gs)
	}
}

// When the roster cannot be carried over, the new account is deleted and
// the old one is left as it was.
func TestRenameUserUndoneWhenRosterCannotBeCarried(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	f.setRoster("alice@a.example", "bob@a.example", "carol@a.example")
	f.failRosterSet["alicia@a.example"] = 2 // the second contact fails
	err := s.UpdateUser(ctx, admin, "alice", UserChange{Username: strp("alicia"), Password: strp("new")})
	if err == nil {
		t.Fatal("rename succeeded with a failing roster set")
	}
	if !f.hasAccount("alice@a.example") || f.hasAccount("alicia@a.example") {
		t.Fatalf("accounts after a failed rename: %v", f.accounts)
	}
	if got := f.roster("alice@a.example"); len(got) != 2 {
		t.Errorf("old roster = %v", got)
	}
}

// When the old account cannot be deleted, the rename is undone: the new
// account goes, the data and group memberships come back.
func TestRenameUserUndoneWhenOldAccountStays(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	if err := s.UpdateUser(ctx, admin, "alice", UserChange{Email: strp("a@mail.example")}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserToGroups(ctx, admin, "alice", []string{"Team"}); err != nil {
		t.Fatal(err)
	}
	f.failing("DeleteUser", "alice@a.example", fault.New(fault.BadGateway, "refused"))
	err := s.UpdateUser(ctx, admin, "alice", UserChange{Username: strp("alicia"), Password: strp("new")})
	if !fault.Is(err, fault.BadGateway) {
		t.Fatalf("rename: %v", err)
	}
	if !f.hasAccount("alice@a.example") || f.hasAccount("alicia@a.example") {
		t.Fatalf("accounts after an undone rename: %v", f.accounts)
	}
	u, err := s.GetUser(ctx, admin, "alice")
	if err != nil || u.Email != "a@mail.example" {
		t.Errorf("data after an undone rename: %+v, %v", u, err)
	}
	if gs, _ := s.UserGroups(ctx, admin, "alice"); !reflect.DeepEqual(gs, []string{"Team"}) {
		t.Errorf("groups after an undone rename = %v", gs)
	}
}

// A shared group change whose roster push fails half-way takes back the
// pushes made and records nothing.
func TestGroupChangeCompensatedWhenRosterPushFails(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	for _, j := range []string{"alice@a.example", "bob@a.example", "carol@a.example"} {
		f.addAccount(j)
	}
	f.setRoster("alice@a.example", "zed@elsewhere.example")
	f.failRosterSet["carol@a.example"] = 1 // rosters are changed in order: alice, bob, then carol fails
	err := s.CreateGroup(ctx, admin, Group{Name: "Team", Shared: true, Members: []string{"alice", "bob", "carol"}})
	if err == nil {
		t.Fatal("group created with a failing roster push")
	}
	if got := f.roster("alice@a.example"); !reflect.DeepEqual(got, []string{"zed@elsewhere.example:both:[]"}) {
		t.Errorf("alice's roster not restored: %v", got)
	}
	if got := f.roster("bob@a.example"); len(got) != 0 {
		t.Errorf("bob's roster not restored: %v", got)
	}
	if _, err := s.GetGroup(ctx, admin, "", "Team"); !errors.Is(err, ErrGroupNotFound) {
		t.Errorf("group recorded after a failed change: %v", err)
	}
}

// A user created into groups it cannot join is deleted again, metadata and
// all.
func TestCreateUserWithGroupsUndone(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("bob@a.example")
	if err := s.CreateGroup(ctx, admin, Group{Name: "Team", Shared: true, Members: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	f.failRosterSet["bob@a.example"] = 1
	err := s.CreateUser(ctx, admin, NewUser{Username: "dave", Password: "pw", Name: "Dave", Groups: []string{"Team"}})
	if err == nil {
		t.Fatal("created a user that could not join its group")
	}
	if f.hasAccount("dave@a.example") {
		t.Error("the account of a failed creation was kept")
	}
	if _, err := s.Store.UserMeta(ctx, "dave@a.example"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the metadata of a failed creation was kept: %v", err)
	}
	g, _ := s.GetGroup(ctx, admin, "", "Team")
	if !reflect.DeepEqual(g.Members, []string{"bob@a.example"}) {
		t.Errorf("group after a failed creation: %+v", g)
	}
	// Without the failure it works, and the user is in the group.
	f.failRosterSet = map[string]int{}
	if err := s.CreateUser(ctx, admin, NewUser{Username: "dave", Password: "pw", Groups: []string{"Team", "New"}}); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.UserGroups(ctx, admin, "dave"); !reflect.DeepEqual(gs, []string{"New", "Team"}) {
		t.Errorf("groups of the new user = %v", gs)
	}
}

func TestSetUserGroups(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	f.addAccount("bob@a.example")
	if err := s.AddUserToGroups(ctx, admin, "alice", []string{"One", "Two"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserGroups(ctx, admin, "alice", []string{"Two", "Three"}); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.UserGroups(ctx, admin, "alice"); !reflect.DeepEqual(gs, []string{"Three", "Two"}) {
		t.Fatalf("groups = %v", gs)
	}
	// Joining fails: the groups left are joined again.
	if err := s.CreateGroup(ctx, admin, Group{Name: "Shared", Shared: true, Members: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	f.failRosterSet["bob@a.example"] = 1
	if err := s.SetUserGroups(ctx, admin, "alice", []string{"Shared"}); err == nil {
		t.Fatal("joined a group whose roster push fails")
	}
	if gs, _ := s.UserGroups(ctx, admin, "alice"); !reflect.DeepEqual(gs, []string{"Three", "Two"}) {
		t.Errorf("groups after a failed change = %v, want the ones before", gs)
	}
	if err := s.SetUserGroups(ctx, admin, "alice", nil); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.UserGroups(ctx, admin, "alice"); len(gs) != 0 {
		t.Errorf("groups after leaving all = %v", gs)
	}
}

// A shared group puts its members in each other's rosters on its own host
// only; a member on another administered host is kept apart, unless the
// group spans all hosts. Groups of the same name on two hosts are two
// groups.
func TestSharedGroupStaysOnItsHost(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	for _, j := range []string{"alice@a.example", "bob@a.example", "carol@b.example", "dan@b.example"} {
		f.addAccount(j)
	}
	if err := s.CreateGroup(ctx, admin, Group{Host: "a.example", Name: "Staff", Shared: true,
		Members: []string{"alice", "bob", "carol@b.example"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(ctx, admin, Group{Host: "b.example", Name: "Staff", Shared: true,
		Members: []string{"carol", "dan"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"alice@a.example": {"bob@a.example:both:[Staff]"},
		"bob@a.example":   {"alice@a.example:both:[Staff]"},
		"carol@b.example": {"dan@b.example:both:[Staff]"},
		"dan@b.example":   {"carol@b.example:both:[Staff]"},
	}
	for u, w := range want {
		if got := f.roster(u); !reflect.DeepEqual(got, w) {
			t.Errorf("roster of %s = %v, want %v", u, got, w)
		}
	}
	// Spanning hosts is explicit.
	if err := s.UpdateGroup(ctx, admin, "a.example", "Staff", GroupChange{AllHosts: boolp(true)}); err != nil {
		t.Fatal(err)
	}
	if got := f.roster("carol@b.example"); !reflect.DeepEqual(got, []string{
		"alice@a.example:both:[Staff]", "bob@a.example:both:[Staff]", "dan@b.example:both:[Staff]"}) {
		t.Errorf("carol's roster with a group across hosts = %v", got)
	}
	if err := s.UpdateGroup(ctx, admin, "a.example", "Staff", GroupChange{AllHosts: boolp(false)}); err != nil {
		t.Fatal(err)
	}
	if got := f.roster("carol@b.example"); !reflect.DeepEqual(got, want["carol@b.example"]) {
		t.Errorf("carol's roster after the group left other hosts = %v", got)
	}
	gs, err := s.ListGroups(ctx, hostAdmin("b.example"), "b.example")
	if err != nil || len(gs) != 1 || gs[0].Host != "b.example" || !reflect.DeepEqual(gs[0].Members, []string{"carol@b.example", "dan@b.example"}) {
		t.Errorf("groups of b.example = %+v, %v", gs, err)
	}
}

func boolp(b bool) *bool { return &b }

// A deleted user leaves its groups on every host, so a group across hosts
// takes it out of the rosters of the other host's members too.
func TestDeleteUserLeavesGroupsOfEveryHost(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	f.addAccount("alice@a.example")
	f.addAccount("carol@b.example")
	if err := s.CreateGroup(ctx, admin, Group{Host: "b.example", Name: "All", Shared: true, AllHosts: true,
		Members: []string{"alice@a.example", "carol"}}); err != nil {
		t.Fatal(err)
	}
	if got := f.roster("carol@b.example"); !reflect.DeepEqual(got, []string{"alice@a.example:both:[All]"}) {
		t.Fatalf("carol's roster = %v", got)
	}
	if err := s.DeleteUser(ctx, admin, "alice@a.example"); err != nil {
		t.Fatal(err)
	}
	if got := f.roster("carol@b.example"); len(got) != 0 {
		t.Errorf("carol's roster after alice was deleted = %v", got)
	}
	g, err := s.GetGroup(ctx, admin, "b.example", "All")
	if err != nil || !reflect.DeepEqual(g.Members, []string{"carol@b.example"}) {
		t.Errorf("group after alice was deleted = %+v, %v", g, err)
	}
}

// An undo that fails too is logged, with what it was undoing; the caller
// gets the original failure.
func TestFailedUndoIsLogged(t *testing.T) {
	ctx := context.Background()
	s, f := fakeService(t)
	var logged bytes.Buffer
	s.Log = slog.New(slog.NewTextHandler(&logged, nil))
	f.addAccount("bob@a.example")
	if err := s.CreateGroup(ctx, admin, Group{Name: "Team", Shared: true, Members: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	f.failRosterSet["bob@a.example"] = 1
	f.failing("DeleteUser", "dave@a.example", fault.New(fault.Timeout, "no answer"))
	err := s.CreateUser(ctx, admin, NewUser{Username: "dave", Password: "pw", Groups: []string{"Team"}})
	if !fault.Is(err, fault.BadGateway) {
		t.Fatalf("create: %v, want the roster failure", err)
	}
	if !strings.Contains(logged.String(), "could not undo") || !strings.Contains(logged.String(), "could not join its groups") ||
		!strings.Contains(logged.String(), "no answer") {
		t.Errorf("log = %s", logged.String())
	}
}
