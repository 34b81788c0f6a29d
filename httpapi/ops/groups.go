package ops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"mellium.im/xmpp/jid"

	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

// Groups are owned by the component (store.Group): neither Prosody nor
// ejabberd has group commands. Each group belongs to one host (a tenant):
// group names are unique per host, and only administrators of the host may
// change its groups. A shared group is made real in its members' rosters
// through XEP-0356 roster set: every member on the group's host has every
// other member as a contact (subscription both) under the group's name;
// members on another administered host are neither given contacts nor
// shown as one, unless the group spans all hosts (AllHosts, which only an
// administrator of every host may set). Leaving the group or deleting it
// takes the group's name off those contacts, and removes a contact left with
// no group at all.
//
// TODO: Openfire offers group ad-hoc commands (http://jabber.org/protocol/admin#add-group,
// #get-groups, #get-group-members, #add-group-members, #delete-group-members,
// #update-group, #delete-group). Where a host offers them (adhoc.Client.Offers)
// the groups should be the server's own and these operations should run
// them instead of the store; no server this project attaches to offers
// them, so only the store path exists.

// Group is a user group. Members and Admins are bare JIDs; a JID is in one
// list only (an admin is not listed as a member).
type Group struct {
	Host        string // the host the group belongs to; "" means the default host
	Name        string
	Description string
	Shared      bool
	// AllHosts makes a shared group put its members on every administered
	// host in each other's rosters, not only those on Host.
	AllHosts bool
	Admins   []string
	Members  []string
}

// GroupChange is the input of UpdateGroup: nil fields stay as they are.
type GroupChange struct {
	Description *string
	Shared      *bool
	AllHosts    *bool
	Admins      *[]string
	Members     *[]string
}

// groupLock serializes the group changes of the Service: a change reads
// the groups and the members' rosters, then writes both.
func (s *Service) groupLock() *sync.Mutex { return &s.groupMu }

// ErrGroupNotFound is the cause of the fault.NotFound of a missing group,
// and ErrGroupExists of the fault.Conflict of a group that exists already
// (match them with errors.Is).
var (
	ErrGroupNotFound = fault.New(fault.NotFound, "no such group")
	ErrGroupExists   = errors.New("the group exists already")
)

func errGroupNotFound(name string) error {
	return fault.Wrap(fault.NotFound, ErrGroupNotFound, "there is no group %q", name).About(name)
}

// checkGroupName validates a group name: not blank, no control characters,
// at most 255 characters.
func checkGroupName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fault.New(fault.BadRequest, "a group name is required").About("groups")
	}
	if err := checkText("group name", name, maxNameLength); err != nil {
		return err.About(name)
	}
	return nil
}

// ListGroups returns every group of host ("" for the default host), sorted
// by name.
func (s *Service) ListGroups(ctx context.Context, a Actor, host string) ([]Group, error) {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return nil, err
	}
	gs, err := s.Store.Groups(ctx, host)
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the groups")
	}
	out := make([]Group, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupFrom(g))
	}
	return out, nil
}

// GetGroup returns one group of host; a missing one is fault.NotFound.
func (s *Service) GetGroup(ctx context.Context, a Actor, host, name string) (Group, error) {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return Group{}, err
	}
	g, err := s.Store.Group(ctx, host, name)
	if errors.Is(err, store.ErrNotFound) {
		return Group{}, errGroupNotFound(name)
	}
	if err != nil {
		return Group{}, fault.Wrap(fault.Unavailable, err, "read group %q", name)
	}
	return groupFrom(g), nil
}

func groupFrom(g store.Group) Group {
	return Group{Host: g.Host, Name: g.Name, Description: g.Description, Shared: g.Shared, AllHosts: g.AllHosts,
		Admins: g.Admins, Members: g.Members}
}

