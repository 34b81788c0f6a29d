package ops

import (
	"context"
	"strings"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// InviteToRoom sends a room's invitation (XEP-0045 mediated) to each
// target: a JID, a group name (its members are invited) or a username of
// the default host.
func (s *Service) InviteToRoom(ctx context.Context, a Actor, service, name string, targets []string, reason string) error {
	if len(targets) == 0 {
		return fault.New(fault.BadRequest, "no one to invite: give JIDs, usernames or group names")
	}
	if err := checkRoomText("reason", reason); err != nil {
		return err
	}
	var js []string
	for _, t := range targets {
		t = strings.TrimSpace(t)
		if t == "" {
			return fault.New(fault.BadRequest, "an empty name was given to invite")
		}
		if strings.Contains(t, "@") {
			j, err := jid.Parse(t)
			if err != nil || j.Localpart() == "" {
				return fault.New(fault.BadRequest, "%q is not a valid JID", t).About(t)
			}
			js = append(js, j.String())
			continue
		}
		if g, err := s.roomGroup(ctx, t); err == nil {
			js = append(js, g.Everyone()...)
			continue
		}
		j, err := s.UserJID(t, "")
		if err != nil {
			return err
		}
		js = append(js, j.String())
	}
	js = sortedSet(js)
	room, _, err := s.room(ctx, a, service, name)
	if err != nil {
		return err
	}
	for _, j := range js {
		to, _ := jid.Parse(j)
		if err := s.muc().Invite(ctx, room, to, reason); err != nil {
			return err
		}
	}
	err = s.Store.Update(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, a, "", "invited "+strings.Join(js, ", ")+" to chat room "+room.String(), reason)
	})
	if err != nil && s.Log != nil {
		s.Log.Error("could not record invitations in the audit log", "room", room.String(), "error", err)
	}
	return nil
}

// inviteAll invites JIDs to a room after a change that asked for it; a
// failure is logged (the change itself was made).
func (s *Service) inviteAll(ctx context.Context, room jid.JID, js []string, reason string) {
	for _, j := range js {
		to, err := jid.Parse(j)
		if err != nil {
			continue
		}
		if err := s.muc().Invite(ctx, room, to, reason); err != nil && s.Log != nil {
			s.Log.Warn("could not send a room invitation", "room", room.String(), "to", j, "error", err)
		}
	}
}
