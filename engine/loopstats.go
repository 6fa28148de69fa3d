package engine

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// monoBase anchors the monotonic clock the event loops share: a routed
// stanza is stamped on its sender's loop and observed on its recipient's,
// possibly of another listener. It is set once and never changes.
var monoBase = time.Now()

// monoNow is nanoseconds since monoBase, from the monotonic clock (about
// half the cost of time.Now, which reads the wall clock too).
func monoNow() int64 { return int64(time.Since(monoBase)) }

// monoTime turns monoNow nanoseconds back into a time.Time.
func monoTime(ns int64) time.Time { return monoBase.Add(time.Duration(ns)) }

// monoBaseUnix is monoBase in unix nanoseconds.
var monoBaseUnix = monoBase.UnixNano()

// unixNano turns monoNow nanoseconds into unix nanoseconds that a wall
// clock step does not move: the keepalive's clock, which so reuses the
// callback's start time instead of reading the clock per input.
func unixNano(mono int64) int64 { return monoBaseUnix + mono }

// RouteLatencyBounds are the upper bounds of the routing-latency histogram
// buckets, from 10 µs to 1 s; slower stanzas land in a +Inf bucket.
var RouteLatencyBounds = [...]time.Duration{
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second,
}

// firstBucket[n] is the first latency bucket whose bound is at least
// 2^(n-1): where a latency of bit length n starts looking. Computed once
// from RouteLatencyBounds.
var firstBucket = func() (t [65]uint8) {
	for n := range t {
		lo := int64(0)
		if n > 0 {
			lo = int64(1) << (n - 1)
		}
		i := 0
		for i < len(RouteLatencyBounds) && int64(RouteLatencyBounds[i]) < lo {
			i++
		}
		t[n] = uint8(i)
	}
	return t
}()

// loopStats are one event loop's counters. Only the loop's goroutine
// writes them, so an update is a load and a store (no locked instruction,
// no contention); scrapes read them with atomic loads.
type loopStats struct {
	busy atomic.Int64 // nanoseconds spent in callbacks
	// route counts routed stanzas by latency bucket (the last is +Inf);
	// routeSum is their total latency in nanoseconds.
	route    [len(RouteLatencyBounds) + 1]atomic.Uint64
	routeSum atomic.Int64
}

func (s *loopStats) addBusy(ns int64) { s.busy.Store(s.busy.Load() + ns) }

// observeRoute records one routed stanza that took ns to reach its
// recipient's connection.
func (s *loopStats) observeRoute(ns int64) {
	if ns < 0 {
		ns = 0 // the two stamps raced by a hair
	}
	// Start at the first bucket that can hold ns's power of two: the
	// bounds at least double, so at most two steps remain.
	i := int(firstBucket[bits.Len64(uint64(ns))])
	for i < len(RouteLatencyBounds) && ns > int64(RouteLatencyBounds[i]) {
		i++
	}
	s.route[i].Store(s.route[i].Load() + 1)
	s.routeSum.Store(s.routeSum.Load() + ns)
}

// loopRegistry lists a listener's loops for Stats readers.
type loopRegistry struct {
	mu    sync.Mutex // guards loops
	loops []*loopStats
}

// add registers a new loop's counters.
func (r *loopRegistry) add(s *loopStats) {
	r.mu.Lock()
	r.loops = append(r.loops, s)
	r.mu.Unlock()
}

func (r *loopRegistry) snapshot() []*loopStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*loopStats(nil), r.loops...)
}

// LoopBusy returns, for each event loop of the listener (in the order the
// loops first served a connection), the time it has spent in callbacks:
// reading and decoding input, handling it, writing, routed stanzas and
// worker results, timers. Its rate is the loop's utilisation.
func (s *Stats) LoopBusy() []time.Duration {
	loops := s.loops.snapshot()
	out := make([]time.Duration, len(loops))
	for i, l := range loops {
		out[i] = time.Duration(l.busy.Load())
	}
	return out
}

// RouteLatency is a histogram of the time from a stanza's arrival (the
// start of the event-loop callback that read it) to its being queued for
// writing on the recipient's connection, after crossing to the
// recipient's loop through its inbox. It covers stanzas one user sends to
// another (session.DirRouted) whose recipient is on a listener of this
// package.
type RouteLatency struct {
	// Buckets[i] counts stanzas that took at most RouteLatencyBounds[i]
	// (cumulative, as Prometheus wants it).
	Buckets [len(RouteLatencyBounds)]uint64
	Count   uint64
	Sum     time.Duration
}

// RouteLatency sums the histograms of the listener's loops: a stanza is
// observed by its recipient's loop.
func (s *Stats) RouteLatency() RouteLatency {
	var h RouteLatency
	for _, l := range s.loops.snapshot() {
		var cum uint64
		for i := range l.route {
			cum += l.route[i].Load()
			if i < len(h.Buckets) {
				h.Buckets[i] += cum
			}
		}
		h.Count += cum
		h.Sum += time.Duration(l.routeSum.Load())
	}
	return h
}