// roomGroup returns a group a chat room names: groups given affiliations
// with rooms are those of the default host.
func (s *Service) roomGroup(ctx context.Context, name string) (store.Group, error) {
	return s.Store.Group(ctx, s.Link.DefaultHost().String(), name)
}

// mayShareAcrossHosts refuses AllHosts to an actor that does not
// administer every host.
func (s *Service) mayShareAcrossHosts(a Actor, allHosts bool) error {
	if !allHosts {
		return nil
	}
	if err := s.mayAdministerAll(a); err != nil {
		return fault.Wrap(fault.Denied, err, "only an administrator of every host may share a group across hosts")
	}
	return nil
}

// CreateGroup creates a group; an existing one is fault.Conflict. Members
// on this service's hosts must exist; other JIDs are kept as they are.
func (s *Service) CreateGroup(ctx context.Context, a Actor, g Group) error {
	host, err := s.administeredHost(a, g.Host)
	if err != nil {
		return err
	}
	if err := s.mayShareAcrossHosts(a, g.AllHosts); err != nil {
		return err
	}
	if err := checkGroupName(g.Name); err != nil {
		return err
	}
	if err := checkFreeText("group description", g.Description, maxDescriptionLength); err != nil {
		return err
	}
	admins, members, err := s.memberLists(host, g.Name, g.Admins, g.Members)
	if err != nil {
		return err
	}
	mu := s.groupLock()
	mu.Lock()
	defer mu.Unlock()
	if _, err := s.Store.Group(ctx, host, g.Name); err == nil {
		return fault.Wrap(fault.Conflict, ErrGroupExists, "group %q already exists", g.Name).About(g.Name)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fault.Wrap(fault.Unavailable, err, "read group %q", g.Name)
	}
	if err := s.mustAllExist(ctx, g.Name, append(admins, members...)); err != nil {
		return err
	}
	after := store.Group{Host: host, Name: g.Name, Description: g.Description, Shared: g.Shared, AllHosts: g.AllHosts,
		Admins: admins, Members: members}
	return s.changeGroups(ctx, a, host, []groupEdit{{after: &after}}, "", "created group "+g.Name, describeGroup(after))
}

// UpdateGroup changes a group of host; a missing one is fault.NotFound.
func (s *Service) UpdateGroup(ctx context.Context, a Actor, host, name string, c GroupChange) error {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return err
	}
	if c.AllHosts != nil {
		if err := s.mayShareAcrossHosts(a, *c.AllHosts); err != nil {
			return err
		}
	}
	if c.Description != nil {
		if err := checkFreeText("group description", *c.Description, maxDescriptionLength); err != nil {
			return err
		}
	}
	mu := s.groupLock()
	mu.Lock()
	defer mu.Unlock()
	before, err := s.Store.Group(ctx, host, name)
	if errors.Is(err, store.ErrNotFound) {
		return errGroupNotFound(name)
	}
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "read group %q", name)
	}
	if before.AllHosts && c.AllHosts == nil {
		// Changing the members of a group that spans hosts changes the
		// rosters of every host.
		if err := s.mayShareAcrossHosts(a, true); err != nil {
			return err
		}
	}
	after := before
	if c.Description != nil {
		after.Description = *c.Description
	}
	if c.Shared != nil {
		after.Shared = *c.Shared
	}
	if c.AllHosts != nil {
		after.AllHosts = *c.AllHosts
	}
	admins, members := before.Admins, before.Members
	if c.Admins != nil {
		admins = *c.Admins
	}
	if c.Members != nil {
		members = *c.Members
	}
	after.Admins, after.Members, err = s.memberLists(host, name, admins, members)
	if err != nil {
		return err
	}
	if err := s.mustAllExist(ctx, name, added(before.Everyone(), after.Everyone())); err != nil {
		return err
	}
	return s.changeGroups(ctx, a, host, []groupEdit{{before: &before, after: &after}}, "", "updated group "+name, describeGroup(after))
}

