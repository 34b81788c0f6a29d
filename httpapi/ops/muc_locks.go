package ops

import (
	"context"
	"sync"

	"mellium.im/xmpp/jid"

	"xmpprest/component/fault"
)

// roomLocks serializes the changes this instance makes to each room. A
// room's lock exists only while someone holds it or waits for it, so the
// set does not grow with every room ever changed and a destroyed room
// leaves nothing behind; a waiter gives up when its context ends.
type roomLocks struct {
	mu    sync.Mutex
	rooms map[string]*roomLock
}

type roomLock struct {
	token chan struct{} // holds one value while the lock is held
	users int           // holders and waiters
}

// lock waits for room's lock until ctx ends (a fault.Timeout) and returns
// the function that releases it.
func (l *roomLocks) lock(ctx context.Context, room string) (func(), error) {
	l.mu.Lock()
	if l.rooms == nil {
		l.rooms = map[string]*roomLock{}
	}
	rl := l.rooms[room]
	if rl == nil {
		rl = &roomLock{token: make(chan struct{}, 1)}
		l.rooms[room] = rl
	}
	rl.users++
	l.mu.Unlock()

	select {
	case rl.token <- struct{}{}:
		return func() { <-rl.token; l.done(room, rl) }, nil
	case <-ctx.Done():
		l.done(room, rl)
		return nil, fault.Wrap(fault.Timeout, ctx.Err(), "another change of chat room %s was still under way when the request's time ran out; nothing was changed", room)
	}
}

// done drops a user of rl, and rl itself when it was the last.
func (l *roomLocks) done(room string, rl *roomLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if rl.users--; rl.users == 0 {
		delete(l.rooms, room)
	}
}

// held is the number of rooms with a holder or waiter (for tests).
func (l *roomLocks) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.rooms)
}

// lockRoom serializes the changes of one room made by this instance.
func (s *Service) lockRoom(ctx context.Context, room jid.JID) (func(), error) {
	return s.roomLocks.lock(ctx, room.String())
}
