package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestChatRooms(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const room = "lobby@conference.example.org"
	if _, err := s.ChatRoom(ctx, room); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing room: %v", err)
	}
	created := time.UnixMilli(1_700_000_000_000)
	subject := "hello"
	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutChatRoom(ctx, ChatRoom{Room: room, Created: created, Modified: created}); err != nil {
			return err
		}
		if err := tx.TouchChatRoom(ctx, room, created.Add(time.Hour), &subject); err != nil {
			return err
		}
		// A touch without a subject keeps the subject.
		if err := tx.TouchChatRoom(ctx, room, created.Add(2*time.Hour), nil); err != nil {
			return err
		}
		// A room not created through the API has no creation date.
		return tx.TouchChatRoom(ctx, "other@conference.example.org", created, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.ChatRoom(ctx, room)
	if err != nil || !r.Created.Equal(created) || !r.Modified.Equal(created.Add(2*time.Hour)) || r.Subject == nil || *r.Subject != subject {
		t.Errorf("room = %+v, %v", r, err)
	}
	o, err := s.ChatRoom(ctx, "other@conference.example.org")
	if err != nil || !o.Created.IsZero() || o.Subject != nil {
		t.Errorf("other = %+v, %v", o, err)
	}

	err = s.Update(ctx, func(tx *Tx) error {
		for _, g := range []RoomGroup{{room, "staff", "admin"}, {room, "guests", "member"}, {"other@conference.example.org", "staff", "owner"}} {
			if err := tx.PutRoomGroup(ctx, g); err != nil {
				return err
			}
		}
		return tx.PutRoomGroup(ctx, RoomGroup{room, "guests", "outcast"}) // replaces
	})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := s.RoomGroups(ctx, room)
	if err != nil || len(gs) != 2 || gs[0] != (RoomGroup{room, "guests", "outcast"}) || gs[1] != (RoomGroup{room, "staff", "admin"}) {
		t.Errorf("room groups = %+v, %v", gs, err)
	}
	rs, err := s.GroupRooms(ctx, "staff")
	if err != nil || len(rs) != 2 {
		t.Errorf("group rooms = %+v, %v", rs, err)
	}
	err = s.Update(ctx, func(tx *Tx) error {
		if ok, err := tx.DeleteRoomGroup(ctx, room, "guests"); err != nil || !ok {
			t.Errorf("delete room group = %v, %v", ok, err)
		}
		if ok, _ := tx.DeleteRoomGroup(ctx, room, "guests"); ok {
			t.Error("deleted twice")
		}
		if err := tx.PutRoomGroup(ctx, RoomGroup{room, "bad", "visitor"}); err == nil {
			t.Error("an affiliation outside the four was stored")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx *Tx) error { return tx.DeleteChatRoom(ctx, room) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChatRoom(ctx, room); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted room: %v", err)
	}
	if gs, _ := s.RoomGroups(ctx, room); len(gs) != 0 {
		t.Errorf("groups of a deleted room: %v", gs)
	}
}
