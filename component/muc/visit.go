package muc

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"xmpprest/component"
	"xmpprest/component/fault"
)

// nickPrefix starts the nickname of the component's brief stays in rooms.
const nickPrefix = "xmpprest-"

// visit is a brief stay of the component in a room: entered by one
// operation and left by it before it returns.
type visit struct {
	c        *Client
	room     jid.JID // bare
	occupant jid.JID // room/nick
	from     jid.JID // the component's full JID for this stay
	// in receives what the room sends the component during the stay,
	// until stopListening.
	in            <-chan component.Inbound
	stopListening func()
	// created is true when the join created the room (status 201).
	created bool
	// others are the occupants the room presented on joining.
	others []Occupant
	left   bool
}

// mucPresence is the part of a room presence the component reads.
type mucPresence struct {
	XMLName xml.Name `xml:"presence"`
	From    string   `xml:"from,attr"`
	Type    string   `xml:"type,attr"`
	X       *struct {
		Items []struct {
			JID         string `xml:"jid,attr"`
			Nick        string `xml:"nick,attr"`
			Role        string `xml:"role,attr"`
			Affiliation string `xml:"affiliation,attr"`
		} `xml:"item"`
		Status []struct {
			Code string `xml:"code,attr"`
		} `xml:"status"`
	} `xml:"http://jabber.org/protocol/muc#user x"`
	Error *stanza.Error `xml:"error"`
}

func (p mucPresence) hasStatus(code string) bool {
	if p.X == nil {
		return false
	}
	for _, s := range p.X.Status {
		if s.Code == code {
			return true
		}
	}
	return false
}

// joinOptions tune enter.
type joinOptions struct {
	password string
	// create is true when the caller means to create the room.
	create bool
}

// enter joins room under a fresh nickname and returns once the room has
// presented the component's own presence (status 110). The caller must
// call leave.
func (c *Client) enter(ctx context.Context, room jid.JID, opts joinOptions) (*visit, error) {
	suffix := randomSuffix(4)
	nick := nickPrefix + suffix
	occupant, err := room.WithResource(nick)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "occupant JID")
	}
	v := &visit{c: c, room: room, occupant: occupant, from: c.occupantJID(nick)}
	from := v.from.String()
	v.in, v.stopListening = c.link.Listen(func(in component.Inbound) bool {
		if in.To != from {
			return false
		}
		f, err := jid.Parse(in.From)
		return err == nil && f.Bare().Equal(room)
	}, 512)

	payload := `<x xmlns='` + NSMUC + `'><history maxstanzas='0'/>`
	if opts.password != "" {
		var b strings.Builder
		xml.EscapeText(&b, []byte(opts.password))
		payload += `<password>` + b.String() + `</password>`
	}
	payload += `</x>`
	if err := c.link.Send(ctx, component.Stanza{Name: "presence", From: v.from, To: occupant, Payload: payload}); err != nil {
		v.stopListening()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.link.Timeout())
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			v.leave(ctx)
			return nil, fault.Wrap(fault.Timeout, ctx.Err(), "the chat service did not let the component into %s within %s", room, c.link.Timeout())
		case in := <-v.in:
			if in.Name != "presence" {
				continue
			}
			var p mucPresence
			if err := in.Decode(&p); err != nil {
				continue
			}
			if p.Type == "error" {
				v.stopListening()
				return nil, joinFault(p, room, opts)
			}
			if p.From == occupant.String() && p.hasStatus("110") {
				v.created = p.hasStatus("201")
				return v, nil
			}
			if p.Type == "" && p.X != nil && len(p.X.Items) > 0 {
				it := p.X.Items[0]
				nickOf := strings.TrimPrefix(p.From, room.String()+"/")
				v.others = append(v.others, Occupant{Nick: nickOf, JID: it.JID,
					Role: it.Role, Affiliation: Affiliation(it.Affiliation)})
			}
		}
	}
}

