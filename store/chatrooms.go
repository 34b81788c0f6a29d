package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ChatRoom is what the component remembers about a chat room.
type ChatRoom struct {
	Room string // bare JID
	// Created is zero when the room was not created through the API.
	Created  time.Time
	Modified time.Time
	// Subject is the subject last set through the API; nil when none was.
	Subject *string
}

// RoomGroup is a group's affiliation with a room.
type RoomGroup struct {
	Room        string
	Group       string
	Affiliation string // owner, admin, member or outcast
}

type roomQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ChatRoom returns what is remembered about a room, or ErrNotFound.
func (s *Store) ChatRoom(ctx context.Context, room string) (ChatRoom, error) {
	return chatRoom(ctx, s.db, room)
}

// ChatRoom is ChatRoom as the transaction sees it.
func (tx *Tx) ChatRoom(ctx context.Context, room string) (ChatRoom, error) {
	return chatRoom(ctx, tx, room)
}

func chatRoom(ctx context.Context, q roomQuerier, room string) (ChatRoom, error) {
	var (
		r        = ChatRoom{Room: room}
		created  sql.NullInt64
		modified int64
		subject  sql.NullString
	)
	err := q.QueryRowContext(ctx, "SELECT created_at, modified_at, subject FROM chat_rooms WHERE room = ?", room).
		Scan(&created, &modified, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		return ChatRoom{}, ErrNotFound
	}
	if err != nil {
		return ChatRoom{}, err
	}
	if created.Valid {
		r.Created = time.UnixMilli(created.Int64)
	}
	r.Modified = time.UnixMilli(modified)
	if subject.Valid {
		r.Subject = &subject.String
	}
	return r, nil
}

// PutChatRoom records a room, replacing what was remembered about it.
func (tx *Tx) PutChatRoom(ctx context.Context, r ChatRoom) error {
	var created, subject any
	if !r.Created.IsZero() {
		created = r.Created.UnixMilli()
	}
	if r.Subject != nil {
		subject = *r.Subject
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO chat_rooms (room, created_at, modified_at, subject) VALUES (?, ?, ?, ?)
		ON CONFLICT (room) DO UPDATE SET created_at = excluded.created_at, modified_at = excluded.modified_at, subject = excluded.subject`,
		r.Room, created, r.Modified.UnixMilli(), subject)
	return err
}

// TouchChatRoom records that a room was changed at a time (and, when
// subject is not nil, its new subject), remembering the room if it was not.
func (tx *Tx) TouchChatRoom(ctx context.Context, room string, at time.Time, subject *string) error {
	var s any
	if subject != nil {
		s = *subject
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO chat_rooms (room, modified_at, subject) VALUES (?, ?, ?)
		ON CONFLICT (room) DO UPDATE SET modified_at = excluded.modified_at, subject = coalesce(excluded.subject, chat_rooms.subject)`,
		room, at.UnixMilli(), s)
	return err
}

// DeleteChatRoom forgets a room and its group affiliations.
func (tx *Tx) DeleteChatRoom(ctx context.Context, room string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM chat_room_groups WHERE room = ?", room); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM chat_rooms WHERE room = ?", room)
	return err
}

// RoomGroups returns the groups affiliated with a room, sorted by name.
func (s *Store) RoomGroups(ctx context.Context, room string) ([]RoomGroup, error) {
	return roomGroups(ctx, s.db, "room = ?", room)
}

// RoomGroups is RoomGroups as the transaction sees it.
func (tx *Tx) RoomGroups(ctx context.Context, room string) ([]RoomGroup, error) {
	return roomGroups(ctx, tx, "room = ?", room)
}

// GroupRooms returns the rooms a group is affiliated with, sorted by room.
func (s *Store) GroupRooms(ctx context.Context, group string) ([]RoomGroup, error) {
	return roomGroups(ctx, s.db, "group_name = ?", group)
}

func roomGroups(ctx context.Context, q roomQuerier, where string, arg string) ([]RoomGroup, error) {
	rows, err := q.QueryContext(ctx, "SELECT room, group_name, affiliation FROM chat_room_groups WHERE "+where+
		" ORDER BY room, group_name", arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RoomGroup{}
	for rows.Next() {
		var g RoomGroup
		if err := rows.Scan(&g.Room, &g.Group, &g.Affiliation); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// PutRoomGroup gives a group an affiliation with a room, replacing the one
// it had.
func (tx *Tx) PutRoomGroup(ctx context.Context, g RoomGroup) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO chat_room_groups (room, group_name, affiliation) VALUES (?, ?, ?)
		ON CONFLICT (room, group_name) DO UPDATE SET affiliation = excluded.affiliation`, g.Room, g.Group, g.Affiliation)
	return err
}

// DeleteRoomGroup takes a group's affiliation with a room away; it reports
// whether there was one.
func (tx *Tx) DeleteRoomGroup(ctx context.Context, room, group string) (bool, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM chat_room_groups WHERE room = ? AND group_name = ?", room, group)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeleteGroupRooms takes every room affiliation of a group away.
func (tx *Tx) DeleteGroupRooms(ctx context.Context, group string) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM chat_room_groups WHERE group_name = ?", group)
	return err
}
