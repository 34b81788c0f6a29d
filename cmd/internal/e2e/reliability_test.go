package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xmpprest/component/xmppserver"
)

// outcome is one answered (or unanswered) request of a load run.
type outcome struct {
	op, user   string // "create", "delete", "get"
	status     int    // 0: no answer (the client gave up or the connection broke)
	retryAfter bool
	maybe      bool // the answer says the change may have been applied
	err        error
}

// loadClient makes Openfire calls with the shared secret and a client
// timeout: a request still unanswered by then counts as hung.
type loadClient struct {
	base   string
	client *http.Client
}

func (c loadClient) call(method, path, body string) outcome {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header.Set("Authorization", apiSecret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return outcome{err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return outcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After") != "",
		maybe: strings.Contains(string(b), "may have been applied")}
}

// Eight clients create, delete, read and list accounts while the XMPP server is
// stopped and started again. Every request is answered within its timeout;
// while the server is down the answers are 503 with Retry-After; afterwards
// every account whose create was acknowledged exists, every one whose
// delete was acknowledged does not, and no answer said "not done" (a 4xx or
// a 5xx other than the 504 "may have been applied") for a change that was
// done.
func TestRestartUnderLoad(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		e := start(t, kind)
		c := loadClient{base: e.URL + "/plugins/restapi/v1", client: &http.Client{Timeout: 45 * time.Second}}
		const workers, maxPerWorker = 8, 1000
		var (
			mu       sync.Mutex
			outcomes []outcome
			answered atomic.Int64
			down503  atomic.Int64
			stop     atomic.Bool
			wg       sync.WaitGroup
		)
		record := func(o outcome) {
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
			answered.Add(1)
			if o.status == http.StatusServiceUnavailable {
				down503.Add(1)
				// Pace the clients while the server is away (a client
				// honouring Retry-After would wait longer still), so the
				// run stays bounded on a small machine.
				time.Sleep(50 * time.Millisecond)
			}
		}
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				var created []string
				for i := 0; i < maxPerWorker && !stop.Load(); i++ {
					user := fmt.Sprintf("load%d-%d", w, i)
					o := c.call(http.MethodPost, "/users", fmt.Sprintf(`{"username":%q,"password":"pw-%d"}`, user, i))
					o.op, o.user = "create", user
					record(o)
					if o.status == http.StatusCreated {
						created = append(created, user)
					}
					if i%3 == 2 && len(created) > 0 {
						victim := created[0]
						created = created[1:]
						o := c.call(http.MethodDelete, "/users/"+victim, "")
						o.op, o.user = "delete", victim
						record(o)
					}
					o = c.call(http.MethodGet, "/users/"+user, "")
					o.op, o.user = "get", user
					record(o)
					if i%4 == 3 {
						o = c.call(http.MethodGet, "/users", "")
						o.op = "list"
						record(o)
					}
				}
			}(w)
		}
		waitFor := func(what string, within time.Duration, cond func() bool) {
			deadline := time.Now().Add(within)
			for !cond() {
				if time.Now().After(deadline) {
					stop.Store(true)
					wg.Wait()
					t.Fatalf("%s: not within %s", what, within)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		waitFor("load before the stop", 60*time.Second, func() bool { return answered.Load() >= 150 })
		if err := e.Server.Stop(); err != nil {
			t.Fatal(err)
		}
		waitFor("503s while the server is down", 30*time.Second, func() bool { return down503.Load() >= 40 })
		rctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := e.Server.Restart(rctx); err != nil {
			t.Fatal(err)
		}
		if err := e.D.Link.WaitUp(rctx); err != nil {
			t.Fatal("xmpprest did not reattach after the restart:", err)
		}
		after := answered.Load()
		waitFor("load after the restart", 60*time.Second, func() bool { return answered.Load() >= after+300 })
		stop.Store(true)
		wg.Wait()

		// Judge every answer against the server's state.
		ctx, cancel2 := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel2()
		exists := func(user string) bool {
			ok, err := e.D.Ops.Adhoc.UserExists(ctx, e.user(user))
			if err != nil {
				t.Fatalf("does %s exist: %v", user, err)
			}
			return ok
		}
		finalCreate, finalDelete := map[string]outcome{}, map[string]outcome{}
		var hung, unavailable, missingRetryAfter, maybe, ackCreates, ackDeletes, lost, saidNotDone int
		for _, o := range outcomes {
			switch {
			case o.status == 0:
				hung++
				t.Errorf("%s %s: no answer: %v", o.op, o.user, o.err)
				continue
			case o.status == http.StatusServiceUnavailable:
				unavailable++
				if !o.retryAfter {
					missingRetryAfter++
				}
			}
			if o.maybe {
				maybe++
			}
			switch o.op {
			case "create":
				finalCreate[o.user] = o
			case "delete":
				finalDelete[o.user] = o
			}
		}
		for user, o := range finalCreate {
			deleted, wasDeleted := finalDelete[user]
			switch {
			case o.status == http.StatusCreated && !wasDeleted:
				ackCreates++
				if !exists(user) {
					lost++
					t.Errorf("create of %s was acknowledged, but the account does not exist", user)
				}
			case o.status != http.StatusCreated && o.status != http.StatusGatewayTimeout && o.status != 0:
				if exists(user) {
					saidNotDone++
					t.Errorf("create of %s answered %d (not done), but the account exists", user, o.status)
				}
			}
			if wasDeleted {
				switch {
				case deleted.status/100 == 2:
					ackDeletes++
					if exists(user) {
						lost++
						t.Errorf("delete of %s was acknowledged, but the account exists", user)
					}
				case deleted.status != http.StatusGatewayTimeout && deleted.status != 0:
					if !exists(user) {
						saidNotDone++
						t.Errorf("delete of %s answered %d (not done), but the account is gone", user, deleted.status)
					}
				}
			}
		}
		if missingRetryAfter > 0 {
			t.Errorf("%d of %d answers 503 had no Retry-After", missingRetryAfter, unavailable)
		}
		if unavailable == 0 {
			t.Error("no request was answered 503 while the server was down")
		}
		t.Logf("RELIABILITY restart-under-load server=%s requests=%d hung=%d answered_503=%d 503_without_retry_after=%d "+
			"may_have_been_applied=%d acknowledged_creates=%d acknowledged_deletes=%d acknowledged_lost=%d said_not_done_but_done=%d",
			kind, len(outcomes), hung, unavailable, missingRetryAfter, maybe, ackCreates, ackDeletes, lost, saidNotDone)
	})
}
