// Package muc administers XEP-0045 chat rooms from the component: room
// existence and information (disco#info), creation and configuration
// (presence from the component, muc#owner forms), affiliations
// (muc#admin), occupants, subject changes, mediated invitations,
// destruction (with Prosody's tombstone-removing command) and the room
// archive (XEP-0313).
//
// The component acts with the rights the server gives it: Prosody makes
// every JID listed in admins an owner of every room; ejabberd needs the
// component in mod_muc's access_admin (and access_create / access_persistent
// to make rooms). A refusal for want of rights is a fault.Forbidden that
// says what to configure; a refusal on the server's own rules (a room's
// last owner, the component's own affiliation) is a fault.Refused that
// says which rule.
//
// Some operations need the component in the room (creating it, changing the
// subject, listing occupants where the server answers role queries only to
// moderators). The component then joins under a nickname of its own
// ("xmpprest-" and a random suffix), does what it came for and leaves at
// once: an occupant left behind when the connection drops stays in the room
// (a ghost), even after the component reconnects.
package muc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/adhoc"
	"xmpprest/component"
	"xmpprest/component/fault"
)

// Namespaces of XEP-0045, XEP-0313 and friends.
const (
	NSMUC        = "http://jabber.org/protocol/muc"
	NSUser       = NSMUC + "#user"
	NSAdmin      = NSMUC + "#admin"
	NSOwner      = NSMUC + "#owner"
	NSRoomConfig = NSMUC + "#roomconfig"
	NSRoomInfo   = NSMUC + "#roominfo"
	NSMAM        = "urn:xmpp:mam:2"
	NSRSM        = "http://jabber.org/protocol/rsm"
	NSForward    = "urn:xmpp:forward:0"
	NSDelay      = "urn:xmpp:delay"
	NSRegister   = "jabber:iq:register"
)

// NodeProsodyDestroy is the ad-hoc command Prosody's MUC service offers its
// admins to destroy rooms. It is the only way to remove the tombstone
// Prosody keeps for 31 days after a persistent room is destroyed (until
// then joining the name answers cancel/gone to anyone but a server admin,
// and a muc#owner destroy answers gone even to an admin). Its form also
// lists every room, hidden ones included, which disco#items does not.
const NodeProsodyDestroy = "http://prosody.im/protocol/muc#destroy"

// Affiliation is a XEP-0045 affiliation.
type Affiliation string

// The affiliations.
const (
	Owner   Affiliation = "owner"
	Admin   Affiliation = "admin"
	Member  Affiliation = "member"
	Outcast Affiliation = "outcast"
	None    Affiliation = "none"
)

// Affiliations are the affiliations a JID can be listed under, strongest
// first.
var Affiliations = []Affiliation{Owner, Admin, Member, Outcast}

// Valid reports whether a is one of the affiliations.
func (a Affiliation) Valid() bool {
	switch a {
	case Owner, Admin, Member, Outcast, None:
		return true
	}
	return false
}

// Client administers the rooms of the chat services the component can
// reach. It is safe for concurrent use; keep one per link (it remembers
// which services offer which commands).
type Client struct {
	link  Link
	adhoc Commands
	// destroyOffers remembers, per chat service JID, whether it offers
	// NodeProsodyDestroy.
	destroyOffers sync.Map
}

// New returns a Client that works over link and runs ad-hoc commands with
// ad.
func New(link *component.Link, ad *adhoc.Client) *Client {
	return NewClient(componentLink{link}, ad)
}

// NewClient returns a Client that works over link and runs ad-hoc
// commands with commands.
func NewClient(link Link, commands Commands) *Client {
	return &Client{link: link, adhoc: commands}
}

// RoomJID builds the bare JID of a room from its name (a localpart, which
// is case-folded as the servers do) and its service.
func RoomJID(name string, service jid.JID) (jid.JID, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return jid.JID{}, fault.New(fault.BadRequest, "a room name is required")
	}
	if strings.ContainsAny(name, "@/") {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid room name: it may not contain @ or /", name).About(name)
	}
	j, err := jid.New(strings.ToLower(name), service.Domainpart(), "")
	if err != nil {
		return jid.JID{}, fault.New(fault.BadRequest, "%q is not a valid room name: %v", name, err).About(name)
	}
	return j, nil
}

// randomSuffix returns n random bytes in hex.
func randomSuffix(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// roomFault classifies an error a room answered, naming the room and
// saying what to configure when the component lacks the right.
func roomFault(err error, room jid.JID, what string) error {
	if err == nil {
		return nil
	}
	cond := component.StanzaCondition(err)
	text := fault.Message(err)
	var fe *fault.Error
	switch cond {
	case "":
		return err // link down, timeout: already classified
	case stanza.ItemNotFound, stanza.Gone:
		fe = notFound(room)
	case stanza.Forbidden, stanza.NotAllowed, stanza.NotAuthorized:
		return forbidden(err, room, what)
	case stanza.ServiceUnavailable, stanza.FeatureNotImplemented:
		fe = &fault.Error{Kind: fault.NotSupported, Message: "the chat service does not support this: " + what + " (" + text + ")"}
	case stanza.Conflict:
		fe = &fault.Error{Kind: fault.Conflict, Message: "the chat service refused to " + what + " (" + text + ")"}
	case stanza.BadRequest, stanza.NotAcceptable, stanza.JIDMalformed:
		fe = &fault.Error{Kind: fault.BadRequest, Message: "the chat service refused to " + what + " (" + text + ")"}
	default:
		return err
	}
	fe.Err = err
	return fe.About(room.Localpart())
}

// forbidden is the fault of a refusal for want of rights: it says what to
// configure.
func forbidden(err error, room jid.JID, what string) error {
	return (&fault.Error{Kind: fault.Forbidden, Err: err,
		Message: "the XMPP server does not let the component " + what + " (" + fault.Message(err) + "): " + rightsAdvice}).About(room.Localpart())
}

// rightsAdvice says how to give the component the rights it needs.
const rightsAdvice = "on Prosody list the component's JID in admins (globally or in the MUC component's section); " +
	"on ejabberd allow it in mod_muc's access_admin, and in access_create and access_persistent to create rooms"

// ErrRoomNotFound is the fault of a room that does not exist (match it with
// errors.Is; the copies returned name the room).
var ErrRoomNotFound = &fault.Error{Kind: fault.NotFound, Message: "Chat room does not exist or is not accessible."}

func notFound(room jid.JID) *fault.Error { return ErrRoomNotFound.About(room.Localpart()) }

// occupantJID is the full JID of the component used for one stay in a
// room.
func (c *Client) occupantJID(resource string) jid.JID {
	j, err := c.link.Domain().WithResource(resource)
	if err != nil {
		return c.link.Domain()
	}
	return j
}

// detach returns a context for clean-up work that must run even when ctx
// is done, bounded by the link's timeout.
func (c *Client) detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), c.link.Timeout())
}