// joinFault classifies a presence error answered to a join.
func joinFault(p mucPresence, room jid.JID, opts joinOptions) error {
	var se stanza.Error
	if p.Error != nil {
		se = *p.Error
	}
	text := component.StanzaErrorText(se)
	detail := string(se.Condition)
	if text != "" {
		detail += ": " + text
	}
	var fe *fault.Error
	switch se.Condition {
	case stanza.Forbidden, stanza.NotAllowed:
		what := "enter " + room.String()
		if opts.create {
			what = "create " + room.String()
		}
		fe = &fault.Error{Kind: fault.Forbidden, Message: fmt.Sprintf("the chat service does not let the component %s (%s): %s", what, detail, rightsAdvice)}
	case stanza.Gone:
		fe = &fault.Error{Kind: fault.Conflict, Message: fmt.Sprintf("the room name %s is held by the tombstone of a destroyed room (%s)", room, detail)}
	case stanza.NotAuthorized:
		fe = &fault.Error{Kind: fault.Forbidden, Message: fmt.Sprintf("the room %s asks the component for a password (%s)", room, detail)}
	case stanza.RegistrationRequired:
		fe = &fault.Error{Kind: fault.Forbidden, Message: fmt.Sprintf("the room %s is members-only and the component is not affiliated with it (%s): %s", room, detail, rightsAdvice)}
	case stanza.ItemNotFound:
		fe = notFound(room)
	case stanza.ServiceUnavailable:
		fe = &fault.Error{Kind: fault.Unavailable, Message: fmt.Sprintf("the room %s is full or the chat service refuses new occupants (%s)", room, detail)}
	case stanza.Conflict:
		fe = &fault.Error{Kind: fault.Conflict, Message: fmt.Sprintf("the component's nickname is taken in %s (%s)", room, detail)}
	case stanza.JIDMalformed, stanza.BadRequest, stanza.NotAcceptable:
		fe = &fault.Error{Kind: fault.BadRequest, Message: fmt.Sprintf("the chat service refused the room name %s (%s)", room, detail)}
	default:
		fe = &fault.Error{Kind: fault.BadGateway, Message: fmt.Sprintf("the chat service refused to let the component into %s (%s)", room, detail)}
	}
	fe.Err = se
	return fe.About(room.Localpart())
}

// leave sends the unavailable presence and waits (at most the link's
// timeout, even when ctx is done) until the room confirms it, so that the
// next operation finds the component gone.
func (v *visit) leave(ctx context.Context) {
	if v.left {
		return
	}
	v.left = true
	defer v.stopListening()
	ctx, cancel := v.c.detach(ctx)
	defer cancel()
	err := v.c.link.Send(ctx, component.Stanza{Name: "presence", From: v.from, To: v.occupant, Type: "unavailable"})
	if err != nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case in := <-v.in:
			if in.Name != "presence" || in.From != v.occupant.String() {
				continue
			}
			if in.Type == "unavailable" || in.Type == "error" {
				return
			}
		}
	}
}

// send sends a message to the room as the visiting occupant and waits for
// the room to echo it (a groupchat message from the component's
// nickname matching echoed), or for an error answered to it.
func (v *visit) send(ctx context.Context, payload string, echoed func(in component.Inbound) bool) error {
	id := "xr-" + randomSuffix(6)
	err := v.c.link.Send(ctx, component.Stanza{Name: "message", From: v.from, To: v.room, Type: "groupchat", ID: id, Payload: payload})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, v.c.link.Timeout())
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return fault.Wrap(fault.Timeout, ctx.Err(), "the chat service did not pass on the component's message to %s within %s", v.room, v.c.link.Timeout())
		case in := <-v.in:
			if in.Name != "message" {
				continue
			}
			if in.Type == "error" && (in.ID == id || in.ID == "") {
				var m struct {
					Error stanza.Error `xml:"error"`
				}
				in.Decode(&m)
				return roomFault(component.ClassifyStanzaError(m.Error), v.room, "send to "+v.room.String())
			}
			if in.From == v.occupant.String() && echoed(in) {
				return nil
			}
		}
	}
}

// keepRoom makes a temporary room survive the component's leaving when the
// component is alone in it (both servers destroy a temporary room as its
// last occupant leaves): the room is made persistent, and the returned
// function, to call after leave, makes it temporary again. It returns nil
// when there is nothing to do.
func (v *visit) keepRoom(ctx context.Context) (restore func(context.Context) error, err error) {
	if len(v.others) > 0 {
		return nil, nil
	}
	info, err := v.c.Info(ctx, v.room)
	if err != nil || !info.Has("muc_temporary") {
		return nil, err
	}
	s := newSubmission(NSRoomConfig)
	s.set(fieldPersistent, "1")
	if err := v.c.configure(ctx, v.room, v.from, &s.form); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		s := newSubmission(NSRoomConfig)
		s.set(fieldPersistent, "0")
		return v.c.Configure(ctx, v.room, &s.form)
	}, nil
}
