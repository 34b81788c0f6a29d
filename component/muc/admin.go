package muc

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
)

type adminQuery struct {
	XMLName xml.Name    `xml:"http://jabber.org/protocol/muc#admin query"`
	Items   []adminItem `xml:"item"`
}

type adminItem struct {
	JID         string `xml:"jid,attr,omitempty"`
	Nick        string `xml:"nick,attr,omitempty"`
	Affiliation string `xml:"affiliation,attr,omitempty"`
	Role        string `xml:"role,attr,omitempty"`
	Reason      string `xml:"reason,omitempty"`
}

// Affiliations lists the bare JIDs with an affiliation in a room, sorted.
// The room's existence is not checked (both servers answer item-not-found
// for a missing room).
func (c *Client) Affiliations(ctx context.Context, room jid.JID, aff Affiliation) ([]string, error) {
	var q adminQuery
	err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, To: room,
		Payload: adminQuery{Items: []adminItem{{Affiliation: string(aff)}}}}, &q)
	if err != nil {
		return nil, roomFault(err, room, "list the "+string(aff)+"s of "+room.String())
	}
	out := []string{}
	for _, it := range q.Items {
		if it.JID == "" || (it.Affiliation != "" && it.Affiliation != string(aff)) {
			continue
		}
		j, err := jid.Parse(it.JID)
		if err != nil {
			continue
		}
		out = append(out, j.Bare().String())
	}
	sort.Strings(out)
	return out, nil
}

// SetAffiliation gives a bare JID an affiliation in a room (None removes
// it). Each change is a request of its own: Prosody 0.12 applies only the
// first item of a muc#admin set.
//
// A refusal is told apart by its cause. The servers answer not-allowed,
// not-acceptable or conflict both when the component lacks the right and
// when the change itself is against their rules. Measured: ejabberd 23.01
// refuses the component's change of its own affiliation (not-allowed
// "Changing role/affiliation is not allowed"), Prosody 0.12 the lowering of
// a server admin such as the component (not-acceptable) and an owner's
// giving up its own last ownership (conflict); both let a service admin
// remove a room's last other owner. The component's rights
// are then probed by reading the room's owners: when it may, the refusal
// is a fault.Refused that says which rule (ErrLastOwner when who is the
// room's last owner), otherwise a fault.Forbidden that says what to
// configure.
func (c *Client) SetAffiliation(ctx context.Context, room, who jid.JID, aff Affiliation, reason string) error {
	if !aff.Valid() {
		return fault.New(fault.BadRequest, "%q is not an affiliation (owner, admin, member, outcast or none)", aff)
	}
	err := c.link.Do(ctx, component.IQ{Type: stanza.SetIQ, To: room, Payload: adminQuery{
		Items: []adminItem{{JID: who.Bare().String(), Affiliation: string(aff), Reason: reason}}}}, nil)
	switch component.StanzaCondition(err) {
	case stanza.NotAcceptable, stanza.Conflict, stanza.NotAllowed:
		return c.refusal(ctx, err, room, who.Bare(), aff)
	}
	return roomFault(err, room, "change affiliations in "+room.String())
}

// ErrLastOwner is the fault of a change that would leave a room without an
// owner (match it with errors.Is).
var ErrLastOwner = &fault.Error{Kind: fault.Refused, Message: "a chat room needs at least one owner"}

// LastOwner returns the ErrLastOwner fault for room, saying what to do.
func LastOwner(room jid.JID, why string) error {
	return &fault.Error{Kind: fault.Refused, Resource: room.Localpart(),
		Message: fmt.Sprintf("%s: %s; make someone else an owner first, or leave the owners out to keep them", ErrLastOwner.Message, why),
		Err:     ErrLastOwner}
}

// refusal explains a server's refusal of an affiliation change (see
// SetAffiliation).
func (c *Client) refusal(ctx context.Context, err error, room, who jid.JID, aff Affiliation) error {
	owners, lerr := c.Affiliations(ctx, room, Owner)
	if lerr != nil {
		if fault.Is(lerr, fault.Forbidden) {
			return forbidden(err, room, "change affiliations in "+room.String())
		}
		owners = nil
	}
	if aff != Owner && slices.Equal(owners, []string{who.String()}) {
		return LastOwner(room, fmt.Sprintf("the XMPP server refused to make %s, the last owner of %s, %s (%s)", who, room, articled(aff), fault.Message(err)))
	}
	return fault.Wrap(fault.Refused, err, "the XMPP server refuses to make %s %s in %s (%s): this is the server's rule, not a missing right "+
		"(servers do not let the component change its own affiliation, nor lower a server admin)", who, articled(aff), room, fault.Message(err)).About(who.String())
}

