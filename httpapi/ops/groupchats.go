package ops

import (
	"context"
	"strings"
	"unicode"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/muc"
)

// Groups seen as member lists with chat rooms (the shape of Prosody's
// groups), on the actor's host (see ActorHost).

// GroupView is a group with its chat rooms.
type GroupView struct {
	Group
	// Chats are the rooms whose members are the group's members, by JID.
	Chats []jid.JID
}

// GroupWithChats returns a group of the actor's host and its chat rooms.
func (s *Service) GroupWithChats(ctx context.Context, a Actor, name string) (GroupView, error) {
	g, err := s.GetGroup(ctx, a, s.ActorHost(a), name)
	if err != nil {
		return GroupView{}, err
	}
	return s.withChats(ctx, g)
}

// GroupsWithChats lists the groups of the actor's host with their chat
// rooms.
func (s *Service) GroupsWithChats(ctx context.Context, a Actor) ([]GroupView, error) {
	gs, err := s.ListGroups(ctx, a, s.ActorHost(a))
	if err != nil {
		return nil, err
	}
	out := make([]GroupView, 0, len(gs))
	for _, g := range gs {
		v, err := s.withChats(ctx, g)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) withChats(ctx context.Context, g Group) (GroupView, error) {
	v := GroupView{Group: g}
	if g.Host != "" && g.Host != s.Link.DefaultHost().String() {
		return v, nil // rooms follow the groups of the default host only
	}
	rgs, err := s.Store.GroupRooms(ctx, g.Name)
	if err != nil {
		return GroupView{}, fault.Wrap(fault.Unavailable, err, "read the chat rooms of group %q", g.Name)
	}
	for _, rg := range rgs {
		if rg.Affiliation != string(muc.Member) {
			continue
		}
		if j, err := jid.Parse(rg.Room); err == nil {
			v.Chats = append(v.Chats, j)
		}
	}
	return v, nil
}

// CreateSharedGroup creates a group of the actor's host whose members see
// each other as contacts; with chat, also a members-only chat room for it.
func (s *Service) CreateSharedGroup(ctx context.Context, a Actor, name, description string, chat bool) (GroupView, error) {
	host := s.ActorHost(a)
	g := Group{Host: host, Name: name, Description: description, Shared: true}
	if err := s.CreateGroup(ctx, a, g); err != nil {
		return GroupView{}, err
	}
	v := GroupView{Group: g}
	if chat {
		room, err := s.CreateGroupChat(ctx, a, name, "")
		if err != nil {
			s.undo(ctx, "delete the group whose chat room could not be made", func(ctx context.Context) error { return s.DeleteGroup(ctx, a, host, name) })
			return GroupView{}, err
		}
		v.Chats = []jid.JID{room}
	}
	return v, nil
}

// groupMember reads a group of the actor's host and resolves an account of
// that host to add to it or take out of it.
func (s *Service) groupMember(ctx context.Context, a Actor, group, username string) (Group, jid.JID, error) {
	host := s.ActorHost(a)
	g, err := s.GetGroup(ctx, a, host, group)
	if err != nil {
		return Group{}, jid.JID{}, err
	}
	j, err := s.AccountJID(a, host, username)
	return g, j, err
}

// AddGroupMember adds an account to an existing group (a missing group is
// fault.NotFound, not created).
func (s *Service) AddGroupMember(ctx context.Context, a Actor, group, username string) error {
	_, j, err := s.groupMember(ctx, a, group, username)
	if err != nil {
		return err
	}
	return s.AddUserToGroups(ctx, a, j.String(), []string{group})
}

// RemoveGroupMember takes an account out of a group.
func (s *Service) RemoveGroupMember(ctx context.Context, a Actor, group, username string) error {
	g, j, err := s.groupMember(ctx, a, group, username)
	if err != nil {
		return err
	}
	if !contains(g.Admins, j.String()) && !contains(g.Members, j.String()) {
		return fault.New(fault.NotFound, "%s is not a member of group %q", j, group).About(username)
	}
	return s.RemoveUserFromGroups(ctx, a, j.String(), []string{group})
}

// CreateGroupChat creates a persistent members-only chat room on the
// default chat service whose members are the group's members (kept in step
// as the group changes). An empty name is made from the group's. Chat rooms
// follow the groups of the default host only: for a group of another host
// it is a fault.NotSupported.
func (s *Service) CreateGroupChat(ctx context.Context, a Actor, group, name string) (jid.JID, error) {
	host := s.ActorHost(a)
	g, err := s.GetGroup(ctx, a, host, group)
	if err != nil {
		return jid.JID{}, err
	}
	if def := s.Link.DefaultHost().String(); host != def {
		return jid.JID{}, fault.New(fault.NotSupported, "chat rooms follow the groups of %s only, not those of %s", def, host).About(group)
	}
	if name == "" {
		name = roomNameFor(group)
	}
	yes := true
	display := group
	if g.Description != "" {
		display = g.Description
	}
	change := RoomChange{Name: name, Settings: muc.Settings{NaturalName: &display, MembersOnly: &yes, Persistent: &yes},
		MemberGroups: SetList([]string{group})}
	if _, err := s.CreateChatRoom(ctx, a, DefaultChatService, change, false); err != nil {
		return jid.JID{}, err
	}
	room, _, err := s.room(ctx, a, DefaultChatService, name)
	return room, err
}

// DeleteGroupChat destroys a chat room of the group; a room that is not
// the group's is fault.NotFound.
func (s *Service) DeleteGroupChat(ctx context.Context, a Actor, group, chat string) error {
	v, err := s.GroupWithChats(ctx, a, group)
	if err != nil {
		return err
	}
	for _, room := range v.Chats {
		if room.Localpart() == chat || room.String() == chat {
			return s.DeleteChatRoom(ctx, a, room.Domainpart(), room.Localpart())
		}
	}
	return fault.New(fault.NotFound, "group %q has no chat room %q", group, chat).About(chat)
}

// roomNameFor makes a room name (a JID localpart) from a group name:
// lower case letters and digits, other runs as one "-".
func roomNameFor(group string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(group) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimSuffix(b.String(), "-")
	if name == "" {
		name = "group"
	}
	return name
}
