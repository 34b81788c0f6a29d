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
// groups): the operations below check the caller's scope. A host
// administrator may change a group whose members are all on its host.

// GroupView is a group with its chat rooms.
type GroupView struct {
	Group
	// Chats are the rooms whose members are the group's members, by JID.
	Chats []jid.JID
}

// mayChangeGroup checks that every member of g is on a host the actor
// administers.
func (s *Service) mayChangeGroup(a Actor, g Group) error {
	if a.Role == RoleServiceAdmin {
		return nil
	}
	for _, m := range append(append([]string(nil), g.Admins...), g.Members...) {
		j, err := jid.Parse(m)
		if err != nil {
			continue
		}
		if err := a.MayActOn(j); err != nil {
			return fault.New(fault.Denied, "group %q has members outside the hosts these credentials administer (%s)", g.Name, j.Domainpart()).About(g.Name)
		}
	}
	return a.MayAdminister(s.ActorHost(a))
}

// GroupWithChats returns a group and its chat rooms.
func (s *Service) GroupWithChats(ctx context.Context, a Actor, name string) (GroupView, error) {
	if err := a.MayAdminister(s.ActorHost(a)); err != nil {
		return GroupView{}, err
	}
	g, err := s.GetGroup(ctx, name)
	if err != nil {
		return GroupView{}, err
	}
	return s.withChats(ctx, g)
}

// GroupsWithChats lists every group with its chat rooms.
func (s *Service) GroupsWithChats(ctx context.Context, a Actor) ([]GroupView, error) {
	if err := a.MayAdminister(s.ActorHost(a)); err != nil {
		return nil, err
	}
	gs, err := s.ListGroups(ctx)
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
	rgs, err := s.Store.GroupRooms(ctx, g.Name)
	if err != nil {
		return GroupView{}, fault.Wrap(fault.Unavailable, err, "read the chat rooms of group %q", g.Name)
	}
	v := GroupView{Group: g}
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

// CreateSharedGroup creates a group whose members see each other as
// contacts; with chat, also a members-only chat room for it.
func (s *Service) CreateSharedGroup(ctx context.Context, a Actor, name, description string, chat bool) (GroupView, error) {
	if err := a.MayAdminister(s.ActorHost(a)); err != nil {
		return GroupView{}, err
	}
	g := Group{Name: name, Description: description, Shared: true}
	if err := s.CreateGroup(ctx, a, g); err != nil {
		return GroupView{}, err
	}
	v := GroupView{Group: g}
	if chat {
		room, err := s.CreateGroupChat(ctx, a, name, "")
		if err != nil {
			s.undo(ctx, "delete the group whose chat room could not be made", func(ctx context.Context) error { return s.DeleteGroup(ctx, a, name) })
			return GroupView{}, err
		}
		v.Chats = []jid.JID{room}
	}
	return v, nil
}

// RenameGroupDisplay sets the display name (the description) of a group.
func (s *Service) RenameGroupDisplay(ctx context.Context, a Actor, name, display string) error {
	g, err := s.GetGroup(ctx, name)
	if err != nil {
		return err
	}
	if err := s.mayChangeGroup(a, g); err != nil {
		return err
	}
	return s.UpdateGroup(ctx, a, name, GroupChange{Description: &display})
}

// DeleteGroupScoped deletes a group the actor may change.
func (s *Service) DeleteGroupScoped(ctx context.Context, a Actor, name string) error {
	g, err := s.GetGroup(ctx, name)
	if err != nil {
		return err
	}
	if err := s.mayChangeGroup(a, g); err != nil {
		return err
	}
	return s.DeleteGroup(ctx, a, name)
}

// groupMember reads a group the actor may change and resolves an account
// to add to it or take out of it.
func (s *Service) groupMember(ctx context.Context, a Actor, group, username string) (Group, jid.JID, error) {
	g, err := s.GetGroup(ctx, group)
	if err != nil {
		return Group{}, jid.JID{}, err
	}
	if err := s.mayChangeGroup(a, g); err != nil {
		return Group{}, jid.JID{}, err
	}
	j, err := s.AccountJID(a, "", username)
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

// CreateGroupChat creates a persistent members-only chat room on the chat
// service of the actor's host whose members are the group's members (kept in step as the
// group changes). An empty name is made from the group's.
func (s *Service) CreateGroupChat(ctx context.Context, a Actor, group, name string) (jid.JID, error) {
	g, err := s.GetGroup(ctx, group)
	if err != nil {
		return jid.JID{}, err
	}
	if err := s.mayChangeGroup(a, g); err != nil {
		return jid.JID{}, err
	}
	if name == "" {
		name = roomNameFor(group)
	}
	yes := true
	display := group
	if g.Description != "" {
		display = g.Description
	}
	spec := RoomSpec{Name: name, Settings: muc.Settings{NaturalName: &display, MembersOnly: &yes, Persistent: &yes},
		MemberGroups: &[]string{group}}
	service := DefaultChatService + "." + s.ActorHost(a)
	if _, err := s.CreateChatRoom(ctx, a, service, spec, false); err != nil {
		return jid.JID{}, err
	}
	room, _, err := s.room(ctx, service, name)
	return room, err
}

// DeleteGroupChat destroys a chat room of the group; a room that is not
// the group's is fault.NotFound.
func (s *Service) DeleteGroupChat(ctx context.Context, a Actor, group, chat string) error {
	v, err := s.GroupWithChats(ctx, a, group)
	if err != nil {
		return err
	}
	if err := s.mayChangeGroup(a, v.Group); err != nil {
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
