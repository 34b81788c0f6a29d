package ops

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"mellium.im/xmpp/jid"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
	"xmpprest/store"
)

// RosterItem is an entry of a user's roster.
type RosterItem struct {
	JID  string // bare JID of the contact
	Name string // the nickname the user gave the contact
	// Subscription is none, to, from or both.
	Subscription string
	Groups       []string
}

// RosterChange is the input of UpdateRosterItem: nil fields stay as they
// are.
type RosterChange struct {
	Name *string
	// Subscription is none, to, from, both, or remove (deletes the item).
	Subscription *string
	Groups       *[]string
}

// ErrNotInRoster is the cause of the fault.NotFound of a contact that is not
// in the user's roster (match it with errors.Is).
var ErrNotInRoster = errors.New("no such roster item")

func errNotInRoster(contact jid.JID, username string) error {
	return fault.Wrap(fault.NotFound, ErrNotInRoster, "%s is not in the roster of %s", contact, username).About(contact.String())
}

// Subscriptions a roster item may be given.
var subscriptions = map[string]bool{"none": true, "to": true, "from": true, "both": true}

// Roster returns a user's roster, read through XEP-0356 where the server
// grants roster get, and through the get-user-roster command otherwise.
func (s *Service) Roster(ctx context.Context, a Actor, username string) ([]RosterItem, error) {
	j, err := s.userOf(a, username)
	if err != nil {
		return nil, err
	}
	if err := s.mustExist(ctx, j, username); err != nil {
		return nil, err
	}
	return s.rosterOf(ctx, j)
}

// rosterOf reads the roster of an existing user, sorted by contact.
func (s *Service) rosterOf(ctx context.Context, user jid.JID) ([]RosterItem, error) {
	var out []RosterItem
	items, err := s.Link.RosterGet(ctx, user)
	switch {
	case err == nil:
		for _, it := range items {
			out = append(out, RosterItem{JID: it.JID, Name: it.Name, Subscription: it.Subscription, Groups: it.Groups})
		}
	case fault.Is(err, fault.NotSupported):
		// Roster get is not granted: the ad-hoc command is the fallback.
		ai, aerr := s.Adhoc.UserRoster(ctx, user)
		if aerr != nil {
			if fault.Is(aerr, fault.NotSupported) {
				return nil, fault.New(fault.NotSupported, "cannot read the roster of %s: %s; and %s", user, fault.Message(err), fault.Message(aerr)).About(user.Localpart())
			}
			return nil, aerr
		}
		for _, it := range ai {
			out = append(out, fromAdhocItem(it))
		}
	default:
		return nil, err
	}
	for i := range out {
		if out[i].Subscription == "" {
			out[i].Subscription = "none"
		}
		if out[i].Groups == nil {
			out[i].Groups = []string{}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JID < out[j].JID })
	if out == nil {
		out = []RosterItem{}
	}
	return out, nil
}

func fromAdhocItem(it adhoc.RosterItem) RosterItem {
	return RosterItem{JID: it.JID, Name: it.Name, Subscription: it.Subscription, Groups: it.Groups}
}

// contactJID validates the JID of a roster contact: a bare JID, not the
// user's own.
func contactJID(user jid.JID, contact string) (jid.JID, error) {
	c, err := jid.Parse(strings.TrimSpace(contact))
	if err != nil || c.Domainpart() == "" {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid JID for a roster contact", contact).About(contact)
	}
	if c.Resourcepart() != "" {
		return jid.JID{}, fault.New(fault.BadRequest, "a roster contact is a bare JID: %q has a resource", contact).About(contact)
	}
	if c.Equal(user) {
		return jid.JID{}, fault.New(fault.BadRequest, "a user cannot have itself (%s) in its roster", user).About(contact)
	}
	return c, nil
}

func checkRosterGroups(groups []string) error {
	for _, g := range groups {
		if strings.TrimSpace(g) == "" {
			return fault.New(fault.BadRequest, "a roster group name is empty")
		}
		if err := checkText("roster group name", g, maxNameLength); err != nil {
			return err
		}
	}
	return nil
}

// findItem returns the item for contact, or nil.
func findItem(items []RosterItem, contact jid.JID) *RosterItem {
	for i := range items {
		if c, err := jid.Parse(items[i].JID); err == nil && c.Equal(contact) {
			return &items[i]
		}
	}
	return nil
}

