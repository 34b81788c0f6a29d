package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"xmpprest/component/metrics"
	"xmpprest/component/xmppserver"
)

// scrapeMetrics reads /metrics with the given Authorization header and
// returns the status and the parsed families.
func (e *env) scrapeMetrics(authorization string) (int, map[string]*dto.MetricFamily) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/metrics", nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		e.t.Fatalf("parse /metrics: %v", err)
	}
	return resp.StatusCode, families
}

// familyTotal adds up a family's samples: counter and gauge values,
// histogram sample counts.
func familyTotal(f *dto.MetricFamily) float64 {
	var sum float64
	for _, m := range f.GetMetric() {
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

// hasSample reports whether f has a sample whose labels include want.
func hasSample(f *dto.MetricFamily, want map[string]string) bool {
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			ok = ok && got[k] == v
		}
		if ok {
			return true
		}
	}
	return false
}

// TestMetricsAfterTraffic drives users, rooms and a server restart through
// xmpprest on Prosody, then scrapes /metrics and checks that every family
// the run exercised has non-zero figures, with route templates (never raw
// user names) as labels.
func TestMetricsAfterTraffic(t *testing.T) {
	e := startSparkWeb(t, xmppserver.Prosody)

	if status, _ := e.scrapeMetrics(""); status != http.StatusUnauthorized {
		t.Fatalf("/metrics without credentials: status %d, want 401 (metrics.access defaults to admin)", status)
	}
	if status, _ := e.scrapeMetrics("Bearer wrong"); status != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong bearer: status %d, want 401", status)
	}

	status, body := e.of(http.MethodPost, "/users", fmtJSON, `{"username":"metricsuser","password":"s3cret-pw"}`)
	wantStatus(t, "create user", status, body, http.StatusCreated)
	status, body = e.of(http.MethodGet, "/users/metricsuser", fmtJSON, "")
	wantStatus(t, "get user", status, body, http.StatusOK)
	status, body = e.of(http.MethodPost, "/chatrooms", fmtJSON, `{"roomName":"metricsroom","naturalName":"Metrics","description":"d"}`)
	wantStatus(t, "create room", status, body, http.StatusCreated)

	// A signed-in SparkWeb user holds a session; an event stream opens
	// and closes.
	e.account("metricsweb", "web-pw")
	token := e.signIn("metricsweb", "web-pw")
	stream := e.openEvents(token, "")
	stream.wait("heartbeat", nil)
	stream.cancel()
	stream.waitEnd()

	// A restart of the server makes the link reconnect (it may be back
	// before Restart returns, so the handshakes are counted, not the
	// link's state awaited).
	connects := metrics.LinkConnects.WithLabelValues(e.Server.ComponentJID)
	before := testutil.ToFloat64(connects)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Server.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the link reconnected after the restart", func() bool {
		return testutil.ToFloat64(connects) > before && e.D.Link.Up()
	})
	status, body = e.of(http.MethodDelete, "/users/metricsuser", fmtJSON, "")
	wantStatus(t, "delete user", status, body, http.StatusOK)

	status, families := e.scrapeMetrics("Bearer " + apiSecret)
	if status != http.StatusOK {
		t.Fatalf("/metrics with the bearer secret: status %d", status)
	}
	var report []string
	for name, f := range families {
		if strings.HasPrefix(name, "xmpprest_") {
			report = append(report, fmt.Sprintf("%s %g", name, familyTotal(f)))
		}
	}
	sort.Strings(report)
	t.Logf("xmpprest families after the run:\n%s", strings.Join(report, "\n"))

	exercised := []string{
		"xmpprest_http_requests_total", "xmpprest_http_request_duration_seconds",
		"xmpprest_xmpp_link_up", "xmpprest_xmpp_link_connects_total", "xmpprest_xmpp_link_reconnects_total",
		"xmpprest_xmpp_iq_total", "xmpprest_xmpp_iq_duration_seconds",
		"xmpprest_adhoc_command_duration_seconds",
		"xmpprest_user_sessions_opened_total", "xmpprest_sse_streams_opened_total",
	}
	for _, name := range exercised {
		f, ok := families[name]
		if !ok {
			t.Errorf("family %s missing from /metrics", name)
			continue
		}
		if familyTotal(f) == 0 {
			t.Errorf("family %s is zero after the run", name)
		}
	}
	// The gauges of open sessions and streams are there from the start.
	for _, name := range []string{"xmpprest_user_sessions_open", "xmpprest_sse_streams_open"} {
		if _, ok := families[name]; !ok {
			t.Errorf("family %s missing from /metrics", name)
		}
	}
	checks := []struct {
		family string
		labels map[string]string
	}{
		{"xmpprest_http_requests_total", map[string]string{"route": "/plugins/restapi/v1/users/{username}", "method": "GET", "status": "200"}},
		{"xmpprest_http_requests_total", map[string]string{"route": "/plugins/restapi/v1/users", "method": "POST", "status": "201"}},
		{"xmpprest_xmpp_link_up", map[string]string{"component": e.Server.ComponentJID}},
		{"xmpprest_xmpp_link_reconnects_total", map[string]string{"component": e.Server.ComponentJID, "outcome": "ok"}},
		{"xmpprest_xmpp_iq_total", map[string]string{"kind": "http://jabber.org/protocol/commands", "outcome": "result"}},
		{"xmpprest_adhoc_command_duration_seconds", map[string]string{"server": e.Server.Hosts[0], "command": "add-user", "outcome": "completed"}},
	}
	for _, c := range checks {
		if f := families[c.family]; f == nil || !hasSample(f, c.labels) {
			t.Errorf("%s has no sample labelled %v", c.family, c.labels)
		}
	}
	for _, m := range families["xmpprest_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if strings.Contains(l.GetValue(), "metricsuser") {
				t.Errorf("a label holds a user name: %s=%s", l.GetName(), l.GetValue())
			}
		}
	}
}
