package admin

import (
	"log/slog"
	"sort"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"xmppd/engine"
	"xmppd/engine/component"
	"xmppd/engine/session"
	"xmppd/engine/tlspipe"
	"xmppd/storage/pebblestore"
)

// The collectors below read counters their owners already keep, at scrape
// time. Each Collect is a handful of atomic loads (the handshaker's takes
// its mutex once), so scraping costs the hot paths nothing.

// metricsHandler is promhttp over fasthttpadaptor: the text exposition
// format, gzipped when the scraper asks.
func (s *Server) metricsHandler() fasthttp.RequestHandler {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(s.log.Handler(), slog.LevelError),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
	}))
	return func(ctx *fasthttp.RequestCtx) {
		if allowMethods(ctx, fasthttp.MethodGet, fasthttp.MethodHead) {
			h(ctx)
		}
	}
}

func gauge(d *prometheus.Desc, v int64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
}

func counter(d *prometheus.Desc, v int64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

// listenerCollector exports engine.Listener counters.
type listenerCollector struct {
	names []string
	stats []*engine.Stats

	open, accepted, refused, slow, overflow, panics, timeouts, busy, route *prometheus.Desc
	bounds                                                                 []float64
}

// NewListenerCollector exports the counters of engine listeners, keyed by
// listener name ("c2s", "c2s_tls", "component"), which becomes the
// listener label:
//
//	xmppd_connections{listener}                      gauge: open now
//	xmppd_connections_accepted_total{listener}
//	xmppd_connections_refused_total{listener}        admission limits
//	xmppd_outbound_queue_closes_total{listener}      peer not reading: outbound cap exceeded
//	xmppd_inbound_overflow_closes_total{listener}    input over its cap while the session was busy
//	xmppd_connection_timeouts_total{listener}        authentication and keepalive timeouts
//	xmppd_connection_panics_total{listener}          recovered panics in stream handlers
//	xmppd_event_loop_busy_seconds_total{listener,loop}  time in gnet callbacks; rate() is utilisation
//	xmppd_routing_latency_seconds{listener}          histogram: arrival to the recipient's connection
//
// The routing latency of a stanza counts from the start of the event-loop
// callback that read it to the recipient's loop queueing it for writing,
// after the hop through the recipient's inbox; it is observed on the
// recipient's listener, for every stanza one user routes to another
// (xmppd_stanzas_total{direction="routed"}) whose recipient is a TCP
// client. It is not sampled: both stamps are the loops' callback start
// times, which the busy-time accounting reads anyway.
//
// Pass &listener.Stats.
func NewListenerCollector(listeners map[string]*engine.Stats) prometheus.Collector {
	c := &listenerCollector{}
	for name := range listeners {
		c.names = append(c.names, name)
	}
	sort.Strings(c.names)
	for _, name := range c.names {
		c.stats = append(c.stats, listeners[name])
	}
	for _, b := range engine.RouteLatencyBounds {
		c.bounds = append(c.bounds, b.Seconds())
	}
	l := []string{"listener"}
	c.open = prometheus.NewDesc("xmppd_connections", "Client connections open now, by listener.", l, nil)
	c.accepted = prometheus.NewDesc("xmppd_connections_accepted_total", "Client connections accepted.", l, nil)
	c.refused = prometheus.NewDesc("xmppd_connections_refused_total", "Client connections refused by the admission limits (total and per IP).", l, nil)
	c.slow = prometheus.NewDesc("xmppd_outbound_queue_closes_total", "Streams closed because the peer stopped reading and its outbound queue exceeded its cap.", l, nil)
	c.overflow = prometheus.NewDesc("xmppd_inbound_overflow_closes_total", "Streams closed for sending more than the paused-input cap while the server was busy with their request.", l, nil)
	c.timeouts = prometheus.NewDesc("xmppd_connection_timeouts_total", "Streams closed by the authentication or keepalive timeout.", l, nil)
	c.panics = prometheus.NewDesc("xmppd_connection_panics_total", "Panics recovered in stream handlers (each is a bug).", l, nil)
	c.busy = prometheus.NewDesc("xmppd_event_loop_busy_seconds_total",
		"Time each event loop spent in callbacks (reading, handling and writing streams, routed stanzas, worker results, timers); rate() is its utilisation.",
		[]string{"listener", "loop"}, nil)
	c.route = prometheus.NewDesc("xmppd_routing_latency_seconds",
		"Time from a routed stanza's arrival (start of the event-loop callback that read it) to its recipient's loop queueing it for writing, by the recipient's listener. Every routed stanza to a TCP client is observed (no sampling).",
		l, nil)
	return c
}

func (c *listenerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.accepted, c.refused, c.slow, c.overflow, c.timeouts, c.panics, c.busy, c.route} {
		ch <- d
	}
}