func articled(a Affiliation) string {
	switch a {
	case None:
		return "unaffiliated"
	case Owner, Admin, Outcast:
		return "an " + string(a)
	}
	return "a " + string(a)
}

type ownerQuery struct {
	XMLName xml.Name     `xml:"http://jabber.org/protocol/muc#owner query"`
	Form    *Form        `xml:"jabber:x:data x,omitempty"`
	Destroy *destroyElem `xml:"destroy,omitempty"`
}

type destroyElem struct {
	Reason string `xml:"reason,omitempty"`
}

// Config fetches a room's configuration form. On ejabberd a missing room
// answers a form too: check existence with Info first.
func (c *Client) Config(ctx context.Context, room jid.JID) (*Form, error) {
	return c.config(ctx, room, c.link.Domain())
}

func (c *Client) config(ctx context.Context, room, from jid.JID) (*Form, error) {
	var q ownerQuery
	err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, From: from, To: room, Payload: ownerQuery{}}, &q)
	if err != nil {
		return nil, roomFault(err, room, "read the configuration of "+room.String())
	}
	if q.Form == nil {
		return nil, fault.New(fault.BadGateway, "the chat service answered the configuration request for %s without a form", room)
	}
	return q.Form, nil
}

// Configure submits a filled configuration form.
func (c *Client) Configure(ctx context.Context, room jid.JID, submit *Form) error {
	return c.configure(ctx, room, c.link.Domain(), submit)
}

func (c *Client) configure(ctx context.Context, room, from jid.JID, submit *Form) error {
	err := c.link.Do(ctx, component.IQ{Type: stanza.SetIQ, From: from, To: room, Payload: ownerQuery{Form: submit}}, nil)
	if component.StanzaCondition(err) == stanza.InternalServerError {
		// ejabberd answers a value it cannot take with
		// internal-server-error "Failed to process option ...".
		return fault.Wrap(fault.BadRequest, err, "the chat service refused the configuration of %s (%s)", room, fault.Message(err)).About(room.Localpart())
	}
	return roomFault(err, room, "configure "+room.String())
}

// Destroy destroys a room. On ejabberd destroying a missing room succeeds:
// check existence with Info first. On Prosody a destroyed persistent room
// leaves a tombstone: RemoveTombstone removes it.
//
// Destroy returns once the room answers as missing: ejabberd 23.01 answers
// the destroy before the room's process has ended, and a request that
// reaches the process meanwhile is never answered (it times out).
func (c *Client) Destroy(ctx context.Context, room jid.JID, reason string) error {
	err := c.link.Do(ctx, component.IQ{Type: stanza.SetIQ, To: room,
		Payload: ownerQuery{Destroy: &destroyElem{Reason: reason}}}, nil)
	if err != nil {
		return roomFault(err, room, "destroy "+room.String())
	}
	return c.awaitGone(ctx, room)
}

// goneProbe bounds each disco#info asking whether a destroyed room is gone.
// A dying ejabberd room never answers, so each unanswered probe costs this
// much: short enough that a create/delete cycle is not dominated by it.
const goneProbe = 100 * time.Millisecond

// awaitGone asks a destroyed room for its disco#info until it answers as
// missing (item-not-found, or Prosody's gone), within the link's timeout.
func (c *Client) awaitGone(ctx context.Context, room jid.JID) error {
	ctx, cancel := context.WithTimeout(ctx, c.link.Timeout())
	defer cancel()
	for {
		pctx, pcancel := context.WithTimeout(ctx, goneProbe)
		_, err := c.Info(pctx, room)
		pcancel()
		switch {
		case errors.Is(err, ErrRoomNotFound):
			return nil
		case ctx.Err() != nil:
			return fault.Wrap(fault.Timeout, ctx.Err(), "room %s was destroyed but still answers after %s", room, c.link.Timeout())
		case fault.Is(err, fault.Timeout):
			continue // the room's process is ending
		case err == nil:
			// Not destroyed yet: ask again shortly.
			select {
			case <-ctx.Done():
			case <-time.After(goneProbe / 10):
			}
		default:
			return err
		}
	}
}