// DeleteGroup deletes a group of host; a missing one is fault.NotFound.
func (s *Service) DeleteGroup(ctx context.Context, a Actor, host, name string) error {
	host, err := s.administeredHost(a, host)
	if err != nil {
		return err
	}
	mu := s.groupLock()
	mu.Lock()
	defer mu.Unlock()
	before, err := s.Store.Group(ctx, host, name)
	if errors.Is(err, store.ErrNotFound) {
		return errGroupNotFound(name)
	}
	if err != nil {
		return fault.Wrap(fault.Unavailable, err, "read group %q", name)
	}
	if before.AllHosts {
		if err := s.mayShareAcrossHosts(a, true); err != nil {
			return err
		}
	}
	return s.changeGroups(ctx, a, host, []groupEdit{{before: &before}}, "", "deleted group "+name, "")
}

// UserGroups returns the names of the groups of its host a user is in; a
// missing user is fault.NotFound.
func (s *Service) UserGroups(ctx context.Context, a Actor, username string) ([]string, error) {
	j, err := s.userOf(a, username)
	if err != nil {
		return nil, err
	}
	var names []string
	err = s.existsWhile(ctx, j, username, func() (err error) {
		names, err = s.Store.GroupsOf(ctx, j.Domainpart(), j.String())
		if err != nil {
			return fault.Wrap(fault.Unavailable, err, "read the groups of %s", j)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// AddUserToGroups makes a user a member of each group of its host,
// creating the groups that do not exist (not shared, no description), as
// Openfire does.
func (s *Service) AddUserToGroups(ctx context.Context, a Actor, username string, names []string) error {
	j, err := s.administeredUser(a, username)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fault.New(fault.BadRequest, "no group names given").About(username)
	}
	for _, n := range names {
		if err := checkGroupName(n); err != nil {
			return err
		}
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return err
	}
	mu := s.groupLock()
	mu.Lock()
	defer mu.Unlock()
	host := j.Domainpart()
	var edits []groupEdit
	for _, n := range dedupe(names) {
		before, err := s.Store.Group(ctx, host, n)
		switch {
		case errors.Is(err, store.ErrNotFound):
			edits = append(edits, groupEdit{after: &store.Group{Host: host, Name: n, Members: []string{j.String()}, Admins: []string{}}})
		case err != nil:
			return fault.Wrap(fault.Unavailable, err, "read group %q", n)
		case contains(before.Everyone(), j.String()):
			// Already in it (as member or admin).
		default:
			after := before
			after.Members = sortedSet(append(append([]string(nil), before.Members...), j.String()))
			edits = append(edits, groupEdit{before: &before, after: &after})
		}
	}
	if len(edits) == 0 {
		return nil
	}
	return s.changeGroups(ctx, a, host, edits, j.Localpart(),
		fmt.Sprintf("added %s to groups %s", j, strings.Join(dedupe(names), ", ")), "")
}

// RemoveUserFromGroups takes a user out of each group of its host; a group
// that does not exist is fault.NotFound (and nothing is changed). A user
// not in a group is not an error.
func (s *Service) RemoveUserFromGroups(ctx context.Context, a Actor, username string, names []string) error {
	j, err := s.administeredUser(a, username)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fault.New(fault.BadRequest, "no group names given").About(username)
	}
	return s.leaveGroups(ctx, a, j, j.Domainpart(), names)
}

// leaveGroups takes j out of the groups of host named; a group that does
// not exist is fault.NotFound (and nothing is changed).
func (s *Service) leaveGroups(ctx context.Context, a Actor, j jid.JID, host string, names []string) error {
	mu := s.groupLock()
	mu.Lock()
	defer mu.Unlock()
	var edits []groupEdit
	for _, n := range dedupe(names) {
		before, err := s.Store.Group(ctx, host, n)
		if errors.Is(err, store.ErrNotFound) {
			return errGroupNotFound(n)
		}
		if err != nil {
			return fault.Wrap(fault.Unavailable, err, "read group %q", n)
		}
		if !contains(before.Everyone(), j.String()) {
			continue
		}
		after := before
		after.Members = without(before.Members, j.String())
		after.Admins = without(before.Admins, j.String())
		edits = append(edits, groupEdit{before: &before, after: &after})
	}
	if len(edits) == 0 {
		return nil
	}
	return s.changeGroups(ctx, a, host, edits, j.Localpart(),
		fmt.Sprintf("removed %s from groups %s", j, strings.Join(dedupe(names), ", ")), "")
}

// SetUserGroups makes a user a member of exactly the groups named (of its
// host): it leaves the others, then joins these (creating the missing
// ones). If joining fails, the groups left are joined again (a failure of
// that undo is logged), so the user ends where it started.
func (s *Service) SetUserGroups(ctx context.Context, a Actor, username string, names []string) error {
	j, err := s.administeredUser(a, username)
	if err != nil {
		return err
	}
	current, err := s.UserGroups(ctx, a, j.String())
	if err != nil {
		return err
	}
	var leave []string
	for _, g := range current {
		if !contains(names, g) {
			leave = append(leave, g)
		}
	}
	if len(leave) > 0 {
		if err := s.RemoveUserFromGroups(ctx, a, j.String(), leave); err != nil {
			return err
		}
	}
	join := added(current, dedupe(names))
	if len(join) == 0 {
		return nil
	}
	if err := s.AddUserToGroups(ctx, a, j.String(), join); err != nil {
		if len(leave) > 0 {
			s.undo(ctx, "rejoin the groups left by a failed change of groups", func(ctx context.Context) error {
				return s.AddUserToGroups(ctx, a, j.String(), leave)
			})
		}
		return err
	}
	return nil
}

// maxDescriptionLength bounds group descriptions, in characters.
const maxDescriptionLength = 4000

// memberLists validates and normalizes admins and members: each a username
// (of the group's host) or a JID, made a bare JID; an admin listed as a
// member too is an admin only.
func (s *Service) memberLists(host, group string, admins, members []string) (a, m []string, err error) {
	norm := func(list []string) ([]string, error) {
		out := make([]string, 0, len(list))
		for _, v := range list {
			j, err := s.memberJID(host, v)
			if err != nil {
				return nil, fault.Wrap(fault.BadRequest, err, "%q is not a username or JID a group member can have", v).About(group)
			}
			out = append(out, j.String())
		}
		return sortedSet(out), nil
	}
	if a, err = norm(admins); err != nil {
		return nil, nil, err
	}
	if m, err = norm(members); err != nil {
		return nil, nil, err
	}
	for _, j := range a {
		m = without(m, j)
	}
	return a, m, nil
}

// memberJID reads a group member: a JID when it contains @, else a
// username of host.
func (s *Service) memberJID(host, v string) (jid.JID, error) {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "@") {
		return s.UserJID(v, host)
	}
	j, err := jid.Parse(v)
	if err != nil {
		return jid.JID{}, err
	}
	if j.Localpart() == "" {
		return jid.JID{}, fmt.Errorf("%q has no username part", v)
	}
	return j.Bare(), nil
}

// mustAllExist checks that the JIDs on this service's hosts are accounts.
func (s *Service) mustAllExist(ctx context.Context, group string, jids []string) error {
	for _, v := range jids {
		j, err := jid.Parse(v)
		if err != nil || !s.IsHost(j.Domainpart()) {
			continue
		}
		ok, err := s.Adhoc.UserExists(ctx, j)
		if err != nil {
			return err
		}
		if !ok {
			return fault.New(fault.NotFound, "cannot put %s in group %q: there is no such user", j, group).About(j.Localpart())
		}
	}
	return nil
}

// groupEdit is the change of one group: before nil creates it, after nil
// deletes it.
type groupEdit struct {
	before, after *store.Group
}

// changeGroups carries out group edits of host: first the roster changes
// they mean for shared groups, then the store with the audit record. If a
// roster change fails, the ones made are undone and nothing is recorded; if
// the store fails, the roster changes are undone. The caller holds the
// group lock.
func (s *Service) changeGroups(ctx context.Context, a Actor, host string, edits []groupEdit, username, summary, details string) error {
	plan, err := s.planRosters(ctx, edits)
	if err != nil {
		return err
	}
	var done []rosterStep
	revert := func() {
		for i := len(done) - 1; i >= 0; i-- {
			st := done[i]
			s.undo(ctx, "restore a roster item of a failed group change", func(ctx context.Context) error {
				return s.Link.RosterSet(ctx, st.user, st.undo)
			})
		}
	}
	for _, st := range plan {
		if err := s.Link.RosterSet(ctx, st.user, st.item); err != nil {
			revert()
			if fault.Is(err, fault.NotSupported) {
				return fault.Wrap(fault.NotSupported, err, "the group change was not made: it is a shared group, which must be written into its members' rosters, and %s", fault.Message(err))
			}
			return fault.Wrap(fault.KindOf(err), err, "the group change was not made: the roster of %s could not be changed: %s", st.user, fault.Message(err)).About(st.user.Localpart())
		}
		done = append(done, st)
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		for _, e := range edits {
			if e.after == nil {
				if _, err := tx.DeleteGroup(ctx, e.before.Host, e.before.Name); err != nil {
					return err
				}
				continue
			}
			if err := tx.PutGroup(ctx, *e.after); err != nil {
				return err
			}
		}
		return s.auditOn(ctx, tx, a, host, username, summary, details)
	})
	if err != nil {
		revert()
		return fault.Wrap(fault.Unavailable, err, "could not record the group change; nothing was changed")
	}
	if host == s.Link.DefaultHost().String() {
		// Chat rooms name groups of the default host (see roomGroup).
		s.syncRoomGroups(ctx, edits) // muc_groups.go
	}
	return nil
}

