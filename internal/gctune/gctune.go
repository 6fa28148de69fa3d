// Package gctune sets the garbage collector's target from the live heap.
//
// GOGC is a percentage of the live heap, which suits neither end of what a
// chat server holds. With many mostly idle sessions the live heap is large,
// and a percentage of it is mostly headroom that becomes RSS: at 15,000
// sessions GOGC=100 doubles the memory per session. With few busy sessions
// the live heap is small, and a tight percentage collects over and over
// while messages flow. So the target is a percentage of the live heap that
// never gives less headroom than a fixed floor: 25% for a large heap, and
// Go's default (GOGC=100, at least 4 MiB) for a small one.
package gctune

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Policy is how much headroom the collector gets above the live heap.
type Policy struct {
	// MinPercent is the GOGC of a large heap; default 25.
	MinPercent int
	// MaxPercent bounds the GOGC of a small heap; default 100, Go's own
	// (above it, the runtime's minimum heap of 4 MiB × GOGC/100 grows too).
	MaxPercent int
	// MinHeadroom is the headroom a heap gets however small; default 4 MiB
	// (GOGC=100's minimum heap).
	MinHeadroom uint64
}

// Default is the server's policy.
var Default = Policy{MinPercent: 25, MaxPercent: 100, MinHeadroom: 4 << 20}

func (p Policy) withDefaults() Policy {
	if p.MinPercent <= 0 {
		p.MinPercent = Default.MinPercent
	}
	if p.MaxPercent < p.MinPercent {
		p.MaxPercent = max(Default.MaxPercent, p.MinPercent)
	}
	if p.MinHeadroom == 0 {
		p.MinHeadroom = Default.MinHeadroom
	}
	return p
}

// Percent is the GOGC for a live heap of live bytes: MinHeadroom as a
// percentage of it, rounded up, within [MinPercent, MaxPercent].
func (p Policy) Percent(live uint64) int {
	p = p.withDefaults()
	if live == 0 {
		return p.MaxPercent
	}
	pct := (p.MinHeadroom*100 + live - 1) / live
	if pct > uint64(p.MaxPercent) {
		return p.MaxPercent
	}
	return max(int(pct), p.MinPercent)
}

// Tuner applies a Policy to the live heap that the runtime reports.
type Tuner struct {
	Policy Policy
	// Live reads the live heap in bytes; default: runtime/metrics'
	// /gc/heap/live:bytes (the heap marked live by the last GC).
	Live func() uint64
	// Set sets GOGC; default debug.SetGCPercent.
	Set func(int) int

	current int
}

// Step reads the live heap and sets GOGC when the policy's value moved by
// 5 points or more from the one last set (a GC target that follows every
// small change would only add work). It returns the GOGC in effect.
func (t *Tuner) Step() int {
	if t.Live == nil {
		t.Live = liveHeap
	}
	if t.Set == nil {
		t.Set = debug.SetGCPercent
	}
	pct := t.Policy.Percent(t.Live())
	if t.current == 0 || pct-t.current >= 5 || t.current-pct >= 5 {
		t.Set(pct)
		t.current = pct
	}
	return t.current
}

// Run calls Step at once and then every interval until ctx is done.
func (t *Tuner) Run(ctx context.Context, interval time.Duration) {
	t.Step()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.Step()
		}
	}
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
