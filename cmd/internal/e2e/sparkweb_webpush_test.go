package e2e

import (
	"github.com/prometheus/client_golang/prometheus/testutil"

	"context"
	"net/http"
	"strings"
	"testing"
	"time"
	"xmpprest/component/metrics"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/c2s/c2stest"
	"xmpprest/component/xmppserver"
)

// TestSparkWebPush: browsers' push subscriptions, notifications and texts
// pushed through a local push service that checks the VAPID JWT and
// decrypts each payload (RFC 8291); a subscription whose service answers
// 410 is deleted, a failing service is retried until it accepts, a chat
// message received with no event stream open is pushed, and a reply
// action sends a chat message to the other, real c2s client.
func TestSparkWebPush(t *testing.T) {
	kinds(t, func(t *testing.T, kind xmppserver.Kind) {
		push := newPushService(t)
		e := startSparkWeb(t, kind, func(c *config.Config) {
			c.SparkWeb.PreviewAllow = []string{"127.0.0.1/32"}
			c.SparkWeb.WebPushRetry.Duration = 50 * time.Millisecond
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		e.account("alice", "alice-pw")
		bob := e.account("bob", "bob-pw")
		tokA := e.signIn("alice", "alice-pw")
		tokB := e.signIn("bob", "bob-pw")

		var key struct{ PublicKey string }
		e.swJSON("GET", "/webpush/vapidkey", tokA, "", &key)
		if len(key.PublicKey) < 80 {
			t.Fatalf("VAPID key %q", key.PublicKey)
		}
		push.vapid = key.PublicKey
		// The key is kept: the same after a restart of the API (another
		// token asks the same store).
		var again struct{ PublicKey string }
		e.swJSON("GET", "/webpush/vapidkey", tokB, "", &again)
		if again.PublicKey != key.PublicKey {
			t.Fatal("the VAPID key changed")
		}

		for _, res := range []string{"good", "gone", "flaky"} {
			e.swJSON("PUT", "/webpush/subscribe/"+res, tokA, push.subscription(res), nil)
		}
		e.wantStatus(http.StatusBadRequest, "PUT", "/webpush/subscribe/x", tokA, `{"endpoint": "ftp://push.example/", "keys": {"p256dh": "x", "auth": "y"}}`)
		e.wantStatus(http.StatusBadRequest, "PUT", "/webpush/subscribe/x", tokA, strings.Replace(push.subscription("x"), `"auth":"`, `"auth":"AA`, 1))
		var subs struct{ Users []struct{ Username string } }
		e.swJSON("GET", "/webpush/subscribers", tokB, "", &subs)
		if len(subs.Users) != 1 || subs.Users[0].Username != "alice" {
			t.Fatalf("subscribers %+v", subs)
		}

		// A text from bob reaches every subscription of alice; the gone one
		// is deleted, the flaky one gets it on the third try. The metrics
		// count each delivery by outcome.
		delivered := func(outcome string) float64 {
			return testutil.ToFloat64(metrics.PushDeliveries.WithLabelValues(outcome))
		}
		okBefore, goneBefore := delivered("ok"), delivered("gone")
		e.swJSON("POST", "/webpush/message/alice", tokB, "tea at five?", nil)
		if got := push.wait("good", "tea at five?"); !strings.Contains(got, bob.String()) {
			t.Fatalf("pushed text %s does not say who from", got)
		}
		push.wait("flaky", "tea at five?")
		if n := push.hitCount("flaky"); n != 3 {
			t.Fatalf("flaky endpoint tried %d times, want 3", n)
		}
		eventually(t, 5*time.Second, "gone subscription tried once", func() bool { return push.hitCount("gone") == 1 })
		eventually(t, 5*time.Second, "deliveries counted in the metrics", func() bool {
			return delivered("ok")-okBefore >= 2 && delivered("gone")-goneBefore >= 1
		})
		e.swJSON("POST", "/webpush/notify/alice", tokB, `{"subject": "Reminder", "body": "the meeting", "actions": [{"action": "reply", "title": "Reply"}]}`, nil)
		push.wait("good", `"subject":"Reminder"`)
		push.wait("flaky", `"subject":"Reminder"`)
		if n := push.hitCount("gone"); n != 1 {
			t.Fatalf("the subscription answered 410 is still pushed to (%d pushes)", n)
		}
		e.wantStatus(http.StatusNotFound, "POST", "/webpush/message/carol", tokA, "hi")
		e.wantStatus(http.StatusForbidden, "POST", "/webpush/message/someone@elsewhere.example", tokA, "hi")
		e.wantStatus(http.StatusBadRequest, "POST", "/webpush/message/alice", tokB, "")

		// A chat message alice receives with no event stream open is pushed.
		b, err := c2stest.Login(ctx, e.c2sOpts(), bob, "bob-pw", "phone")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.SendPresence(ctx)
		if err := b.SendMessage(ctx, e.user("alice"), "are you there?"); err != nil {
			t.Fatal(err)
		}
		got := push.wait("good", "are you there?")
		if !strings.Contains(got, `"action":"reply"`) {
			t.Fatalf("pushed chat %s offers no reply", got)
		}

		// Replying from the notification sends a chat message.
		e.swJSON("POST", "/webpush/action", tokA, `{"action": "reply", "data": "`+bob.String()+`", "value": "yes, here"}`, nil)
		if _, err := b.WaitMessage(ctx, func(m c2stest.Message) bool { return m.Body == "yes, here" }); err != nil {
			t.Fatal(err)
		}
		e.wantStatus(http.StatusBadRequest, "POST", "/webpush/action", tokA, `{"action": "launch-missiles"}`)
	})
}
