package userops

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
	"xmpprest/component/usersession"
	"xmpprest/store"
)

// Bookmarks are the component's own (store): a group-chat room or a URL
// for everyone, for users, or for the members of groups. A user sees those
// that apply to them. Users may keep bookmarks for themselves; sharing one
// with others (global, groups, other users) takes a bookmark administrator
// (sparkweb.bookmark_admins). Group-chat bookmarks are also published into
// the XEP-0402 bookmarks of each user they apply to whose session is up,
// and at every sign-in.

// The bookmark types.
const (
	BookmarkGroupChat = "group_chat"
	BookmarkURL       = "url"
)

// The bookmark properties read for XEP-0402.
const (
	PropertyAutojoin = "autojoin"
	PropertyNick     = "nick_name"
	PropertyPassword = "password"
)

// BookmarkInput is a bookmark as a user gives it.
type BookmarkInput struct {
	Type       string
	Name       string
	Value      string
	Global     bool
	Users      []string
	Groups     []string
	Properties map[string]string
}

// bookmarkTimeout bounds the XEP-0402 publishing that follows a change.
const bookmarkTimeout = 10 * time.Second

// isBookmarkAdmin reports whether the caller may share bookmarks.
func (s *Service) isBookmarkAdmin(c Caller) bool {
	return slices.Contains(s.Cfg.BookmarkAdmins, c.Actor.User.String())
}

// checkBookmark validates and normalizes a bookmark.
func (s *Service) checkBookmark(c Caller, in BookmarkInput) (store.Bookmark, error) {
	b := store.Bookmark{Type: strings.TrimSpace(in.Type), Name: strings.TrimSpace(in.Name), Value: strings.TrimSpace(in.Value),
		Global: in.Global, Users: []string{}, Groups: []string{}, Properties: map[string]string{}}
	switch b.Type {
	case BookmarkGroupChat:
		room, err := jid.Parse(b.Value)
		if err != nil || room.Localpart() == "" || room.Resourcepart() != "" {
			return b, fault.New(fault.BadRequest, "a group_chat bookmark's value is the room's JID (room@service), not %q", b.Value)
		}
		b.Value = room.String()
	case BookmarkURL:
		u, err := url.Parse(b.Value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return b, fault.New(fault.BadRequest, "a url bookmark's value is an http or https URL, not %q", b.Value)
		}
	default:
		return b, fault.New(fault.BadRequest, "the bookmark type is group_chat or url, not %q", in.Type)
	}
	if b.Name == "" || len(b.Name) > 1024 {
		return b, fault.New(fault.BadRequest, "a bookmark needs a name of at most 1024 bytes")
	}
	for _, u := range in.Users {
		j, err := c.address(u)
		if err != nil {
			return b, err
		}
		if !slices.Contains(b.Users, j.Bare().String()) {
			b.Users = append(b.Users, j.Bare().String())
		}
	}
	for _, g := range in.Groups {
		if g = strings.TrimSpace(g); g == "" || len(g) > 1024 {
			return b, fault.New(fault.BadRequest, "group names must be non-empty and at most 1024 bytes")
		}
		if !slices.Contains(b.Groups, g) {
			b.Groups = append(b.Groups, g)
		}
	}
	for k, v := range in.Properties {
		if err := checkPropertyName(k); err != nil {
			return b, err
		}
		b.Properties[k] = v
	}
	me := c.Actor.User.String()
	if !b.Global && len(b.Groups) == 0 && len(b.Users) == 0 {
		b.Users = []string{me} // a bookmark for oneself
	}
	slices.Sort(b.Users)
	slices.Sort(b.Groups)
	if !s.isBookmarkAdmin(c) && (b.Global || len(b.Groups) > 0 || len(b.Users) != 1 || b.Users[0] != me) {
		return b, fault.New(fault.Denied, "only bookmark administrators (sparkweb.bookmark_admins) may share bookmarks with others: keep users empty or just %s", me)
	}
	return b, nil
}

func checkPropertyName(k string) error {
	if strings.TrimSpace(k) == "" || len(k) > 255 {
		return fault.New(fault.BadRequest, "property names must be non-empty and at most 255 bytes")
	}
	return nil
}

// userGroups returns the groups the caller is in.
func (s *Service) userGroups(ctx context.Context, user jid.JID) ([]string, error) {
	gs, err := s.Store.GroupsOf(ctx, user.Domainpart(), user.String())
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the groups of %s", user)
	}
	return gs, nil
}

// Bookmarks returns the bookmarks that apply to the caller.
func (s *Service) Bookmarks(ctx context.Context, c Caller) ([]store.Bookmark, error) {
	if _, err := c.self(); err != nil {
		return nil, err
	}
	return s.bookmarksFor(ctx, c.Actor.User)
}

func (s *Service) bookmarksFor(ctx context.Context, user jid.JID) ([]store.Bookmark, error) {
	groups, err := s.userGroups(ctx, user)
	if err != nil {
		return nil, err
	}
	bs, err := s.Store.BookmarksFor(ctx, user.String(), groups)
	if err != nil {
		return nil, fault.Wrap(fault.Unavailable, err, "read the bookmarks")
	}
	if bs == nil {
		bs = []store.Bookmark{}
	}
	return bs, nil
}

