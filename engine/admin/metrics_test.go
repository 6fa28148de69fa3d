package admin

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"xmppd/engine"
	"xmppd/engine/component"
	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/engine/tlspipe"
	"xmppd/storage"
	"xmppd/storage/memstore"
	"xmppd/storage/pebblestore"
)

type fakeStore struct {
	mu sync.Mutex // guards st
	st pebblestore.Stats
}

func (f *fakeStore) Stats() pebblestore.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeStore) set(st pebblestore.Stats) {
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
}

type fakeHandshaker struct {
	mu sync.Mutex // guards st
	st tlspipe.HandshakerStats
}

func (f *fakeHandshaker) Stats() tlspipe.HandshakerStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

type sources struct {
	c2s, c2sTLS engine.Stats
	compConns   engine.Stats
	comp        component.Stats
	sessions    session.Stats
	store       fakeStore
	hs          fakeHandshaker
}

func (s *sources) collectors() []prometheus.Collector {
	s.comp.Stats = &s.compConns
	return []prometheus.Collector{
		NewListenerCollector(map[string]*engine.Stats{"c2s": &s.c2s, "c2s_tls": &s.c2sTLS}),
		NewSessionCollector(&s.sessions, &s.comp),
		NewStoreCollector(&s.store),
		NewHandshakeCollector(&s.hs),
	}
}

// scrape fetches /metrics over HTTP and parses the text exposition format.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	r := get(t, base+"/metrics")
	if r.status != 200 {
		t.Fatalf("/metrics: %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("parse exposition: %v\n%s", err, r.body)
	}
	return fams
}

// value returns the value of the series of family name whose labels include
// the given name/value pairs.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("family %s missing", name)
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		case dto.MetricType_SUMMARY:
			return m.GetSummary().GetSampleSum()
		case dto.MetricType_HISTOGRAM:
			return float64(m.GetHistogram().GetSampleCount())
		case dto.MetricType_UNTYPED:
			return m.GetUntyped().GetValue()
		}
	}
	t.Fatalf("%s%v: no such series", name, labels)
	return 0
}

func TestMetricsExposition(t *testing.T) {
	var src sources
	_, base := start(t, Config{Collectors: src.collectors()})
	fams := scrape(t, base)

	want := map[string]dto.MetricType{
		"xmppd_connections":                     dto.MetricType_GAUGE,
		"xmppd_connections_accepted_total":      dto.MetricType_COUNTER,
		"xmppd_connections_refused_total":       dto.MetricType_COUNTER,
		"xmppd_outbound_queue_closes_total":     dto.MetricType_COUNTER,
		"xmppd_inbound_overflow_closes_total":   dto.MetricType_COUNTER,
		"xmppd_connection_timeouts_total":       dto.MetricType_COUNTER,
		"xmppd_connection_panics_total":         dto.MetricType_COUNTER,
		"xmppd_routing_latency_seconds":         dto.MetricType_HISTOGRAM,
		"xmppd_sessions":                        dto.MetricType_GAUGE,
		"xmppd_streams_opened_total":            dto.MetricType_COUNTER,
		"xmppd_logins_total":                    dto.MetricType_COUNTER,
		"xmppd_login_failures_total":            dto.MetricType_COUNTER,
		"xmppd_login_successes_total":           dto.MetricType_COUNTER,
		"xmppd_registrations_total":             dto.MetricType_COUNTER,
		"xmppd_stanzas_total":                   dto.MetricType_COUNTER,
		"xmppd_stream_errors_total":             dto.MetricType_COUNTER,
		"xmppd_session_work_refused_total":      dto.MetricType_COUNTER,
		"xmppd_resource_conflicts_total":        dto.MetricType_COUNTER,
		"xmppd_storage_commit_batch_ops":        dto.MetricType_SUMMARY,
		"xmppd_storage_commit_batch_ops_max":    dto.MetricType_GAUGE,
		"xmppd_storage_commit_batch_ops_last":   dto.MetricType_GAUGE,
		"xmppd_storage_commit_duration_seconds": dto.MetricType_SUMMARY,
		"xmppd_storage_commit_errors_total":     dto.MetricType_COUNTER,
		"xmppd_storage_commits_unsynced_total":  dto.MetricType_COUNTER,
		"xmppd_tls_handshake_workers":           dto.MetricType_GAUGE,
		"xmppd_tls_handshakes_queued":           dto.MetricType_GAUGE,
		// The Go runtime, build and process collectors.
		"go_goroutines":                 dto.MetricType_GAUGE,
		"go_memstats_heap_alloc_bytes":  dto.MetricType_GAUGE,
		"go_build_info":                 dto.MetricType_GAUGE,
		"process_resident_memory_bytes": dto.MetricType_GAUGE,
		"process_cpu_seconds_total":     dto.MetricType_COUNTER,
	}
	for name, typ := range want {
		f := fams[name]
		if f == nil {
			t.Errorf("family %s missing", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s: type %v, want %v", name, f.GetType(), typ)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s: no HELP", name)
		}
	}
	if n := len(fams["xmppd_connections"].GetMetric()); n != 2 {
		t.Errorf("xmppd_connections: %d series, want one per listener", n)
	}
	// Every transport and state, and the component's two states.
	if n := len(fams["xmppd_sessions"].GetMetric()); n != int(session.NumTransportKinds)*int(session.NumSessionStates)+2 {
		t.Errorf("xmppd_sessions: %d series", n)
	}
	if n := len(fams["xmppd_stanzas_total"].GetMetric()); n != 9 {
		t.Errorf("xmppd_stanzas_total: %d series, want 3 directions x 3 kinds", n)
	}
	if _, ok := fams["xmppd_event_loop_busy_seconds_total"]; ok {
		t.Error("busy time of loops that never served a connection")
	}
	if rss := value(t, fams, "process_resident_memory_bytes"); rss <= 0 {
		t.Errorf("RSS %v", rss)
	}
}

