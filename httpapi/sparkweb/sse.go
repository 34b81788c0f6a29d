package sparkweb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"xmpprest/component/fault"
	"xmpprest/component/metrics"
	"xmpprest/component/usersession"
	"xmpprest/httpapi/userops"
)

// writeTimeout bounds one write to an event stream: a client that stops
// reading is dropped.
const writeTimeout = 10 * time.Second

// events serves the user's events as Server-Sent Events: the events kept
// after Last-Event-ID first, then new ones as they come, with a comment
// every heartbeat period. The stream ends when the session ends, the token
// signs out, or the client falls too far behind (it then reconnects with
// Last-Event-ID).
func (a *api) events(w http.ResponseWriter, r *http.Request) error {
	c := caller(r)
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fault.New(fault.BadRequest, "Last-Event-ID %q is not an event id", v)
		}
		after = n
	}
	sub, replay, complete := c.Session.Hub().Subscribe(after)
	if sub == nil {
		return fault.New(fault.Unavailable, "the XMPP session has just ended: sign in again")
	}
	defer sub.Close()
	closeStream := c.Session.OpenStream()
	defer closeStream()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	end := a.addStream(c, cancel)
	defer end()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	defer metrics.StreamOpened()()
	send := func(s string) bool {
		rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := fmt.Fprint(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	head := "retry: 2000\n: connected\n\n"
	if !complete {
		head += ": some events after " + strconv.FormatUint(after, 10) + " are no longer kept\n\n"
	}
	for _, ev := range replay {
		head += formatEvent(ev)
	}
	if !send(head) {
		return nil
	}
	tick := time.NewTicker(a.heartbeat)
	defer tick.Stop()
	for {
		select {
		case ev, open := <-sub.Events():
			if !open {
				return nil
			}
			if !send(formatEvent(ev)) {
				return nil
			}
		case <-tick.C:
			if !send(": heartbeat\n\n") {
				return nil
			}
		case <-ctx.Done():
			return nil
		case <-c.Session.Done():
			return nil
		}
	}
}

func formatEvent(ev usersession.Event) string {
	return "id: " + strconv.FormatUint(ev.ID, 10) + "\nevent: " + ev.Name + "\ndata: " + string(ev.Data) + "\n\n"
}

// addStream records an open stream of the caller's token; the returned
// function forgets it.
func (a *api) addStream(c userops.Caller, cancel context.CancelFunc) func() {
	e := &streamEnd{cancel: cancel}
	a.mu.Lock()
	if a.streams[c.TokenID] == nil {
		a.streams[c.TokenID] = map[*streamEnd]struct{}{}
	}
	a.streams[c.TokenID][e] = struct{}{}
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		delete(a.streams[c.TokenID], e)
		if len(a.streams[c.TokenID]) == 0 {
			delete(a.streams, c.TokenID)
		}
		a.mu.Unlock()
	}
}

// endStreams ends the open streams of a token.
func (a *api) endStreams(tokenID int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for e := range a.streams[tokenID] {
		e.cancel()
	}
}