// applies reports whether b applies to user, who is in groups.
func applies(b store.Bookmark, user string, groups []string) bool {
	if b.Global || slices.Contains(b.Users, user) {
		return true
	}
	for _, g := range b.Groups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// bookmarkNotFound is the fault of a bookmark that does not exist or does
// not apply to the caller.
func bookmarkNotFound(id int64) error {
	return fault.New(fault.NotFound, "bookmark %d does not exist", id)
}

// Bookmark returns a bookmark that applies to the caller (any, for a
// bookmark administrator).
func (s *Service) Bookmark(ctx context.Context, c Caller, id int64) (store.Bookmark, error) {
	if _, err := c.self(); err != nil {
		return store.Bookmark{}, err
	}
	b, err := s.Store.Bookmark(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, bookmarkNotFound(id)
	}
	if err != nil {
		return b, fault.Wrap(fault.Unavailable, err, "read the bookmark")
	}
	if s.isBookmarkAdmin(c) {
		return b, nil
	}
	groups, err := s.userGroups(ctx, c.Actor.User)
	if err != nil {
		return b, err
	}
	if !applies(b, c.Actor.User.String(), groups) {
		return b, bookmarkNotFound(id)
	}
	return b, nil
}

// mayChange checks that the caller may change or delete b: an
// administrator, or the user it is kept for alone.
func (s *Service) mayChange(c Caller, b store.Bookmark) error {
	me := c.Actor.User.String()
	if s.isBookmarkAdmin(c) || (!b.Global && len(b.Groups) == 0 && len(b.Users) == 1 && b.Users[0] == me) {
		return nil
	}
	return fault.New(fault.Denied, "bookmark %d is shared with others: only bookmark administrators (sparkweb.bookmark_admins) may change it", b.ID)
}

// CreateBookmark stores a new bookmark and publishes it.
func (s *Service) CreateBookmark(ctx context.Context, c Caller, in BookmarkInput) (store.Bookmark, error) {
	if _, err := c.self(); err != nil {
		return store.Bookmark{}, err
	}
	b, err := s.checkBookmark(c, in)
	if err != nil {
		return b, err
	}
	b.CreatedBy = c.Actor.User.String()
	if b.ID, err = s.Store.CreateBookmark(ctx, b); err != nil {
		return b, fault.Wrap(fault.Unavailable, err, "store the bookmark")
	}
	s.publishChange(ctx, nil, &b)
	return s.Store.Bookmark(ctx, b.ID)
}

// UpdateBookmark replaces a bookmark.
func (s *Service) UpdateBookmark(ctx context.Context, c Caller, id int64, in BookmarkInput) (store.Bookmark, error) {
	old, err := s.Bookmark(ctx, c, id)
	if err != nil {
		return old, err
	}
	if err := s.mayChange(c, old); err != nil {
		return old, err
	}
	b, err := s.checkBookmark(c, in)
	if err != nil {
		return b, err
	}
	b.ID = id
	if err := s.Store.UpdateBookmark(ctx, b); err != nil {
		return b, fault.Wrap(fault.Unavailable, err, "store the bookmark")
	}
	s.publishChange(ctx, &old, &b)
	return s.Store.Bookmark(ctx, id)
}

// DeleteBookmark deletes a bookmark and retracts it.
func (s *Service) DeleteBookmark(ctx context.Context, c Caller, id int64) error {
	old, err := s.Bookmark(ctx, c, id)
	if err != nil {
		return err
	}
	if err := s.mayChange(c, old); err != nil {
		return err
	}
	if err := s.Store.DeleteBookmark(ctx, id); err != nil {
		return fault.Wrap(fault.Unavailable, err, "delete the bookmark")
	}
	s.publishChange(ctx, &old, nil)
	return nil
}

// SetBookmarkProperty sets (value not nil) or deletes a bookmark property.
func (s *Service) SetBookmarkProperty(ctx context.Context, c Caller, id int64, name string, value *string) (store.Bookmark, error) {
	old, err := s.Bookmark(ctx, c, id)
	if err != nil {
		return old, err
	}
	if err := s.mayChange(c, old); err != nil {
		return old, err
	}
	if err := checkPropertyName(name); err != nil {
		return old, err
	}
	err = s.Store.SetBookmarkProperty(ctx, id, name, value)
	if errors.Is(err, store.ErrNotFound) {
		return old, fault.New(fault.NotFound, "bookmark %d has no property %q", id, name).About(name)
	}
	if err != nil {
		return old, fault.Wrap(fault.Unavailable, err, "store the bookmark property")
	}
	b, err := s.Store.Bookmark(ctx, id)
	if err != nil {
		return b, fault.Wrap(fault.Unavailable, err, "read the bookmark")
	}
	s.publishChange(ctx, &old, &b)
	return b, nil
}

// roomBookmark is the XEP-0402 form of a group-chat bookmark.
func roomBookmark(b store.Bookmark) (usersession.RoomBookmark, bool) {
	room, err := jid.Parse(b.Value)
	if b.Type != BookmarkGroupChat || err != nil {
		return usersession.RoomBookmark{}, false
	}
	auto := strings.ToLower(b.Properties[PropertyAutojoin])
	return usersession.RoomBookmark{Room: room, Name: b.Name, Autojoin: auto == "true" || auto == "1",
		Nick: b.Properties[PropertyNick], Password: b.Properties[PropertyPassword]}, true
}

// publishChange brings the XEP-0402 bookmarks of the users whose sessions
// are up in line with a change from old to new (either may be nil).
// Failures are logged: the bookmark is kept, and published again at the
// user's next sign-in.
func (s *Service) publishChange(ctx context.Context, old, new *store.Bookmark) {
	if (old == nil || old.Type != BookmarkGroupChat) && (new == nil || new.Type != BookmarkGroupChat) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookmarkTimeout)
	defer cancel()
	for _, sess := range s.Sessions.Live() {
		user := sess.User().String()
		groups, err := s.userGroups(ctx, sess.User())
		if err != nil {
			s.logBookmarkFailure(user, err)
			continue
		}
		if new != nil && applies(*new, user, groups) {
			if rb, ok := roomBookmark(*new); ok {
				s.publishRoomBookmark(ctx, sess, rb)
			}
		}
		if old == nil || !applies(*old, user, groups) {
			continue
		}
		rb, ok := roomBookmark(*old)
		if !ok || (new != nil && new.Value == old.Value && applies(*new, user, groups)) {
			continue
		}
		// The room may still be bookmarked for the user by another one.
		if current, err := s.bookmarksFor(ctx, sess.User()); err == nil && bookmarksRoom(current, old.Value) {
			continue
		}
		if err := sess.RetractRoomBookmark(ctx, rb.Room); err != nil && !fault.Is(err, fault.NotFound) {
			s.logBookmarkFailure(user, err)
		}
	}
}