// rosterStep is one roster set of a group change, with the set that undoes
// it.
type rosterStep struct {
	user       jid.JID
	item, undo component.RosterItem
}

// sharedPair is "user sees contact under group".
type sharedPair struct{ user, contact, group string }

// sharedPairs lists the pairs a shared group puts in rosters: every member
// on the group's host (on every administered host when it spans hosts)
// sees every other member, except members of another administered host a
// group that does not span hosts keeps apart. Members elsewhere (on other
// servers) are seen but have no roster here.
func (s *Service) sharedPairs(g *store.Group) map[sharedPair]bool {
	out := map[sharedPair]bool{}
	if g == nil || !g.Shared {
		return out
	}
	// inTenant: a member on one of this service's hosts the group reaches.
	inTenant := func(domain string) bool { return s.IsHost(domain) && (g.AllHosts || domain == g.Host) }
	visible := func(domain string) bool { return inTenant(domain) || !s.IsHost(domain) }
	all := g.Everyone()
	for _, u := range all {
		uj, err := jid.Parse(u)
		if err != nil || !inTenant(uj.Domainpart()) {
			continue
		}
		for _, c := range all {
			cj, err := jid.Parse(c)
			if c != u && err == nil && visible(cj.Domainpart()) {
				out[sharedPair{u, c, g.Name}] = true
			}
		}
	}
	return out
}

