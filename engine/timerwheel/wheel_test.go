package timerwheel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var origin = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return origin.Add(time.Duration(ms) * time.Millisecond) }

// script drives a wheel with named timers and records what fired.
type script struct {
	t     *testing.T
	w     *Wheel
	byTag map[string]Timer
	fired []string
}

func newScript(t *testing.T, opts Options) *script {
	return &script{t: t, w: New(origin, opts), byTag: map[string]Timer{}}
}

// run executes ops separated by ";":
//
//	add TAG MS      arm TAG at origin+MS
//	cancel TAG      (asserts the result given as "cancel TAG ok|stale")
//	reset TAG MS    (asserts armed)
//	adv MS WANT     advance to origin+MS; WANT is the comma list fired, "-" for none
func (s *script) run(ops string) {
	s.t.Helper()
	for _, op := range strings.Split(ops, ";") {
		f := strings.Fields(op)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "add":
			tag := f[1]
			s.byTag[tag] = s.w.Add(at(atoi(s.t, f[2])), func() { s.fired = append(s.fired, tag) })
		case "cancel":
			if got, want := s.w.Cancel(s.byTag[f[1]]), f[2] == "ok"; got != want {
				s.t.Fatalf("%q: Cancel = %v", op, got)
			}
		case "reset":
			if got, want := s.w.Reset(s.byTag[f[1]], at(atoi(s.t, f[2]))), f[3] == "ok"; got != want {
				s.t.Fatalf("%q: Reset = %v", op, got)
			}
		case "adv":
			s.fired = s.fired[:0]
			n := s.w.Advance(at(atoi(s.t, f[1])))
			got := strings.Join(s.fired, ",")
			if got == "" {
				got = "-"
			}
			if got != f[2] || n != len(s.fired) {
				s.t.Fatalf("%q: fired %s (n=%d)", op, got, n)
			}
		case "len":
			if got := s.w.Len(); got != atoi(s.t, f[1]) {
				s.t.Fatalf("%q: Len = %d", op, got)
			}
		default:
			s.t.Fatalf("bad op %q", op)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n
}

func TestWheel(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ops  string
	}{
		{"fires at deadline, not before", Options{},
			"add a 250; adv 100 -; adv 249 -; adv 250 a; adv 1000 -; len 0"},
		{"deadline order within a tick", Options{},
			"add c 180; add a 110; add b 150; adv 199 a,b,c"},
		{"deadline order across ticks in one advance", Options{},
			"add d 950; add b 330; add a 120; add c 600; adv 5000 a,b,c,d"},
		{"ties fire in arming order", Options{},
			"add x 500; add y 500; add z 500; adv 500 x,y,z"},
		{"partial tick keeps later timers", Options{},
			"add a 110; add b 190; adv 150 a; adv 189 -; adv 190 b"},
		{"cancel", Options{},
			"add a 100; add b 200; cancel a ok; cancel a stale; adv 1000 b; cancel b stale; len 0"},
		{"reset later and earlier", Options{},
			"add a 100; add b 300; reset a 500 ok; reset b 50 ok; adv 200 b; adv 499 -; adv 500 a; reset a 900 stale"},
		{"past deadline fires on next advance", Options{},
			"adv 1000 -; add late 200; add now 1000; adv 1000 late,now"},
		{"before origin", Options{},
			"add early -5000; adv 0 early"},
		{"multiple rounds", Options{Slots: 8, Resolution: 100 * time.Millisecond}, // 800 ms per revolution
			"add far 2550; add near 150; adv 800 near; adv 1600 -; adv 2500 -; adv 2549 -; adv 2550 far"},
		{"stall longer than a revolution", Options{Slots: 8, Resolution: 100 * time.Millisecond},
			"add e 2300; add a 150; add d 1650; add c 720; add b 300; adv 10000 a,b,c,d,e"},
		{"clock going back is ignored", Options{},
			"add a 500; adv 400 -; adv 100 -; add b 300; adv 300 b; adv 500 a"},
		{"coarse resolution", Options{Resolution: time.Second, Slots: 4},
			"add a 1500; add b 1100; adv 1499 b; adv 1500 a"},
		{"zero handle", Options{},
			"cancel none stale; reset none 5 stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newScript(t, tt.opts).run(tt.ops)
		})
	}
}