// AddRosterItem adds a contact to a user's roster (XEP-0356 roster set); a
// contact already there is a fault.Conflict. An empty Subscription means
// none.
func (s *Service) AddRosterItem(ctx context.Context, a Actor, username string, it RosterItem) error {
	user, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	contact, err := contactJID(user, it.JID)
	if err != nil {
		return err
	}
	if it.Subscription == "" {
		it.Subscription = "none"
	}
	if !subscriptions[it.Subscription] {
		return fault.New(fault.BadRequest, "subscription %q is not one of none, to, from, both", it.Subscription).About(it.JID)
	}
	if err := checkRosterGroups(it.Groups); err != nil {
		return err
	}
	if err := checkText("roster nickname", it.Name, maxNameLength); err != nil {
		return err
	}
	if err := s.mustExist(ctx, user, username); err != nil {
		return err
	}
	items, err := s.rosterOf(ctx, user)
	if err != nil {
		return err
	}
	if findItem(items, contact) != nil {
		return fault.New(fault.Conflict, "%s is already in the roster of %s", contact, username).About(contact.String())
	}
	err = s.Link.RosterSet(ctx, user, component.RosterItem{JID: contact.String(), Name: it.Name, Subscription: it.Subscription, Groups: it.Groups})
	if err != nil {
		return aboutRoster(err, username)
	}
	s.auditXMPPChange(ctx, a, user, "added "+contact.String()+" to the roster of "+user.String(), describeItem(it))
	return nil
}

// UpdateRosterItem changes a contact of a user's roster; a contact not
// there is a fault.NotFound. Subscription "remove" deletes it.
func (s *Service) UpdateRosterItem(ctx context.Context, a Actor, username, contactStr string, c RosterChange) error {
	user, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	contact, err := contactJID(user, contactStr)
	if err != nil {
		return err
	}
	if c.Subscription != nil && *c.Subscription == "remove" {
		return s.DeleteRosterItem(ctx, a, username, contactStr)
	}
	if c.Subscription != nil && !subscriptions[*c.Subscription] {
		return fault.New(fault.BadRequest, "subscription %q is not one of none, to, from, both, remove", *c.Subscription).About(contactStr)
	}
	if c.Groups != nil {
		if err := checkRosterGroups(*c.Groups); err != nil {
			return err
		}
	}
	if c.Name != nil {
		if err := checkText("roster nickname", *c.Name, maxNameLength); err != nil {
			return err
		}
	}
	if err := s.mustExist(ctx, user, username); err != nil {
		return err
	}
	items, err := s.rosterOf(ctx, user)
	if err != nil {
		return err
	}
	old := findItem(items, contact)
	if old == nil {
		return errNotInRoster(contact, username)
	}
	it := *old
	if c.Name != nil {
		it.Name = *c.Name
	}
	if c.Subscription != nil {
		it.Subscription = *c.Subscription
	}
	if c.Groups != nil {
		it.Groups = *c.Groups
	}
	err = s.Link.RosterSet(ctx, user, component.RosterItem{JID: old.JID, Name: it.Name, Subscription: it.Subscription, Groups: it.Groups})
	if err != nil {
		return aboutRoster(err, username)
	}
	s.auditXMPPChange(ctx, a, user, "updated "+contact.String()+" in the roster of "+user.String(), describeItem(it))
	return nil
}

// DeleteRosterItem removes a contact from a user's roster; a contact not
// there is a fault.NotFound.
func (s *Service) DeleteRosterItem(ctx context.Context, a Actor, username, contactStr string) error {
	user, err := s.userOf(a, username)
	if err != nil {
		return err
	}
	contact, err := contactJID(user, contactStr)
	if err != nil {
		return err
	}
	if err := s.mustExist(ctx, user, username); err != nil {
		return err
	}
	items, err := s.rosterOf(ctx, user)
	if err != nil {
		return err
	}
	old := findItem(items, contact)
	if old == nil {
		return errNotInRoster(contact, username)
	}
	if err := s.Link.RosterSet(ctx, user, component.RosterItem{JID: old.JID, Subscription: "remove"}); err != nil {
		return aboutRoster(err, username)
	}
	s.auditXMPPChange(ctx, a, user, "removed "+contact.String()+" from the roster of "+user.String(), "")
	return nil
}

// aboutRoster names the user in a failed roster change.
func aboutRoster(err error, username string) error {
	if fe, ok := err.(*fault.Error); ok && fe.Resource == "" {
		return fe.About(username)
	}
	return err
}

// auditXMPPChange records a roster change. The roster lives on the XMPP
// server, so the record follows the change; a failure to write it is
// logged, not reported as a failure of the change.
func (s *Service) auditXMPPChange(ctx context.Context, a Actor, user jid.JID, summary, details string) {
	err := s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.auditOn(ctx, tx, a, user.Domainpart(), user.Localpart(), summary, details)
	})
	if err != nil && s.Log != nil {
		s.Log.Error("could not record a roster change in the audit log", "summary", summary, "error", err)
	}
}

func describeItem(it RosterItem) string {
	parts := []string{"subscription=" + it.Subscription}
	if it.Name != "" {
		parts = append(parts, "nickname="+it.Name)
	}
	if len(it.Groups) > 0 {
		parts = append(parts, "groups="+strings.Join(it.Groups, ","))
	}
	return strings.Join(parts, ", ")
}

// maxNameLength bounds names of groups and nicknames, in characters.
const maxNameLength = 255

// checkText validates a name (see checkName in validate.go).
func checkText(what, s string, max int) *fault.Error {
	return checkName(what, s, max)
}

// String describes an item, for logs and tests.
func (it RosterItem) String() string {
	return fmt.Sprintf("%s (%s) %q %v", it.JID, it.Subscription, it.Name, it.Groups)
}