func TestMetricsMove(t *testing.T) {
	var src sources
	_, base := start(t, Config{Collectors: src.collectors()})
	before := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"xmppd_connections", []string{"listener", "c2s"}},
		{"xmppd_logins_total", []string{"result", "failure"}},
		{"xmppd_stanzas_total", []string{"direction", "routed", "kind", "message"}},
		{"xmppd_sessions", []string{"transport", "component", "state", "connected"}},
		{"xmppd_storage_commit_batch_ops", nil},
		{"xmppd_tls_handshakes_queued", nil},
	} {
		if v := value(t, before, c.name, c.labels...); v != 0 {
			t.Errorf("%s%v = %v before any traffic", c.name, c.labels, v)
		}
	}

	src.c2s.Open.Add(3)
	src.c2s.Accepted.Add(5)
	src.c2s.SlowClosed.Add(1)
	src.c2sTLS.Refused.Add(2)
	src.c2sTLS.PausedOverflow.Add(4)
	src.c2sTLS.Timeouts.Add(6)
	src.c2sTLS.Panics.Add(7)
	src.sessions.Sessions[session.TransportBOSH][session.StateBound].Add(2)
	src.sessions.Sessions[session.TransportDirectTLS][session.StateConnected].Add(4)
	src.compConns.Open.Add(3)
	src.comp.Live.Add(2)
	src.sessions.Streams.Add(9)
	src.sessions.AuthOK.Add(8)
	src.sessions.AuthMechanisms[session.MechSCRAMSHA256].Add(8)
	src.sessions.AuthFailed.Add(1)
	src.sessions.AuthFailures[session.FailRateLimited].Add(1)
	src.sessions.Registrations.Add(3)
	src.sessions.CountStanzas(session.DirIn, session.KindMessage, 100)
	src.sessions.NewStanzaCounters().Add(session.DirIn, session.KindIQ, 7) // an event loop's
	src.sessions.CountStanzas(session.DirOut, session.KindPresence, 12)
	src.sessions.CountStanzas(session.DirRouted, session.KindMessage, 90)
	src.sessions.StreamErrors.Add(2)
	src.sessions.WorkRefused.Add(1)
	src.sessions.Conflicts.Add(1)
	src.store.set(pebblestore.Stats{Batches: 4, Ops: 10, CommitErrors: 1, Unsynced: 2, LastBatchOps: 2, MaxBatchOps: 5, CommitTime: 8 * time.Millisecond})
	src.hs.mu.Lock()
	src.hs.st = tlspipe.HandshakerStats{Running: 3, Queued: 11}
	src.hs.mu.Unlock()

	after := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"xmppd_connections", []string{"listener", "c2s"}, 3},
		{"xmppd_connections", []string{"listener", "c2s_tls"}, 0},
		{"xmppd_connections_accepted_total", []string{"listener", "c2s"}, 5},
		{"xmppd_outbound_queue_closes_total", []string{"listener", "c2s"}, 1},
		{"xmppd_connections_refused_total", []string{"listener", "c2s_tls"}, 2},
		{"xmppd_inbound_overflow_closes_total", []string{"listener", "c2s_tls"}, 4},
		{"xmppd_connection_timeouts_total", []string{"listener", "c2s_tls"}, 6},
		{"xmppd_connection_panics_total", []string{"listener", "c2s_tls"}, 7},
		{"xmppd_sessions", []string{"transport", "bosh", "state", "bound"}, 2},
		{"xmppd_sessions", []string{"transport", "c2s", "state", "bound"}, 0},
		{"xmppd_sessions", []string{"transport", "c2s_tls", "state", "connected"}, 4},
		{"xmppd_sessions", []string{"transport", "component", "state", "connected"}, 1},
		{"xmppd_sessions", []string{"transport", "component", "state", "authenticated"}, 2},
		{"xmppd_streams_opened_total", nil, 9},
		{"xmppd_logins_total", []string{"result", "success"}, 8},
		{"xmppd_logins_total", []string{"result", "failure"}, 1},
		{"xmppd_login_successes_total", []string{"mechanism", "SCRAM-SHA-256"}, 8},
		{"xmppd_login_successes_total", []string{"mechanism", "PLAIN"}, 0},
		{"xmppd_login_failures_total", []string{"reason", "rate-limited"}, 1},
		{"xmppd_login_failures_total", []string{"reason", "not-authorized"}, 0},
		{"xmppd_registrations_total", nil, 3},
		{"xmppd_stanzas_total", []string{"direction", "in", "kind", "message"}, 100},
		{"xmppd_stanzas_total", []string{"direction", "in", "kind", "iq"}, 7},
		{"xmppd_stanzas_total", []string{"direction", "out", "kind", "presence"}, 12},
		{"xmppd_stanzas_total", []string{"direction", "out", "kind", "message"}, 0},
		{"xmppd_stanzas_total", []string{"direction", "routed", "kind", "message"}, 90},
		{"xmppd_stream_errors_total", nil, 2},
		{"xmppd_session_work_refused_total", nil, 1},
		{"xmppd_resource_conflicts_total", nil, 1},
		{"xmppd_storage_commit_batch_ops", nil, 10},
		{"xmppd_storage_commit_batch_ops_max", nil, 5},
		{"xmppd_storage_commit_batch_ops_last", nil, 2},
		{"xmppd_storage_commit_duration_seconds", nil, 0.008},
		{"xmppd_storage_commit_errors_total", nil, 1},
		{"xmppd_storage_commits_unsynced_total", nil, 2},
		{"xmppd_tls_handshake_workers", nil, 3},
		{"xmppd_tls_handshakes_queued", nil, 11},
	} {
		if got := value(t, after, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"xmppd_storage_commit_batch_ops", "xmppd_storage_commit_duration_seconds"} {
		if n := after[name].GetMetric()[0].GetSummary().GetSampleCount(); n != 4 {
			t.Errorf("%s_count = %d, want 4 (batches)", name, n)
		}
	}
}

