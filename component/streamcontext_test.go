package component

import (
	"context"
	"testing"
	"time"
)

// The context handed to mellium follows the caller and the link while a
// send is under way, and no longer once it is released: a caller cancelling
// right after a successful IQ must not reach mellium's deadline watcher.
func TestStreamContext(t *testing.T) {
	l := New(Config{Timeout: time.Minute})
	linkCtx, dropLink := context.WithCancel(context.Background())
	defer dropLink()
	c := &conn{ctx: linkCtx}

	caller, cancelCaller := context.WithCancel(context.Background())
	sctx, release := l.streamContext(caller, c)
	cancelCaller()
	select {
	case <-sctx.Done():
	case <-time.After(time.Second):
		t.Fatal("cancelling the caller during a send did not end the send's context")
	}
	release()

	caller, cancelCaller = context.WithCancel(context.Background())
	sctx, release = l.streamContext(caller, c)
	release()
	cancelCaller()
	if sctx.Err() != nil {
		t.Fatal("cancelling the caller after release reached the send's context at once")
	}
	select {
	case <-sctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a released send context is never cancelled (leak)")
	}

	sctx, release = l.streamContext(context.Background(), c)
	defer release()
	dropLink()
	select {
	case <-sctx.Done():
	case <-time.After(time.Second):
		t.Fatal("the link dropping did not end the send's context")
	}

	deadline, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	sctx, release = l.streamContext(deadline, &conn{ctx: context.Background()})
	defer release()
	if dl, ok := sctx.Deadline(); !ok || time.Until(dl) > time.Second {
		t.Fatalf("the caller's earlier deadline was not kept: %v %v", dl, ok)
	}
}
