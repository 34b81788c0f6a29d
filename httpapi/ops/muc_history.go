package ops

import (
	"context"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
)

// RoomMessage is a message of a room's history.
type RoomMessage struct {
	To, From, Type, Body string
	Stamp, DelayFrom     string
}

// maxRoomHistory bounds the messages RoomHistory returns (the newest).
const maxRoomHistory = 1000

// RoomHistory returns the newest messages of a room's archive (XEP-0313),
// oldest first. A service without archives is fault.NotSupported.
func (s *Service) RoomHistory(ctx context.Context, a Actor, service, name string) ([]RoomMessage, error) {
	room, info, err := s.room(ctx, a, service, name)
	if err != nil {
		return nil, err
	}
	if !info.Has(muc.NSMAM) {
		return nil, fault.New(fault.NotSupported, "room %s has no message archive (XEP-0313 %s): the chat service keeps none, or archiving is off for the room", room, muc.NSMAM).About(room.Localpart())
	}
	msgs, err := s.muc().Archive(ctx, room, maxRoomHistory)
	if err != nil {
		return nil, err
	}
	out := []RoomMessage{}
	for _, m := range msgs {
		if m.Body == "" {
			continue // subject changes and the like
		}
		to := m.To
		if to == "" {
			to = room.String()
		}
		out = append(out, RoomMessage{To: to, From: m.From, Type: m.Type, Body: m.Body, Stamp: m.Stamp, DelayFrom: m.DelayFrom})
	}
	return out, nil
}