// RemoveTombstone removes what a server keeps of a destroyed room, so
// that anyone may create the name again: Prosody's tombstone, with its
// destroy command. It reports false when the service does not offer the
// command (ejabberd keeps nothing).
func (c *Client) RemoveTombstone(ctx context.Context, room jid.JID) (bool, error) {
	service, err := jid.New("", room.Domainpart(), "")
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "service JID")
	}
	if offered, known := c.offersDestroy(service); known && !offered {
		return false, nil
	}
	_, err = c.adhoc.Execute(ctx, adhoc.Request{Host: service, Node: NodeProsodyDestroy,
		Args: []adhoc.Arg{{Names: []string{"rooms"}, Values: []string{room.String()}}}})
	if fault.Is(err, fault.NotSupported) {
		c.noteDestroy(service, false)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	c.noteDestroy(service, true)
	return true, nil
}

func (c *Client) offersDestroy(service jid.JID) (offered, known bool) {
	v, ok := c.destroyOffers.Load(service.String())
	if !ok {
		return false, false
	}
	return v.(bool), true
}

func (c *Client) noteDestroy(service jid.JID, offered bool) {
	c.destroyOffers.Store(service.String(), offered)
}

// Occupant is someone in a room.
type Occupant struct {
	Nick string
	// JID is the occupant's real (full) JID; empty when the room does not
	// show it to the component.
	JID         string
	Role        string
	Affiliation Affiliation
}

// Occupants lists the occupants of a room. Prosody answers the moderator's
// role queries (muc#admin) to the component from outside the room;
// ejabberd answers them only to a moderator in the room ("Moderator
// privileges required"), so there the component joins briefly and reads
// the presences the room sends on joining.
func (c *Client) Occupants(ctx context.Context, room jid.JID) ([]Occupant, error) {
	var out []Occupant
	for _, role := range []string{"moderator", "participant", "visitor"} {
		var q adminQuery
		err := c.link.Do(ctx, component.IQ{Type: stanza.GetIQ, To: room,
			Payload: adminQuery{Items: []adminItem{{Role: role}}}}, &q)
		if fault.Is(err, fault.Forbidden) {
			return c.occupantsByJoining(ctx, room)
		}
		if err != nil {
			return nil, roomFault(err, room, "list the occupants of "+room.String())
		}
		for _, it := range q.Items {
			if it.Nick == "" || (it.Role != "" && it.Role != role) {
				continue
			}
			out = append(out, Occupant{Nick: it.Nick, JID: it.JID, Role: role, Affiliation: Affiliation(it.Affiliation)})
		}
	}
	sortOccupants(out)
	return out, nil
}

func (c *Client) occupantsByJoining(ctx context.Context, room jid.JID) ([]Occupant, error) {
	// An empty room needs no visit (and a temporary one would not survive
	// it).
	if info, err := c.Info(ctx, room); err != nil {
		return nil, err
	} else if info.OccupantCount() == 0 {
		return []Occupant{}, nil
	}
	v, err := c.enterWithPassword(ctx, room)
	if err != nil {
		return nil, err
	}
	others := v.others
	v.leave(ctx)
	if v.created {
		// The join made the room: it did not exist.
		return nil, notFound(room)
	}
	sortOccupants(others)
	return others, nil
}

// enterWithPassword joins a room, giving the room's password (read from
// its configuration) when the room asks for one: Prosody asks owners too.
func (c *Client) enterWithPassword(ctx context.Context, room jid.JID) (*visit, error) {
	v, err := c.enter(ctx, room, joinOptions{})
	if err == nil || component.StanzaCondition(err) != stanza.NotAuthorized {
		return v, err
	}
	form, ferr := c.Config(ctx, room)
	if ferr != nil {
		return nil, err
	}
	pw := form.Value("muc#roomconfig_roomsecret")
	if pw == "" {
		return nil, err
	}
	return c.enter(ctx, room, joinOptions{password: pw})
}

func sortOccupants(o []Occupant) {
	sort.Slice(o, func(i, j int) bool { return strings.ToLower(o[i].Nick) < strings.ToLower(o[j].Nick) })
}

// ownerIQ is a muc#owner set to a room from the given JID.
func ownerIQ(room, from jid.JID, q ownerQuery) component.IQ {
	return component.IQ{Type: stanza.SetIQ, From: from, To: room, Payload: q}
}