func (c *listenerCollector) Collect(ch chan<- prometheus.Metric) {
	for i, st := range c.stats {
		name := c.names[i]
		ch <- gauge(c.open, st.Open.Load(), name)
		ch <- counter(c.accepted, st.Accepted.Load(), name)
		ch <- counter(c.refused, st.Refused.Load(), name)
		ch <- counter(c.slow, st.SlowClosed.Load(), name)
		ch <- counter(c.overflow, st.PausedOverflow.Load(), name)
		ch <- counter(c.timeouts, st.Timeouts.Load(), name)
		ch <- counter(c.panics, st.Panics.Load(), name)
		for loop, busy := range st.LoopBusy() {
			ch <- prometheus.MustNewConstMetric(c.busy, prometheus.CounterValue, busy.Seconds(), name, strconv.Itoa(loop))
		}
		h := st.RouteLatency()
		buckets := make(map[float64]uint64, len(c.bounds))
		for j, b := range c.bounds {
			buckets[b] = h.Buckets[j]
		}
		ch <- prometheus.MustNewConstHistogram(c.route, h.Count, h.Sum.Seconds(), buckets, name)
	}
}

// sessionCollector exports session.Server counters.
type sessionCollector struct {
	st   *session.Stats
	comp *component.Stats

	sessions, streams, logins, failures, mechanisms, registrations, stanzas, streamErrors, workRefused, conflicts *prometheus.Desc
}

// NewSessionCollector exports the session server's counters, which cover
// every client transport that shares the session.Server (c2s, direct TLS,
// BOSH), and, when comp is not nil, the component listener's sessions:
//
//	xmppd_sessions{transport,state}                  gauge: sessions now
//	xmppd_streams_opened_total
//	xmppd_logins_total{result="success"|"failure"}   SASL outcomes
//	xmppd_login_failures_total{reason}               the failures by SASL condition, or rate-limited
//	xmppd_login_successes_total{mechanism}           the successes by mechanism
//	xmppd_registrations_total                        in-band (XEP-0077)
//	xmppd_stanzas_total{direction,kind}              in, out, routed; message, presence, iq
//	xmppd_stream_errors_total                        stream errors sent
//	xmppd_session_work_refused_total                 worker queue full
//	xmppd_resource_conflicts_total                   bind conflicts
//
// transport is c2s (TCP, plain or STARTTLS), c2s_tls (direct TLS), bosh or
// component; state is connected (stream open, not authenticated),
// authenticated (no resource bound yet) or bound; a component is
// authenticated once its handshake succeeded, and is never bound.
//
// Pass &server.Stats, and &listener.Stats of the component listener or nil.
func NewSessionCollector(st *session.Stats, comp *component.Stats) prometheus.Collector {
	return &sessionCollector{
		st:   st,
		comp: comp,
		sessions: prometheus.NewDesc("xmppd_sessions",
			"Sessions now, by transport (c2s, c2s_tls, bosh, component) and state (connected: stream open, not authenticated; authenticated: no resource bound yet; bound).",
			[]string{"transport", "state"}, nil),
		streams:  prometheus.NewDesc("xmppd_streams_opened_total", "XML streams opened (one per TCP connection or BOSH session).", nil, nil),
		logins:   prometheus.NewDesc("xmppd_logins_total", "SASL authentications, by result.", []string{"result"}, nil),
		failures: prometheus.NewDesc("xmppd_login_failures_total", "Failed SASL authentications, by reason: the RFC 6120 failure condition sent, or rate-limited (too many failures from the address).", []string{"reason"}, nil),
		mechanisms: prometheus.NewDesc("xmppd_login_successes_total",
			"Successful authentications, by SASL mechanism (external: the transport vouched for the user, as BOSH prebind does).", []string{"mechanism"}, nil),
		registrations: prometheus.NewDesc("xmppd_registrations_total", "Accounts registered in-band (XEP-0077).", nil, nil),
		stanzas: prometheus.NewDesc("xmppd_stanzas_total",
			"Client stanzas by direction and kind: in = received on established streams; out = queued for a client stream (routed, pushed, or the server's replies; dropped if the stream closes first); routed = delivered from one user's session to another's (a message to a bare JID delivered to n resources counts n).",
			[]string{"direction", "kind"}, nil),
		streamErrors: prometheus.NewDesc("xmppd_stream_errors_total", "Stream errors sent (each closes a stream).", nil, nil),
		workRefused:  prometheus.NewDesc("xmppd_session_work_refused_total", "Slow work (storage, SCRAM) refused because the worker queue was full.", nil, nil),
		conflicts:    prometheus.NewDesc("xmppd_resource_conflicts_total", "Resource binding conflicts (RFC 6120 7.7.2.2).", nil, nil),
	}
}

func (c *sessionCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.sessions, c.streams, c.logins, c.failures, c.mechanisms, c.registrations, c.stanzas, c.streamErrors, c.workRefused, c.conflicts} {
		ch <- d
	}
}

