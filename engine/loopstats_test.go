package engine

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	"xmppd/engine/session"
)

func TestObserveRouteBuckets(t *testing.T) {
	var s loopStats
	b0 := int64(RouteLatencyBounds[0])
	for _, ns := range []int64{-5, 0, b0, b0 + 1, int64(time.Second), int64(time.Second) + 1, int64(time.Hour)} {
		s.observeRoute(ns)
	}
	want := map[int]uint64{0: 3, 1: 1, len(RouteLatencyBounds) - 1: 1, len(RouteLatencyBounds): 2}
	for i := range s.route {
		if got := s.route[i].Load(); got != want[i] {
			t.Errorf("bucket %d: %d, want %d", i, got, want[i])
		}
	}
	if got, want := s.routeSum.Load(), 2*b0+1+2*int64(time.Second)+1+int64(time.Hour); got != want {
		t.Errorf("sum %d, want %d (negative latencies count as 0)", got, want)
	}
}

// TestRouteLatencyAndBusy routes n messages between two clients over real
// sockets: each is observed once, by the recipient's loop, and the loops
// have been busy.
func TestRouteLatencyAndBusy(t *testing.T) {
	ts := startServer(t, nil, nil)
	a := dial(t, ts.l.Addr())
	a.login("romeo", "pw", "orchard")
	b := dial(t, ts.l.Addr())
	b.login("juliet", "pw", "balcony")
	if h := ts.l.Stats.RouteLatency(); h.Count != 0 {
		t.Fatalf("%d routed before any message", h.Count)
	}
	const n = 50
	for i := range n {
		a.send(fmt.Sprintf("<message to='juliet@localhost/balcony' id='m%d'><body>x</body></message>", i))
	}
	b.waitFor(fmt.Sprintf("id='m%d'", n-1))

	h := ts.l.Stats.RouteLatency()
	if h.Count != n {
		t.Errorf("histogram count %d, want %d", h.Count, n)
	}
	if h.Sum <= 0 || h.Sum > n*10*time.Second {
		t.Errorf("histogram sum %v", h.Sum)
	}
	for i := 1; i < len(h.Buckets); i++ {
		if h.Buckets[i] < h.Buckets[i-1] || h.Buckets[i] > h.Count {
			t.Fatalf("buckets not cumulative: %v (count %d)", h.Buckets, h.Count)
		}
	}
	if got := ts.srv.Stats.Stanzas(session.DirRouted, session.KindMessage); got != n {
		t.Errorf("routed messages %d, want %d", got, n)
	}

	busy := ts.l.Stats.LoopBusy()
	if len(busy) == 0 || len(busy) > 2 {
		t.Fatalf("%d loops reported, the listener has 2", len(busy))
	}
	var total time.Duration
	for _, d := range busy {
		if d < 0 {
			t.Errorf("negative busy time %v", d)
		}
		total += d
	}
	if total <= 0 {
		t.Errorf("loops busy for %v after traffic", total)
	}
}

// TestSessionTransportKinds: sessions count under the transport of their
// listener.
func TestSessionTransportKinds(t *testing.T) {
	tc := tlsConfig(t)
	plain := startServer(t, func(c *Config) { c.TLS = tc }, nil)
	c := dial(t, plain.l.Addr())
	c.login("ann", "pw", "r")
	st := &plain.srv.Stats
	if got := st.Sessions[session.TransportC2S][session.StateBound].Load(); got != 1 {
		t.Errorf("c2s bound %d, want 1", got)
	}

	direct := startServer(t, func(c *Config) { c.TLS = tc; c.DirectTLS = true }, nil)
	raw := dial(t, direct.l.Addr()).conn
	conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
	d := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	d.send(header)
	d.waitFor("</stream:features>")
	st = &direct.srv.Stats
	if got := st.Sessions[session.TransportDirectTLS][session.StateConnected].Load(); got != 1 {
		t.Errorf("c2s_tls connected %d, want 1", got)
	}
	if got := st.Sessions[session.TransportC2S][session.StateConnected].Load(); got != 0 {
		t.Errorf("c2s connected %d on the direct TLS listener", got)
	}
}

// BenchmarkLoopAccounting is what the counters add to one callback that
// drains one routed stanza: two clock reads and a histogram observation.
func BenchmarkLoopAccounting(b *testing.B) {
	lp := &loop{}
	b.ReportAllocs()
	for range b.N {
		lp.begin()
		lp.stats.observeRoute(int64(40 * time.Microsecond))
		lp.end()
	}
}

func TestObserveRouteMatchesLinearScan(t *testing.T) {
	for _, ns := range []int64{0, 1, 9999, 10000, 10001, 24999, 25000, 25001, 1 << 20, 999_999, 1_000_000, 1_000_001, 2_500_000, 999_999_999, 1e9, 1e9 + 1, 1 << 40, 1<<63 - 1} {
		var s loopStats
		s.observeRoute(ns)
		want := 0
		for want < len(RouteLatencyBounds) && ns > int64(RouteLatencyBounds[want]) {
			want++
		}
		if s.route[want].Load() != 1 {
			for i := range s.route {
				if s.route[i].Load() != 0 {
					t.Errorf("%d ns: bucket %d, want %d", ns, i, want)
				}
			}
		}
	}
}
