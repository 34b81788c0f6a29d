// Package metrics holds every Prometheus metric family of xmpprest, in one
// registry served at /metrics. It depends on nothing else in the project, so
// each layer (the component link, the ad-hoc client, the HTTP router, user
// sessions, event streams, web push) records its own figures here.
//
// The families are process-wide: a process runs one xmpprest.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every family below plus the Go runtime and process ones.
var Registry = prometheus.NewRegistry()

// latencyBuckets suit calls that cross the XMPP server: 1 ms to 10 s.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// The families.
var (
	// HTTPRequests counts requests by route template, method and status.
	HTTPRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "xmpprest_http_requests_total",
		Help: "HTTP requests served, by route template, method and status code.",
	}, []string{"route", "method", "status"})
	// HTTPDuration is how long requests took, by route template and method.
	HTTPDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "xmpprest_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request (event streams excepted), by route template and method.",
		Buckets: latencyBuckets,
	}, []string{"route", "method"})

	// LinkUp is 1 while the component is attached to the XMPP server.
	LinkUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "xmpprest_xmpp_link_up",
		Help: "1 while the component link to the XMPP server is up and its capabilities known, 0 otherwise.",
	}, []string{"component"})
	// LinkConnects counts completed handshakes, the first one included.
	LinkConnects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "xmpprest_xmpp_link_connects_total",
		Help: "Component handshakes completed with the XMPP server (the first one and every reconnection).",
	}, []string{"component"})
	// LinkReconnects counts reconnection attempts after the link went
	// down, by outcome (ok or failed).
	LinkReconnects = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "xmpprest_xmpp_link_reconnects_total",
		Help: "Reconnection attempts after the component link went down, by outcome (ok, failed).",
	}, []string{"component", "outcome"})

	// IQs counts IQ round trips by payload kind and outcome.
	IQs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "xmpprest_xmpp_iq_total",
		Help: "IQ round trips with the XMPP server, by payload kind (its namespace) and outcome (result, a stanza error condition, timeout, unavailable).",
	}, []string{"kind", "outcome"})
	// IQDuration is the time of an IQ round trip by payload kind.
	IQDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "xmpprest_xmpp_iq_duration_seconds",
		Help:    "Time of an IQ round trip with the XMPP server, by payload kind.",
		Buckets: latencyBuckets,
	}, []string{"kind"})

	// AdhocDuration is the time of an ad-hoc command run, all its round
	// trips together, by the host that ran it, command and outcome.
	AdhocDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "xmpprest_adhoc_command_duration_seconds",
		Help:    "Time of an XEP-0050 ad-hoc command run (every round trip), by the server host that ran it, command node name and outcome.",
		Buckets: latencyBuckets,
	}, []string{"server", "command", "outcome"})

	// UserSessions is the number of open c2s sessions of signed-in users.
	UserSessions = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "xmpprest_user_sessions_open",
		Help: "Open XMPP client sessions held for signed-in users.",
	})
	// UserSessionsOpened counts user sessions opened.
	UserSessionsOpened = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "xmpprest_user_sessions_opened_total",
		Help: "XMPP client sessions opened for signed-in users.",
	})
	// SSEStreams is the number of open Server-Sent Event streams.
	SSEStreams = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "xmpprest_sse_streams_open",
		Help: "Open Server-Sent Events streams.",
	})
	// SSEStreamsOpened counts event streams opened.
	SSEStreamsOpened = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "xmpprest_sse_streams_opened_total",
		Help: "Server-Sent Events streams opened.",
	})
	// PushDeliveries counts web push deliveries by outcome (ok, gone,
	// failed).
	PushDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "xmpprest_push_deliveries_total",
		Help: "Web push deliveries, by outcome (ok, gone: the subscription expired, failed).",
	}, []string{"outcome"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		HTTPRequests, HTTPDuration,
		LinkUp, LinkConnects, LinkReconnects,
		IQs, IQDuration, AdhocDuration,
		UserSessions, UserSessionsOpened, SSEStreams, SSEStreamsOpened, PushDeliveries,
	)
	// Scrapable at zero before the first delivery.
	for _, outcome := range []string{"ok", "gone", "failed"} {
		PushDeliveries.WithLabelValues(outcome)
	}
}

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

// ObserveIQ records one IQ round trip that started at start.
func ObserveIQ(kind, outcome string, start time.Time) {
	IQs.WithLabelValues(kind, outcome).Inc()
	IQDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

// ObserveCommand records one ad-hoc command run that started at start.
func ObserveCommand(server, command, outcome string, start time.Time) {
	AdhocDuration.WithLabelValues(server, command, outcome).Observe(time.Since(start).Seconds())
}

// SessionOpened records a user session opening; call the returned func
// when it closes.
func SessionOpened() (closed func()) {
	UserSessionsOpened.Inc()
	UserSessions.Inc()
	return UserSessions.Dec
}

// StreamOpened records an event stream opening; call the returned func
// when it closes.
func StreamOpened() (closed func()) {
	SSEStreamsOpened.Inc()
	SSEStreams.Inc()
	return SSEStreams.Dec
}