// TestMetricsLint holds the names to the Prometheus conventions (units,
// _total on counters, no reserved suffixes on gauges).
func TestMetricsLint(t *testing.T) {
	var src sources
	src.c2s.Open.Add(1)
	reg := prometheus.NewRegistry()
	reg.MustRegister(src.collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// TestRealSources reads the counters of a real store and handshaker rather
// than fakes, so a change of their Stats types shows here.
func TestRealSources(t *testing.T) {
	st, err := pebblestore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hs := tlspipe.NewHandshaker(2, 0)
	_, base := start(t, Config{Collectors: []prometheus.Collector{NewStoreCollector(st), NewHandshakeCollector(hs)}})

	if err := st.CreateUser(storage.User{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, base)
	if got := value(t, fams, "xmppd_storage_commit_batch_ops"); got != 1 {
		t.Errorf("ops after one write: %v", got)
	}
	if got := fams["xmppd_storage_commit_duration_seconds"].GetMetric()[0].GetSummary().GetSampleCount(); got != 1 {
		t.Errorf("batches after one write: %v", got)
	}
	if got := value(t, fams, "xmppd_tls_handshake_workers"); got != 0 {
		t.Errorf("idle handshaker workers: %v", got)
	}
}

// xmppClient is just enough of a client to log in and send over a socket;
// reads are bounded by a deadline.
type xmppClient struct {
	t    *testing.T
	conn net.Conn
	seen []byte
}

// exchange writes send, then reads until the input holds want ("": no
// reading).
func (c *xmppClient) exchange(send, want string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(send)); err != nil {
		c.t.Fatal(err)
	}
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	for !bytes.Contains(c.seen, []byte(want)) {
		n, err := c.conn.Read(buf)
		c.seen = append(c.seen, buf[:n]...)
		if err != nil {
			c.t.Fatalf("waiting for %q: %v; got %q", want, err, c.seen)
		}
	}
	c.seen = c.seen[bytes.Index(c.seen, []byte(want))+len(want):]
}

func xmppLogin(t *testing.T, addr, user string) *xmppClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &xmppClient{t: t, conn: conn}
	const header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
	c.exchange(header, "</stream:features>")
	c.exchange("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>"+user+"</username><password>pw</password></query></iq>", "id='reg'")
	c.exchange("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"+base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00pw"))+"</auth>", "<success")
	c.exchange(header, "</stream:features>")
	c.exchange("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>", "</iq>")
	return c
}

// TestRealListener scrapes the counters of a real listener and session
// server after traffic: the routing histogram counts every routed
// stanza, and the loops report busy time.
func TestRealListener(t *testing.T) {
	srv, err := session.NewServer(session.Config{
		Domains: []string{"localhost"}, Store: memstore.New(), Router: router.New(), AllowPlainInClear: true, Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := engine.Start(engine.Config{Addr: "127.0.0.1:0", Sessions: srv, Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = l.Shutdown(ctx)
		srv.Close()
	})
	_, base := start(t, Config{Collectors: []prometheus.Collector{
		NewListenerCollector(map[string]*engine.Stats{"c2s": &l.Stats}),
		NewSessionCollector(&srv.Stats, nil),
	}})
	a := xmppLogin(t, l.Addr(), "romeo")
	b := xmppLogin(t, l.Addr(), "juliet")
	const n = 20
	for i := range n {
		a.exchange(fmt.Sprintf("<message to='juliet@localhost/r' id='m%d'><body>x</body></message>", i), "")
	}
	b.exchange("", fmt.Sprintf("id='m%d'", n-1))

	fams := scrape(t, base)
	if got := value(t, fams, "xmppd_routing_latency_seconds", "listener", "c2s"); got != n {
		t.Errorf("routing latency count %v, want %d", got, n)
	}
	if got := value(t, fams, "xmppd_stanzas_total", "direction", "routed", "kind", "message"); got != n {
		t.Errorf("routed messages %v, want %d", got, n)
	}
	if got := value(t, fams, "xmppd_sessions", "transport", "c2s", "state", "bound"); got != 2 {
		t.Errorf("bound c2s sessions %v, want 2", got)
	}
	if got := value(t, fams, "xmppd_login_successes_total", "mechanism", "PLAIN"); got != 2 {
		t.Errorf("PLAIN logins %v, want 2", got)
	}
	busy := 0.0
	for _, m := range fams["xmppd_event_loop_busy_seconds_total"].GetMetric() {
		busy += m.GetCounter().GetValue()
	}
	if busy <= 0 {
		t.Errorf("event loops busy for %v s after traffic", busy)
	}
}
