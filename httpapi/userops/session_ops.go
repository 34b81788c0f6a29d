package userops

import (
	"context"
	"sort"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/usersession"
)

// self checks that the caller acts on their own account and returns its
// live session.
func (c Caller) self() (*usersession.Session, error) {
	if c.Session == nil {
		return nil, unauthenticated("sign in first")
	}
	if err := c.Actor.MayActOn(c.Session.User()); err != nil {
		return nil, err
	}
	return c.Session, nil
}

// selfAnd is self and address of v.
func (c Caller) selfAnd(v string) (*usersession.Session, jid.JID, error) {
	sess, err := c.self()
	if err != nil {
		return nil, jid.JID{}, err
	}
	j, err := c.address(v)
	return sess, j, err
}

// address parses an address a user names: a bare or full JID, or a
// username on the caller's own host.
func (c Caller) address(v string) (jid.JID, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return jid.JID{}, fault.New(fault.BadRequest, "an address (JID or username) is required")
	}
	if !strings.Contains(v, "@") && !strings.Contains(v, ".") {
		j, err := jid.New(v, c.Actor.User.Domainpart(), "")
		if err != nil {
			return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid username: %v", v, err).About(v)
		}
		return j, nil
	}
	j, err := jid.Parse(v)
	if err != nil {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid JID: %v", v, err).About(v)
	}
	return j, nil
}

// SendMessage sends a chat message from the caller to to and returns its
// id.
func (s *Service) SendMessage(ctx context.Context, c Caller, to, body string) (string, error) {
	sess, j, err := c.selfAnd(to)
	if err != nil {
		return "", err
	}
	if max := s.Cfg.MaxMessageBytes; max > 0 && len(body) > max {
		return "", fault.New(fault.TooLarge, "the message has %d bytes; the limit is %d (sparkweb.max_message_bytes)", len(body), max)
	}
	if err := s.mustExist(ctx, c, j); err != nil {
		return "", err
	}
	return sess.SendMessage(ctx, j, body)
}

// SendChatState sends a XEP-0085 chat state to to.
func (s *Service) SendChatState(ctx context.Context, c Caller, state, to string) error {
	sess, j, err := c.selfAnd(to)
	if err != nil {
		return err
	}
	if err := s.mustExist(ctx, c, j); err != nil {
		return err
	}
	return sess.SendChatState(ctx, j, state)
}

// HistoryQuery selects the caller's archived conversations.
type HistoryQuery struct {
	With       string // a partner (JID or username); "" for all
	Start, End time.Time
	Keywords   string // words every returned message contains (case-insensitive)
}

// Conversation is the archived messages exchanged with one partner.
type Conversation struct {
	With     jid.JID
	Messages []usersession.ArchivedMessage // oldest first
}

// ChatHistory reads the caller's server-side archive (XEP-0313), grouped
// by conversation partner.
func (s *Service) ChatHistory(ctx context.Context, c Caller, q HistoryQuery) ([]Conversation, error) {
	sess, err := c.self()
	if err != nil {
		return nil, err
	}
	aq := usersession.ArchiveQuery{Start: q.Start, End: q.End}
	if q.With != "" {
		if aq.With, err = c.address(q.With); err != nil {
			return nil, err
		}
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return nil, fault.New(fault.BadRequest, "end is before start")
	}
	msgs, err := sess.Archive(ctx, aq)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(strings.ToLower(q.Keywords))
	byPartner := map[string]*Conversation{}
	var order []string
	me := c.Actor.User.String()
	for _, m := range msgs {
		if m.Body == "" || m.Type == "groupchat" {
			continue
		}
		if !containsAll(m.Body, words) {
			continue
		}
		partner := m.From
		if f, err := jid.Parse(m.From); err == nil && f.Bare().String() == me {
			partner = m.To
		}
		pj, err := jid.Parse(partner)
		if err != nil {
			continue
		}
		key := pj.Bare().String()
		conv := byPartner[key]
		if conv == nil {
			conv = &Conversation{With: pj.Bare()}
			byPartner[key] = conv
			order = append(order, key)
		}
		conv.Messages = append(conv.Messages, m)
	}
	out := make([]Conversation, 0, len(order))
	for _, k := range order {
		out = append(out, *byPartner[k])
	}
	return out, nil
}