func (c *sessionCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.st
	for t := range session.NumTransportKinds {
		for s := range session.NumSessionStates {
			ch <- gauge(c.sessions, st.Sessions[t][s].Load(), t.String(), s.String())
		}
	}
	if c.comp != nil {
		live := c.comp.Live.Load()
		open := int64(0)
		if c.comp.Stats != nil {
			open = c.comp.Open.Load()
		}
		ch <- gauge(c.sessions, max(open-live, 0), "component", session.StateConnected.String())
		ch <- gauge(c.sessions, live, "component", session.StateAuthenticated.String())
	}
	ch <- counter(c.streams, st.Streams.Load())
	ch <- counter(c.logins, st.AuthOK.Load(), "success")
	ch <- counter(c.logins, st.AuthFailed.Load(), "failure")
	for f := range session.NumAuthFailures {
		ch <- counter(c.failures, st.AuthFailures[f].Load(), f.String())
	}
	for m := range session.NumAuthMechanisms {
		ch <- counter(c.mechanisms, st.AuthMechanisms[m].Load(), m.String())
	}
	ch <- counter(c.registrations, st.Registrations.Load())
	for k := range session.NumStanzaKinds {
		for d := range session.NumDirections {
			ch <- counter(c.stanzas, st.Stanzas(d, k), d.String(), k.String())
		}
	}
	ch <- counter(c.streamErrors, st.StreamErrors.Load())
	ch <- counter(c.workRefused, st.WorkRefused.Load())
	ch <- counter(c.conflicts, st.Conflicts.Load())
}

// StoreStats is the part of *pebblestore.Store the storage collector reads.
type StoreStats interface {
	Stats() pebblestore.Stats
}

type storeCollector struct {
	src StoreStats

	batchOps, batchMax, batchLast, commitTime, commitErrors, unsynced *prometheus.Desc
}

// NewStoreCollector exports the group-commit counters of the store:
//
//	xmppd_storage_commit_batch_ops                 summary: _count batches, _sum write requests
//	xmppd_storage_commit_batch_ops_max             gauge: largest batch since start
//	xmppd_storage_commit_batch_ops_last            gauge: latest batch
//	xmppd_storage_commit_duration_seconds          summary: _count batches, _sum time in commits
//	xmppd_storage_commit_errors_total
//	xmppd_storage_commits_unsynced_total           batches of lazy writes only, committed without an fsync
//
// The store keeps totals, not a distribution, so both summaries carry no
// quantiles: rate(_sum)/rate(_count) is the mean batch size and the mean
// commit latency.
func NewStoreCollector(src StoreStats) prometheus.Collector {
	return &storeCollector{
		src:          src,
		batchOps:     prometheus.NewDesc("xmppd_storage_commit_batch_ops", "Write requests per group commit (one Pebble batch).", nil, nil),
		batchMax:     prometheus.NewDesc("xmppd_storage_commit_batch_ops_max", "Write requests in the largest group commit since start.", nil, nil),
		batchLast:    prometheus.NewDesc("xmppd_storage_commit_batch_ops_last", "Write requests in the latest group commit.", nil, nil),
		commitTime:   prometheus.NewDesc("xmppd_storage_commit_duration_seconds", "Time spent in group commits.", nil, nil),
		commitErrors: prometheus.NewDesc("xmppd_storage_commit_errors_total", "Group commits that failed (every write of the batch got the error).", nil, nil),
		unsynced:     prometheus.NewDesc("xmppd_storage_commits_unsynced_total", "Group commits made without an fsync because every write in them was lazy (last activity).", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.batchOps, c.batchMax, c.batchLast, c.commitTime, c.commitErrors, c.unsynced} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	ch <- prometheus.MustNewConstSummary(c.batchOps, st.Batches, float64(st.Ops), nil)
	ch <- gauge(c.batchMax, int64(st.MaxBatchOps))
	ch <- gauge(c.batchLast, int64(st.LastBatchOps))
	ch <- prometheus.MustNewConstSummary(c.commitTime, st.Batches, st.CommitTime.Seconds(), nil)
	ch <- counter(c.commitErrors, int64(st.CommitErrors))
	ch <- counter(c.unsynced, int64(st.Unsynced))
}

// HandshakeStats is the part of *tlspipe.Handshaker the TLS collector reads.
type HandshakeStats interface {
	Stats() tlspipe.HandshakerStats
}

type handshakeCollector struct {
	src HandshakeStats

	running, queued *prometheus.Desc
}

// NewHandshakeCollector exports the TLS handshake pool:
//
//	xmppd_tls_handshake_workers      gauge: worker goroutines running handshakes
//	xmppd_tls_handshakes_queued      gauge: handshakes waiting for a worker
func NewHandshakeCollector(src HandshakeStats) prometheus.Collector {
	return &handshakeCollector{
		src:     src,
		running: prometheus.NewDesc("xmppd_tls_handshake_workers", "Goroutines running TLS handshakes now.", nil, nil),
		queued:  prometheus.NewDesc("xmppd_tls_handshakes_queued", "TLS handshakes waiting for a worker (some may be closed already).", nil, nil),
	}
}

func (c *handshakeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.running
	ch <- c.queued
}

func (c *handshakeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	ch <- gauge(c.running, int64(st.Running))
	ch <- gauge(c.queued, int64(st.Queued))
}
