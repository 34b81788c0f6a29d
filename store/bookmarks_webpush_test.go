package store

import (
	"context"
	"errors"
	"testing"
)

func TestBookmarks(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	global, err := s.CreateBookmark(ctx, Bookmark{Type: "url", Name: "G", Value: "https://g.example", Global: true, CreatedBy: "admin@x"})
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := s.CreateBookmark(ctx, Bookmark{Type: "group_chat", Name: "M", Value: "r@c.x", Users: []string{"alice@x"}, Properties: map[string]string{"autojoin": "true"}, CreatedBy: "alice@x"})
	group, _ := s.CreateBookmark(ctx, Bookmark{Type: "url", Name: "Grp", Value: "https://grp.example", Groups: []string{"devs"}, CreatedBy: "admin@x"})
	ids := func(bs []Bookmark) (out []int64) {
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	if bs, _ := s.BookmarksFor(ctx, "alice@x", nil); len(bs) != 2 || bs[0].ID != global || bs[1].ID != mine || bs[1].Properties["autojoin"] != "true" {
		t.Fatalf("alice: %v", ids(bs))
	}
	if bs, _ := s.BookmarksFor(ctx, "bob@x", []string{"devs"}); len(bs) != 2 || bs[1].ID != group {
		t.Fatalf("bob: %v", ids(bs))
	}
	v := "blue"
	if err := s.SetBookmarkProperty(ctx, mine, "color", &v); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBookmarkProperty(ctx, mine, "nothing", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete a missing property: %v", err)
	}
	b, _ := s.Bookmark(ctx, mine)
	if b.Properties["color"] != "blue" || len(b.Users) != 1 {
		t.Fatalf("%+v", b)
	}
	b.Users, b.Global = nil, true
	if err := s.UpdateBookmark(ctx, b); err != nil {
		t.Fatal(err)
	}
	if bs, _ := s.BookmarksFor(ctx, "carol@x", nil); len(bs) != 2 {
		t.Fatalf("carol after the update: %v", ids(bs))
	}
	if err := s.DeleteBookmark(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bookmark(ctx, mine); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted bookmark: %v", err)
	}
}

func TestPushSubscriptions(t *testing.T) {
	ctx := context.Background()
	s := openGroupsTest(t)
	k, err := s.PutVAPIDKeyOnce(ctx, VAPIDKey{PublicKey: "pub1", PrivateKeySealed: []byte{1}})
	if err != nil || k.PublicKey != "pub1" {
		t.Fatal(k, err)
	}
	if k, _ := s.PutVAPIDKeyOnce(ctx, VAPIDKey{PublicKey: "pub2", PrivateKeySealed: []byte{2}}); k.PublicKey != "pub1" {
		t.Fatalf("the key was replaced: %+v", k)
	}
	s.PutPushSubscription(ctx, PushSubscription{JID: "alice@a.example", Resource: "laptop", Endpoint: "https://p/1", P256dh: "k", Auth: "a"})
	s.PutPushSubscription(ctx, PushSubscription{JID: "alice@a.example", Resource: "laptop", Endpoint: "https://p/2", P256dh: "k", Auth: "a"})
	s.PutPushSubscription(ctx, PushSubscription{JID: "bob@b.example", Resource: "phone", Endpoint: "https://p/3", P256dh: "k", Auth: "a"})
	subs, _ := s.PushSubscriptions(ctx, "alice@a.example")
	if len(subs) != 1 || subs[0].Endpoint != "https://p/2" {
		t.Fatalf("%+v", subs)
	}
	if users, _ := s.PushSubscribers(ctx, "a.example"); len(users) != 1 || users[0] != "alice@a.example" {
		t.Fatalf("subscribers of a.example: %v", users)
	}
	// A stale endpoint does not delete the newer subscription.
	s.DeletePushSubscription(ctx, "alice@a.example", "laptop", "https://p/1")
	if subs, _ := s.PushSubscriptions(ctx, "alice@a.example"); len(subs) != 1 {
		t.Fatal("deleted by a stale endpoint")
	}
	s.DeletePushSubscription(ctx, "alice@a.example", "laptop", "https://p/2")
	if subs, _ := s.PushSubscriptions(ctx, "alice@a.example"); len(subs) != 0 {
		t.Fatal("not deleted")
	}
}
