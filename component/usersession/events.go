package usersession

import (
	"sync"
	"time"
)

// The event names of a user's stream (SparkWeb's chat API).
const (
	EventChat     = "chatapi.chat"     // a one-to-one chat message
	EventPresence = "chatapi.presence" // a presence broadcast or subscription request
	EventMUC      = "chatapi.muc"      // a groupchat message or a room invitation
	EventXMPP     = "chatapi.xmpp"     // every stanza received, raw (base64 XML)
	EventPubSub   = "chatapi.pubsub"   // an item published or retracted on a node the user follows
)

// Event is one item of a user's event stream.
type Event struct {
	// ID increases by one per event of the user; IDs of a hub start at the
	// time it was made (in microseconds), so IDs stay increasing when a
	// session ends and a new one begins.
	ID   uint64
	Name string
	// Data is the JSON payload.
	Data []byte
}

// subscriberBuffer is how many events a subscriber may fall behind before
// it is dropped (its channel closed); it then resumes from the replay
// buffer with the last ID it saw.
const subscriberBuffer = 64

// Hub fans a user's events out to every open stream and keeps the last
// ones for streams that reconnect (Last-Event-ID). It is safe for
// concurrent use.
type Hub struct {
	mu     sync.Mutex
	next   uint64
	ring   []Event // the last events (at most max), oldest at start
	max    int
	start  int
	count  int
	subs   map[*Subscription]struct{}
	closed bool
}

// NewHub returns a hub keeping the last replay events (at least 1).
func NewHub(replay int) *Hub {
	if replay < 1 {
		replay = 1
	}
	return &Hub{
		next: uint64(time.Now().UnixMicro()),
		max:  replay,
		subs: map[*Subscription]struct{}{},
	}
}

// Subscription is one open stream of a user's events.
type Subscription struct {
	hub *Hub
	c   chan Event
	// lost is true when the stream was dropped for falling behind.
	lost bool
}

// Events returns the channel of new events; it is closed when the hub is
// closed (the session ended), when the subscription is closed, or when the
// subscriber fell behind (see Lagged).
func (s *Subscription) Events() <-chan Event { return s.c }

// Lagged reports whether the channel was closed because the subscriber did
// not keep up.
func (s *Subscription) Lagged() bool {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.lost
}

// Close ends the subscription.
func (s *Subscription) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
	}
}

// Publish adds an event and delivers it to every subscriber. It never
// blocks: a subscriber whose buffer is full is dropped.
func (h *Hub) Publish(name string, data []byte) Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	ev := Event{ID: h.next, Name: name, Data: data}
	if h.closed {
		return ev
	}
	// The buffer grows as events come (an idle user costs nothing), up
	// to max, then wraps.
	if h.count < h.max {
		h.ring = append(h.ring, ev)
		h.count++
	} else {
		h.ring[h.start] = ev
		h.start = (h.start + 1) % h.max
	}
	for s := range h.subs {
		select {
		case s.c <- ev:
		default:
			s.lost = true
			delete(h.subs, s)
			close(s.c)
		}
	}
	return ev
}

// Subscribe opens a stream. When after is not 0, the kept events with a
// larger ID are returned to be sent first, and complete is false when some
// events after it are no longer kept. It returns nil when the hub is
// closed.
func (h *Hub) Subscribe(after uint64) (sub *Subscription, replay []Event, complete bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, false
	}
	complete = true
	if after != 0 {
		n := len(h.ring)
		for i := 0; i < h.count; i++ {
			ev := h.ring[(h.start+i)%n]
			if ev.ID > after {
				if len(replay) == 0 && ev.ID != after+1 {
					complete = false
				}
				replay = append(replay, ev)
			}
		}
		if len(replay) == 0 && after < h.next && after != 0 {
			complete = after >= h.next-uint64(h.count)
		}
	}
	sub = &Subscription{hub: h, c: make(chan Event, subscriberBuffer)}
	h.subs[sub] = struct{}{}
	return sub, replay, complete
}

// Subscribers returns the number of open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close ends every subscription; later subscriptions fail.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.c)
	}
}