func TestCallbacksMutateWheel(t *testing.T) {
	w := New(origin, Options{})
	var fired []string
	var b, c, d Timer
	w.Add(at(100), func() {
		fired = append(fired, "a")
		if !w.Cancel(b) { // due in this same Advance: must not fire
			t.Error("cancel of due b failed")
		}
		if !w.Reset(c, at(1000)) { // due now, re-armed for later
			t.Error("reset of due c failed")
		}
		d = w.Add(at(50), func() { fired = append(fired, "d") }) // already past: next Advance
		if w.Advance(at(5000)) != 0 {                            // re-entrant Advance is a no-op
			t.Error("re-entrant Advance fired")
		}
	})
	b = w.Add(at(150), func() { fired = append(fired, "b") })
	c = w.Add(at(180), func() { fired = append(fired, "c") })
	if n := w.Advance(at(200)); n != 1 || strings.Join(fired, ",") != "a" {
		t.Fatalf("first advance fired %v (n=%d)", fired, n)
	}
	if w.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (c, d)", w.Len())
	}
	w.Advance(at(200))
	w.Advance(at(1000))
	if got := strings.Join(fired, ","); got != "a,d,c" {
		t.Fatalf("fired %s, want a,d,c", got)
	}
	if w.Cancel(d) {
		t.Fatal("cancel of fired d succeeded")
	}
}

func TestStaleHandleAfterReuse(t *testing.T) {
	w := New(origin, Options{})
	a := w.Add(at(100), func() {})
	w.Cancel(a)
	b := w.Add(at(100), func() {}) // reuses a's entry
	if w.Cancel(a) {
		t.Fatal("stale handle cancelled the entry's new timer")
	}
	if !w.Cancel(b) {
		t.Fatal("live handle did not cancel")
	}
}

// TestHundredThousand arms 100k timers over ten minutes, cancels and resets
// some, then steps the clock by the resolution and checks that each live
// timer fires exactly once, never early, at most one tick late, and in
// global deadline order.
func TestHundredThousand(t *testing.T) {
	const n = 100_000
	res := 100 * time.Millisecond
	w := New(origin, Options{Resolution: res})
	rng := rand.New(rand.NewPCG(1, 2))
	deadline := make([]time.Time, n)
	handles := make([]Timer, n)
	firedAt := make([]time.Time, n)
	var now time.Time
	var order []int
	for i := range n {
		deadline[i] = origin.Add(time.Duration(rng.Int64N(int64(10 * time.Minute))))
		handles[i] = w.Add(deadline[i], func() {
			if !firedAt[i].IsZero() {
				t.Errorf("timer %d fired twice", i)
			}
			firedAt[i] = now
			order = append(order, i)
		})
	}
	cancelled := make([]bool, n)
	for i := 0; i < n; i += 3 {
		cancelled[i] = w.Cancel(handles[i])
	}
	for i := 1; i < n; i += 7 {
		deadline[i] = origin.Add(time.Duration(rng.Int64N(int64(12 * time.Minute))))
		w.Reset(handles[i], deadline[i])
	}
	for now = origin; now.Before(origin.Add(13 * time.Minute)); now = now.Add(res) {
		w.Advance(now)
	}
	if w.Len() != 0 {
		t.Fatalf("%d timers left", w.Len())
	}
	live := 0
	for i := range n {
		if cancelled[i] {
			if !firedAt[i].IsZero() {
				t.Fatalf("cancelled timer %d fired", i)
			}
			continue
		}
		live++
		if firedAt[i].IsZero() {
			t.Fatalf("timer %d never fired", i)
		}
		if firedAt[i].Before(deadline[i]) || firedAt[i].Sub(deadline[i]) >= res {
			t.Fatalf("timer %d due %v fired %v", i, deadline[i].Sub(origin), firedAt[i].Sub(origin))
		}
	}
	if len(order) != live {
		t.Fatalf("%d fired, want %d", len(order), live)
	}
	if !slices.IsSortedFunc(order, func(a, b int) int { return deadline[a].Compare(deadline[b]) }) {
		t.Fatal("timers did not fire in deadline order")
	}
}

