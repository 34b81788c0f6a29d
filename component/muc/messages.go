package muc

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// SetSubject changes a room's subject. The component joins the room, sends
// the subject as a groupchat message, waits until the room passes it on
// (so the occupants have it) and leaves: Prosody accepts a subject only
// from an occupant ("You are not currently connected to this chat").
func (c *Client) SetSubject(ctx context.Context, room jid.JID, subject string) error {
	v, err := c.enterWithPassword(ctx, room)
	if err != nil {
		return err
	}
	if v.created {
		v.leave(ctx)
		return notFound(room)
	}
	restore, err := v.keepRoom(ctx)
	if err == nil {
		err = v.setSubject(ctx, subject)
	}
	v.leave(ctx)
	if restore != nil {
		if rerr := restore(ctx); err == nil {
			err = rerr
		}
	}
	return err
}

// setSubject sends the subject as the visiting occupant and waits for the
// room to pass it on.
func (v *visit) setSubject(ctx context.Context, subject string) error {
	var b strings.Builder
	xml.EscapeText(&b, []byte(subject))
	return v.send(ctx, "<subject>"+b.String()+"</subject>", func(in component.Inbound) bool {
		var m struct {
			Subject *string `xml:"subject"`
		}
		return in.Decode(&m) == nil && m.Subject != nil && *m.Subject == subject
	})
}

type inviteElem struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/muc#user x"`
	Invite  struct {
		To     string `xml:"to,attr"`
		Reason string `xml:"reason,omitempty"`
	} `xml:"invite"`
}

// Invite sends a mediated invitation (XEP-0045 §7.8.2) from the component
// to a JID: the room passes it on as a message from the room. Both servers
// take invitations from the component without it being in the room (it is
// an owner, or a service admin). The room's disco#info is asked right
// after, so that an error answered to the invitation has arrived when
// Invite returns.
func (c *Client) Invite(ctx context.Context, room, to jid.JID, reason string) error {
	id := "xr-" + randomSuffix(6)
	domain := c.link.Domain().String()
	inbox, stop := c.link.Listen(func(in component.Inbound) bool {
		return in.Name == "message" && in.Type == "error" && in.ID == id && in.To == domain
	}, 4)
	defer stop()
	var inv inviteElem
	inv.Invite.To = to.String()
	inv.Invite.Reason = reason
	if err := c.link.Send(ctx, component.Stanza{Name: "message", To: room, ID: id, Payload: inv}); err != nil {
		return err
	}
	_, infoErr := c.Info(ctx, room)
	select {
	case in := <-inbox:
		var m struct {
			Error stanza.Error `xml:"error"`
		}
		in.Decode(&m)
		return roomFault(component.ClassifyStanzaError(m.Error), room, "invite "+to.String()+" to "+room.String())
	default:
	}
	return infoErr
}

// ArchivedMessage is a message of a room's archive.
type ArchivedMessage struct {
	ID        string // the archive's id
	From      string // room/nick
	To        string
	Type      string
	Body      string
	Subject   string
	Stamp     string // XEP-0203 stamp of the archive
	DelayFrom string
}

type mamQuery struct {
	XMLName xml.Name `xml:"urn:xmpp:mam:2 query"`
	QueryID string   `xml:"queryid,attr"`
	Set     rsmSet   `xml:"http://jabber.org/protocol/rsm set"`
}

type rsmSet struct {
	Max    int     `xml:"max,omitempty"`
	Before *string `xml:"before"`
	First  string  `xml:"first,omitempty"`
	Last   string  `xml:"last,omitempty"`
	Count  int     `xml:"count,omitempty"`
}

type mamFin struct {
	XMLName  xml.Name `xml:"urn:xmpp:mam:2 fin"`
	Complete string   `xml:"complete,attr"`
	Set      rsmSet   `xml:"http://jabber.org/protocol/rsm set"`
}

type mamResultMessage struct {
	Result struct {
		QueryID   string `xml:"queryid,attr"`
		ID        string `xml:"id,attr"`
		Forwarded struct {
			Delay *struct {
				Stamp string `xml:"stamp,attr"`
				From  string `xml:"from,attr"`
			} `xml:"urn:xmpp:delay delay"`
			Message struct {
				From    string   `xml:"from,attr"`
				To      string   `xml:"to,attr"`
				Type    string   `xml:"type,attr"`
				Body    []string `xml:"body"`
				Subject []string `xml:"subject"`
			} `xml:"message"`
		} `xml:"urn:xmpp:forward:0 forwarded"`
	} `xml:"urn:xmpp:mam:2 result"`
}

// archivePage is how many messages are asked for at a time.
const archivePage = 50

// Archive reads the newest messages of a room's archive (XEP-0313), at
// most limit, oldest first, paging backwards from the end. A service that
// keeps no archive is fault.NotSupported.
func (c *Client) Archive(ctx context.Context, room jid.JID, limit int) ([]ArchivedMessage, error) {
	queryID := "xr-" + randomSuffix(6)
	inbox, stop := c.link.Listen(func(in component.Inbound) bool {
		if in.Name != "message" || !strings.Contains(string(in.Raw), queryID) {
			return false
		}
		f, err := jid.Parse(in.From)
		return err == nil && f.Bare().Equal(room)
	}, 4*archivePage)
	defer stop()

	var pages [][]ArchivedMessage
	total := 0
	before := ""
	for total < limit {
		var fin mamFin
		b := before
		q := mamQuery{QueryID: queryID, Set: rsmSet{Max: min(archivePage, limit-total), Before: &b}}
		err := c.link.Do(ctx, component.IQ{Type: stanza.SetIQ, To: room, Payload: q}, &fin)
		if cond := component.StanzaCondition(err); cond == stanza.ServiceUnavailable || cond == stanza.FeatureNotImplemented {
			return nil, fault.Wrap(fault.NotSupported, err, "the chat service keeps no archive of %s (XEP-0313): "+
				"enable mod_muc_mam on Prosody's MUC component, or mod_mam with the room option mam on ejabberd", room)
		}
		if err != nil {
			return nil, roomFault(err, room, "read the archive of "+room.String())
		}
		var page []ArchivedMessage
	drain:
		for {
			select {
			case in := <-inbox:
				var m mamResultMessage
				if in.Decode(&m) != nil || m.Result.QueryID != queryID {
					continue
				}
				fw := m.Result.Forwarded
				am := ArchivedMessage{ID: m.Result.ID, From: fw.Message.From, To: fw.Message.To, Type: fw.Message.Type}
				if len(fw.Message.Body) > 0 {
					am.Body = fw.Message.Body[0]
				}
				if len(fw.Message.Subject) > 0 {
					am.Subject = fw.Message.Subject[0]
				}
				if fw.Delay != nil {
					am.Stamp, am.DelayFrom = fw.Delay.Stamp, fw.Delay.From
				}
				page = append(page, am)
			default:
				break drain
			}
		}
		pages = append(pages, page)
		total += len(page)
		if fin.Complete == "true" || len(page) == 0 || fin.Set.First == "" {
			break
		}
		before = fin.Set.First
	}
	var out []ArchivedMessage
	for _, p := range slices.Backward(pages) {
		out = append(out, p...)
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}
