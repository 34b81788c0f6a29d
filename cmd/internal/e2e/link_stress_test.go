package e2e

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// Many concurrent IQs, each from a context canceled as soon as its reply is
// in (as an HTTP request's is): none may fail. mellium reacts to a canceled
// context by setting a write deadline in the past, which used to poison the
// stream for every other writer until the link reconnected. The race is
// rare (tens of thousands of IQs under load), so this bounded run guards
// against the whole class of failure rather than reproducing it each time.
func TestConcurrentIQsWithShortLivedContexts(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		const workers, maxPings = 32, 20000
		deadline := time.Now().Add(4 * time.Second)
		var sent, failed atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) && sent.Add(1) <= maxPings {
					ctx, cancel := context.WithCancel(context.Background())
					err := e.D.Link.Ping(ctx, e.D.Link.DefaultHost())
					cancel()
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("%s: %d pings, %d failed", kind, min(sent.Load(), maxPings), failed.Load())
		if failed.Load() > 0 {
			t.Fatalf("%d of the pings failed; first: %v", failed.Load(), firstErr.Load())
		}
	})
}