func TestAddCancelAdvanceNoAllocs(t *testing.T) {
	w := New(origin, Options{})
	fn := func() {}
	// Warm up the slab and the due scratch.
	for i := range 1000 {
		w.Add(at(i), fn)
	}
	w.Advance(at(1000))
	ms := 1000
	allocs := testing.AllocsPerRun(1000, func() {
		for i := range 100 {
			h := w.Add(at(ms+i*7), fn)
			switch i % 3 {
			case 0:
				w.Cancel(h)
			case 1:
				w.Reset(h, at(ms+i))
			}
		}
		ms += 800
		w.Advance(at(ms))
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run, want 0", allocs)
	}
}

func BenchmarkAddCancel(b *testing.B) {
	w := New(origin, Options{})
	fn := func() {}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.Cancel(w.Add(at(i%60000), fn))
	}
}

// BenchmarkSteadyState keeps 100k timers armed (an idle timeout per
// connection), re-arming one per op as a connection's activity would, and
// advancing the clock one tick every 1000 ops.
func BenchmarkSteadyState(b *testing.B) {
	const conns = 100_000
	w := New(origin, Options{})
	hs := make([]Timer, conns)
	fn := func() {}
	for i := range hs {
		hs[i] = w.Add(at(300_000+i%300_000), fn)
	}
	now := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := i % conns
		if !w.Reset(hs[c], at(now+300_000)) {
			hs[c] = w.Add(at(now+300_000), fn)
		}
		if i%1000 == 999 {
			now += 100
			w.Advance(at(now))
		}
	}
}

func TestRunUsesClock(t *testing.T) {
	now := origin
	w := New(origin, Options{Now: func() time.Time { return now }})
	fired := false
	w.Add(at(300), func() { fired = true })
	now = at(299)
	w.Run(context.Background())
	if fired {
		t.Fatal("fired early")
	}
	now = at(300)
	w.Run(context.Background())
	if !fired {
		t.Fatal("Run did not advance to Now()")
	}
}

// kinds records the kinds a Handler was called with.
type kinds []uint8

func (k *kinds) Expire(kind uint8) { *k = append(*k, kind) }

// One Handler with two kinds of timer gets each kind back, in deadline
// order, and a cancelled kind never fires; arming a Handler allocates
// nothing once the slab is warm.
func TestAddHandlerKinds(t *testing.T) {
	w := New(origin, Options{})
	var got kinds
	w.AddHandler(at(300), &got, 2)
	w.AddHandler(at(100), &got, 1)
	w.Cancel(w.AddHandler(at(200), &got, 3))
	if n := w.Advance(at(1000)); n != 2 || !slices.Equal(got, kinds{1, 2}) {
		t.Fatalf("fired %d: kinds %v, want [1 2]", n, got)
	}
	got = make(kinds, 0, 1000)
	ms := 1000
	if allocs := testing.AllocsPerRun(100, func() {
		w.AddHandler(at(ms+10), &got, 7)
		ms += 100
		w.Advance(at(ms))
	}); allocs != 0 {
		t.Fatalf("%v allocs per AddHandler and fire, want 0", allocs)
	}
	if len(got) != 101 || got[100] != 7 {
		t.Fatalf("%d fired, last kind %v", len(got), got[len(got)-1])
	}
}