// SetPresence broadcasts the caller's presence.
func (s *Service) SetPresence(ctx context.Context, c Caller, show, status string) error {
	sess, err := c.self()
	if err != nil {
		return err
	}
	return sess.SetPresence(ctx, show, status)
}

// Presence returns the current presence of target: the caller, or a
// contact whose presence the caller is subscribed to.
func (s *Service) Presence(ctx context.Context, c Caller, target string) (jid.JID, usersession.Presence, error) {
	sess, j, err := c.selfAnd(target)
	if err != nil {
		return jid.JID{}, usersession.Presence{}, err
	}
	p, err := sess.ContactPresence(j)
	return j.Bare(), p, err
}

// Roster returns the caller's roster with each contact's presence.
func (s *Service) Roster(ctx context.Context, c Caller) ([]usersession.ContactPresence, error) {
	sess, err := c.self()
	if err != nil {
		return nil, err
	}
	return sess.Roster(), nil
}

// RosterEntry is a roster item as a user gives it.
type RosterEntry struct {
	JID    string
	Name   string
	Groups []string
}

func checkEntry(e RosterEntry) error {
	if len(e.Name) > 1024 {
		return fault.New(fault.BadRequest, "the nickname is longer than 1024 bytes")
	}
	for _, g := range e.Groups {
		if strings.TrimSpace(g) == "" || len(g) > 1024 {
			return fault.New(fault.BadRequest, "roster group names must be non-empty and at most 1024 bytes")
		}
	}
	return nil
}

// AddRosterItem adds a contact to the caller's roster and asks for their
// presence (a subscription request the contact sees); when the contact had
// asked for the caller's presence, that request is approved.
func (s *Service) AddRosterItem(ctx context.Context, c Caller, e RosterEntry) error {
	sess, err := c.self()
	if err != nil {
		return err
	}
	j, err := c.address(e.JID)
	if err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	if j.Bare().Equal(c.Actor.User) {
		return fault.New(fault.BadRequest, "a user cannot add themselves to their roster")
	}
	if err := s.mustExist(ctx, c, j); err != nil {
		return err
	}
	if _, ok := sess.RosterItem(j); ok {
		if sess.Asking(j) {
			// Adding a contact already there who asks: the answer is yes.
			return sess.SendSubscription(ctx, j, "subscribed")
		}
		return fault.New(fault.Conflict, "%s is in the roster already: update it with PUT", j.Bare()).About(j.Bare().String())
	}
	if err := sess.SetRosterItem(ctx, usersession.RosterItem{JID: j.Bare().String(), Name: e.Name, Groups: e.Groups}); err != nil {
		return err
	}
	// Adding a contact who asked to see the user's presence answers yes.
	if sess.Asking(j) {
		if err := sess.SendSubscription(ctx, j, "subscribed"); err != nil {
			return err
		}
	}
	return sess.SendSubscription(ctx, j, "subscribe")
}

// UpdateRosterItem changes the nickname and groups of a contact.
func (s *Service) UpdateRosterItem(ctx context.Context, c Caller, contact string, e RosterEntry) error {
	sess, j, err := c.selfAnd(contact)
	if err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	if _, ok := sess.RosterItem(j); !ok {
		return fault.New(fault.NotFound, "%s is not in the roster", j.Bare()).About(j.Bare().String())
	}
	return sess.SetRosterItem(ctx, usersession.RosterItem{JID: j.Bare().String(), Name: e.Name, Groups: e.Groups})
}

// RemoveRosterItem removes a contact (and the subscriptions both ways).
func (s *Service) RemoveRosterItem(ctx context.Context, c Caller, contact string) error {
	sess, j, err := c.selfAnd(contact)
	if err != nil {
		return err
	}
	if _, ok := sess.RosterItem(j); !ok {
		return fault.New(fault.NotFound, "%s is not in the roster", j.Bare()).About(j.Bare().String())
	}
	return sess.RemoveRosterItem(ctx, j)
}

// sortStrings returns s sorted.
func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
