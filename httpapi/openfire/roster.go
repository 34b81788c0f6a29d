package openfire

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"xmpprest/component/fault"
	"xmpprest/httpapi"
	"xmpprest/httpapi/ops"
)

func (a *api) rosterRoutes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/users/{username}/roster", Handler: a.getRoster, TrailingSlash: true, Summary: "a user's roster"},
		{Method: http.MethodPost, Path: "/users/{username}/roster", Handler: a.addRosterItem, TrailingSlash: true, Summary: "add a contact"},
		{Method: http.MethodPut, Path: "/users/{username}/roster/{jid}", Handler: a.updateRosterItem, Summary: "change a contact"},
		{Method: http.MethodDelete, Path: "/users/{username}/roster/{jid}", Handler: a.deleteRosterItem, Summary: "remove a contact"},
	}
}

// Openfire's subscriptionType numbers.
var subscriptionTypes = map[int]string{-1: "remove", 0: "none", 1: "to", 2: "from", 3: "both"}

func subscriptionNumber(sub string) int {
	for n, s := range subscriptionTypes {
		if s == sub {
			return n
		}
	}
	return 0
}

// rosterItemEntity is a roster item in an answer.
type rosterItemEntity struct {
	XMLName          xml.Name `xml:"rosterItem" json:"-"`
	JID              string   `xml:"jid" json:"jid"`
	Nickname         string   `xml:"nickname,omitempty" json:"nickname,omitempty"`
	SubscriptionType int      `xml:"subscriptionType" json:"subscriptionType"`
	Groups           []string `xml:"groups>group" json:"groups"`
}

// rosterEntity is a user's roster in an answer.
type rosterEntity struct {
	XMLName xml.Name           `xml:"roster" json:"-"`
	Items   []rosterItemEntity `xml:"rosterItem" json:"rosterItem"`
}

// rosterItemIn is a roster item in a request body. "name" is what old
// clients send for "nickname"; groups may be {"groups":{"group":[...]}} in
// old JSON.
type rosterItemIn struct {
	XMLName          xml.Name     `xml:"rosterItem" json:"-"`
	JID              httpapi.Text `xml:"jid" json:"jid"`
	Nickname         httpapi.Text `xml:"nickname" json:"nickname"`
	Name             httpapi.Text `xml:"name" json:"name"`
	SubscriptionType subType      `xml:"subscriptionType" json:"subscriptionType"`
	Groups           httpapi.List `xml:"groups" json:"groups"`
}

func (in rosterItemIn) nickname() httpapi.Text {
	if in.Nickname.Set {
		return in.Nickname
	}
	return in.Name
}

// subType is an optional subscriptionType: a number -1..3 (or the same as a
// string); JSON null means absent.
type subType struct {
	Set   bool
	Value int
}

// UnmarshalJSON reads a number, a numeric string or null.
func (s *subType) UnmarshalJSON(b []byte) error {
	v := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if v == "null" || v == "" {
		*s = subType{}
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[int]()}
	}
	return s.set(n)
}

// UnmarshalText reads the number of an XML element.
func (s *subType) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	if v == "" {
		*s = subType{}
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return fault.New(fault.BadRequest, "subscriptionType %q is not a number: use -1 (remove), 0 (none), 1 (to), 2 (from) or 3 (both)", v)
	}
	return s.set(n)
}

func (s *subType) set(n int) error {
	if _, ok := subscriptionTypes[n]; !ok {
		return fault.New(fault.BadRequest, "subscriptionType %d is not one of -1 (remove), 0 (none), 1 (to), 2 (from), 3 (both)", n)
	}
	*s = subType{Set: true, Value: n}
	return nil
}

// rosterFailure is how roster endpoints report errors: a missing user is
// UserNotFoundException, a contact already there UserAlreadyExistsException,
// a contact not there RosterItemNotFound (Openfire's names).
func rosterFailure(username string) failure {
	return failure{
		exceptions: map[fault.Kind]string{fault.NotFound: exUserNotFound, fault.Conflict: exUserAlreadyExists},
		resource:   username,
	}
}

// contactFailure is rosterFailure for a request about one contact.
func contactFailure(err error, username, contact string) failure {
	f := rosterFailure(username)
	switch {
	case errors.Is(err, ops.ErrNotInRoster):
		f.exceptions[fault.NotFound] = "RosterItemNotFound"
		f.resource = contact
	case fault.Is(err, fault.Conflict):
		f.resource = contact
	}
	return f
}

func (a *api) getRoster(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	items, err := a.svc.Roster(r.Context(), a.actor(r), username)
	if err != nil {
		return rosterFailure(username).wrap(err)
	}
	out := rosterEntity{Items: make([]rosterItemEntity, 0, len(items))}
	for _, it := range items {
		out.Items = append(out.Items, rosterItemEntity{JID: it.JID, Nickname: it.Name,
			SubscriptionType: subscriptionNumber(it.Subscription), Groups: httpapi.NonNil(it.Groups)})
	}
	return a.write(w, r, http.StatusOK, out)
}

func (a *api) addRosterItem(w http.ResponseWriter, r *http.Request) error {
	username, err := pathVar(r, "username")
	if err != nil {
		return err
	}
	var in rosterItemIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.JID.Value) == "" {
		return fault.New(fault.BadRequest, "JID is null: the roster item needs a jid").About("JID")
	}
	item := ops.RosterItem{JID: in.JID.Value, Name: in.nickname().Value, Subscription: "none"}
	if in.SubscriptionType.Set {
		if in.SubscriptionType.Value == -1 {
			return fault.New(fault.BadRequest, "subscriptionType -1 (remove) cannot create a roster item: use DELETE /users/%s/roster/%s", username, in.JID.Value).About(in.JID.Value)
		}
		item.Subscription = subscriptionTypes[in.SubscriptionType.Value]
	}
	if p := in.Groups.Ptr(); p != nil {
		item.Groups = *p
	}
	if err := a.svc.AddRosterItem(r.Context(), a.actor(r), username, item); err != nil {
		return contactFailure(err, username, in.JID.Value).wrap(err)
	}
	return created(w)
}

func (a *api) updateRosterItem(w http.ResponseWriter, r *http.Request) error {
	username, contact, err := userAndContact(r)
	if err != nil {
		return err
	}
	var in rosterItemIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.JID.Set && strings.TrimSpace(in.JID.Value) != "" && !sameJID(in.JID.Value, contact) {
		return fault.New(fault.BadRequest, "the jid of the body (%s) is not the jid of the path (%s)", in.JID.Value, contact).About(contact)
	}
	c := ops.RosterChange{Name: in.nickname().Ptr(), Groups: in.Groups.Ptr()}
	if in.SubscriptionType.Set {
		sub := subscriptionTypes[in.SubscriptionType.Value]
		c.Subscription = &sub
	}
	if err := a.svc.UpdateRosterItem(r.Context(), a.actor(r), username, contact, c); err != nil {
		return contactFailure(err, username, contact).wrap(err)
	}
	return ok(w)
}

func (a *api) deleteRosterItem(w http.ResponseWriter, r *http.Request) error {
	username, contact, err := userAndContact(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteRosterItem(r.Context(), a.actor(r), username, contact); err != nil {
		return contactFailure(err, username, contact).wrap(err)
	}
	return ok(w)
}

func userAndContact(r *http.Request) (username, contact string, err error) {
	if username, err = pathVar(r, "username"); err != nil {
		return "", "", err
	}
	contact, err = pathVar(r, "jid")
	return username, contact, err
}

// sameJID compares two JIDs as written by clients (case of the domain and
// localpart may differ).
func sameJID(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
