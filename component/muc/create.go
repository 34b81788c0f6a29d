package muc

import (
	"context"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

// fieldPersistent is the configuration field of a room's persistence.
const fieldPersistent = "muc#roomconfig_persistentroom"

// Create creates a room: the component joins it (the join creates it and
// makes the component its owner, status 201), fetches the configuration
// form, submits what fill makes of it, sets the subject (unless it is
// empty) and leaves. A room that already exists is fault.Conflict, left as
// it was.
//
// ejabberd keeps a new room locked until its configuration is submitted and
// answers no one but its creator meanwhile (other requests time out), so
// the form is fetched and submitted as the occupant. When anything fails
// after the join, the room is destroyed before the component leaves.
//
// A room configured not to be persistent would be destroyed by the server
// as the component leaves it empty; it is created persistent and made
// temporary once the component has left: both servers then keep it until
// its last occupant leaves (as Openfire keeps such a room).
func (c *Client) Create(ctx context.Context, room jid.JID, fill func(form *Form) (*Form, error), subject string) error {
	v, err := c.enter(ctx, room, joinOptions{create: true})
	if err != nil {
		return err
	}
	if !v.created {
		v.leave(ctx)
		return fault.New(fault.Conflict, "the chat room %s already exists", room).About(room.Localpart())
	}
	temporary := false
	err = func() error {
		form, err := c.config(ctx, room, v.from)
		if err != nil {
			return err
		}
		submit, err := fill(form)
		if err != nil {
			return err
		}
		if f, ok := submit.Field(fieldPersistent); ok && len(f.Values) > 0 && f.Values[0] == "0" {
			temporary = true
			setValues(submit, fieldPersistent, "1")
		}
		if err := c.configure(ctx, room, v.from, submit); err != nil {
			return err
		}
		if subject != "" {
			return v.setSubject(ctx, subject)
		}
		return nil
	}()
	if err != nil {
		dctx, cancel := c.detach(ctx)
		// Destroyed as its creator (a new ejabberd room answers no one
		// else), then awaited like any destroy: a dying ejabberd room does
		// not answer, and the caller may ask about it next.
		if c.link.Do(dctx, ownerIQ(room, v.from, ownerQuery{Destroy: &destroyElem{Reason: "creation failed"}}), nil) == nil {
			c.awaitGone(dctx, room)
		}
		cancel()
		v.leave(ctx)
		return err
	}
	v.leave(ctx)
	if temporary {
		s := newSubmission(NSRoomConfig)
		s.set(fieldPersistent, "0")
		return c.Configure(ctx, room, &s.form)
	}
	return nil
}

// setValues replaces the values of a field of f.
func setValues(f *Form, name string, values ...string) {
	for i := range f.Fields {
		if f.Fields[i].Var == name {
			f.Fields[i].Values = values
			return
		}
	}
	f.Fields = append(f.Fields, Field{Var: name, Values: values})
}
