package usersession

import (
	"fmt"
	"testing"
)

func TestHubReplayAndFanOut(t *testing.T) {
	h := NewHub(3)
	a, replay, _ := h.Subscribe(0)
	if len(replay) != 0 {
		t.Fatalf("a new stream replays %d events, want 0", len(replay))
	}
	var ids []uint64
	for i := 0; i < 5; i++ {
		ids = append(ids, h.Publish(EventChat, []byte(fmt.Sprint(i))).ID)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[i-1]+1 {
			t.Fatalf("ids %v do not increase by one", ids)
		}
	}
	for i := 0; i < 5; i++ {
		if ev := <-a.Events(); ev.ID != ids[i] {
			t.Fatalf("event %d: id %d, want %d", i, ev.ID, ids[i])
		}
	}

	// Resuming after the third event replays the fourth and fifth.
	b, replay, complete := h.Subscribe(ids[2])
	if len(replay) != 2 || replay[0].ID != ids[3] || replay[1].ID != ids[4] || !complete {
		t.Fatalf("resume after %d: replay %v complete %v, want ids %d,%d complete", ids[2], replay, complete, ids[3], ids[4])
	}
	// Resuming after the first: the second is no longer kept (buffer of 3).
	c, replay, complete := h.Subscribe(ids[0])
	if len(replay) != 3 || complete {
		t.Fatalf("resume after a dropped event: %d replayed, complete %v; want 3, incomplete", len(replay), complete)
	}
	// Up to date: nothing to replay, complete.
	d, replay, complete := h.Subscribe(ids[4])
	if len(replay) != 0 || !complete {
		t.Fatalf("resume when up to date: %d replayed, complete %v", len(replay), complete)
	}
	if n := h.Subscribers(); n != 4 {
		t.Fatalf("%d subscribers, want 4", n)
	}
	b.Close()
	b.Close() // twice is fine
	if _, ok := <-b.Events(); ok {
		t.Fatal("closed subscription still delivers")
	}
	h.Close()
	for _, s := range []*Subscription{a, c, d} {
		if _, ok := <-s.Events(); ok {
			t.Fatal("subscription open after the hub closed")
		}
	}
	if s, _, _ := h.Subscribe(0); s != nil {
		t.Fatal("subscribed to a closed hub")
	}
}

func TestHubDropsSlowSubscriber(t *testing.T) {
	h := NewHub(10)
	slow, _, _ := h.Subscribe(0)
	for i := 0; i <= subscriberBuffer; i++ {
		h.Publish(EventXMPP, nil)
	}
	n := 0
	for range slow.Events() {
		n++
	}
	if n != subscriberBuffer || !slow.Lagged() {
		t.Fatalf("slow subscriber got %d events (lagged %v), want %d and lagged", n, slow.Lagged(), subscriberBuffer)
	}
	if h.Subscribers() != 0 {
		t.Fatal("the slow subscriber is still registered")
	}
}