// resyncBookmarks brings a user's XEP-0402 bookmarks in line after their
// groups changed: the group-chat bookmarks that now apply are published,
// those that no longer do are retracted (before: what applied until now).
func (s *Service) resyncBookmarks(ctx context.Context, sess *usersession.Session, before []store.Bookmark) {
	if sess == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookmarkTimeout)
	defer cancel()
	after, err := s.bookmarksFor(ctx, sess.User())
	if err != nil {
		s.logBookmarkFailure(sess.User().String(), err)
		return
	}
	had := map[int64]bool{}
	for _, b := range before {
		had[b.ID] = true
	}
	for _, b := range after {
		if rb, ok := roomBookmark(b); ok && !had[b.ID] {
			s.publishRoomBookmark(ctx, sess, rb)
		}
	}
	for _, b := range before {
		if rb, ok := roomBookmark(b); ok && !bookmarksRoom(after, b.Value) {
			if err := sess.RetractRoomBookmark(ctx, rb.Room); err != nil && !fault.Is(err, fault.NotFound) {
				s.logBookmarkFailure(sess.User().String(), err)
			}
		}
	}
}

func bookmarksRoom(bs []store.Bookmark, room string) bool {
	for _, b := range bs {
		if b.Type == BookmarkGroupChat && b.Value == room {
			return true
		}
	}
	return false
}

// PublishBookmarks publishes the group-chat bookmarks that apply to a user
// into their XEP-0402 bookmarks (at the start of their session).
func (s *Service) PublishBookmarks(sess *usersession.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), bookmarkTimeout)
	defer cancel()
	bs, err := s.bookmarksFor(ctx, sess.User())
	if err != nil {
		s.logBookmarkFailure(sess.User().String(), err)
		return
	}
	for _, b := range bs {
		if rb, ok := roomBookmark(b); ok {
			s.publishRoomBookmark(ctx, sess, rb)
		}
	}
}

// publishRoomBookmark publishes one bookmark, trying once more after a
// failure the server may not repeat (a timeout, a service still starting).
func (s *Service) publishRoomBookmark(ctx context.Context, sess *usersession.Session, rb usersession.RoomBookmark) {
	err := sess.PublishRoomBookmark(ctx, rb)
	if err != nil && !fault.Is(err, fault.Refused) && !fault.Is(err, fault.Denied) && !fault.Is(err, fault.BadRequest) {
		select {
		case <-time.After(200 * time.Millisecond):
			err = sess.PublishRoomBookmark(ctx, rb)
		case <-ctx.Done():
		}
	}
	if err != nil {
		s.logBookmarkFailure(sess.User().String(), err)
	}
}

func (s *Service) logBookmarkFailure(user string, err error) {
	if s.Ops != nil && s.Ops.Log != nil {
		s.Ops.Log.Warn("could not publish bookmarks into the user's XEP-0402 bookmarks", "user", user, "err", err)
	}
}