// planRosters turns group edits into roster sets: for each user whose
// shared contacts change, its roster is read and each affected contact gets
// the group names added or taken off (a new contact is added with
// subscription both; a contact left without groups is removed).
func (s *Service) planRosters(ctx context.Context, edits []groupEdit) ([]rosterStep, error) {
	type change struct{ add, remove []string }
	perUser := map[string]map[string]*change{}
	note := func(p sharedPair, add bool) {
		if perUser[p.user] == nil {
			perUser[p.user] = map[string]*change{}
		}
		c := perUser[p.user][p.contact]
		if c == nil {
			c = &change{}
			perUser[p.user][p.contact] = c
		}
		if add {
			c.add = append(c.add, p.group)
		} else {
			c.remove = append(c.remove, p.group)
		}
	}
	for _, e := range edits {
		before, after := s.sharedPairs(e.before), s.sharedPairs(e.after)
		for p := range after {
			if !before[p] {
				note(p, true)
			}
		}
		for p := range before {
			if !after[p] {
				note(p, false)
			}
		}
	}
	users := make([]string, 0, len(perUser))
	for u := range perUser {
		users = append(users, u)
	}
	sort.Strings(users)
	var plan []rosterStep
	for _, u := range users {
		uj, _ := jid.Parse(u)
		items, err := s.rosterOf(ctx, uj)
		if err != nil {
			return nil, fault.Wrap(fault.KindOf(err), err, "the group change was not made: the roster of %s could not be read: %s", uj, fault.Message(err))
		}
		contacts := make([]string, 0, len(perUser[u]))
		for c := range perUser[u] {
			contacts = append(contacts, c)
		}
		sort.Strings(contacts)
		for _, c := range contacts {
			ch := perUser[u][c]
			cj, _ := jid.Parse(c)
			old := findItem(items, cj)
			var item, undo component.RosterItem
			if old == nil {
				if len(ch.add) == 0 {
					continue // nothing to take off
				}
				item = component.RosterItem{JID: c, Name: s.displayName(ctx, cj), Subscription: "both", Groups: sortedSet(ch.add)}
				undo = component.RosterItem{JID: c, Subscription: "remove"}
			} else {
				groups := old.Groups
				for _, g := range ch.remove {
					groups = without(groups, g)
				}
				groups = sortedSet(append(append([]string(nil), groups...), ch.add...))
				undo = component.RosterItem{JID: old.JID, Name: old.Name, Subscription: old.Subscription, Groups: old.Groups}
				switch {
				case len(groups) == 0:
					item = component.RosterItem{JID: old.JID, Subscription: "remove"}
				case len(ch.add) > 0:
					item = component.RosterItem{JID: old.JID, Name: old.Name, Subscription: "both", Groups: groups}
				default:
					item = component.RosterItem{JID: old.JID, Name: old.Name, Subscription: old.Subscription, Groups: groups}
				}
				if item.Subscription == old.Subscription && sameSet(groups, old.Groups) {
					continue
				}
			}
			plan = append(plan, rosterStep{user: uj, item: item, undo: undo})
		}
	}
	return plan, nil
}

// displayName is how a shared group names a member in rosters: the user's
// name kept by the component, else the username.
func (s *Service) displayName(ctx context.Context, j jid.JID) string {
	if m, err := s.Store.UserMeta(ctx, j.String()); err == nil && m.Name != "" {
		return m.Name
	}
	if j.Localpart() != "" {
		return j.Localpart()
	}
	return j.String()
}

func describeGroup(g store.Group) string {
	parts := []string{fmt.Sprintf("shared=%t", g.Shared)}
	if g.AllHosts {
		parts = append(parts, "all hosts")
	}
	if len(g.Admins) > 0 {
		parts = append(parts, "admins="+strings.Join(g.Admins, ","))
	}
	if len(g.Members) > 0 {
		parts = append(parts, "members="+strings.Join(g.Members, ","))
	}
	return strings.Join(parts, ", ")
}

// added returns the elements of after that are not in before.
func added(before, after []string) []string {
	var out []string
	for _, v := range after {
		if !contains(before, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func without(list []string, v string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// sortedSet returns the distinct values, sorted.
func sortedSet(list []string) []string {
	out := dedupe(list)
	sort.Strings(out)
	return out
}

// dedupe returns the distinct values in their first order.
func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(list))
	for _, v := range list {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = sortedSet(a), sortedSet(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
