package timerwheel

import (
	"cmp"
	"context"
	"slices"
	"time"
)

const (
	defaultResolution = 100 * time.Millisecond
	defaultSlots      = 512 // 51.2 s per revolution at the default resolution
	none              = -1
)

// Options configure a Wheel. The zero value is usable.
type Options struct {
	// Resolution is the tick length; default 100 ms. Timers fire at most one
	// Resolution late when Advance runs once per Resolution.
	Resolution time.Duration
	// Slots is the number of buckets, rounded up to a power of two; default
	// 512. Timers further away than Slots×Resolution wait whole revolutions,
	// and are looked at once per revolution.
	Slots int
	// Now is the clock used by Run; default time.Now.
	Now func() time.Time
}

// Timer is a handle to an armed timer. The zero Timer is no timer. A handle
// becomes stale once its timer fires or is cancelled; methods given a stale
// handle do nothing and report false.
type Timer uint64

func handle(idx int32, gen uint32) Timer { return Timer(uint64(gen)<<32 | uint64(idx+1)) }

func (t Timer) split() (idx int32, gen uint32) {
	return int32(uint32(t)) - 1, uint32(t >> 32)
}

// An entry's slot doubles as its state: ≥ 0 is the slot an armed entry is
// linked into (not always derivable from the deadline, because a deadline
// whose tick was already scanned goes into the current slot).
const (
	slotFree int32 = -1
	slotDue  int32 = -2 // taken out of its slot by Advance, waiting to fire
)

type entry struct {
	deadline   int64 // ns since origin
	h          Handler
	prev, next int32 // slot list, or free list (next only)
	gen        uint32
	slot       int32
	kind       uint8 // passed to h.Expire
}

// Handler is what a timer armed with AddHandler calls. One value with
// several timers (an object's kinds of timeout) needs no func value per
// timer, so an object with timers keeps no closures.
type Handler interface {
	Expire(kind uint8)
}

// funcHandler adapts a func to Handler without an allocation (a func
// value is a single pointer).
type funcHandler func()

func (f funcHandler) Expire(uint8) { f() }

// Wheel is a hashed timer wheel. It is not safe for concurrent use; see the
// package documentation for how an event loop owns and drives it.
type Wheel struct {
	origin time.Time
	now    func() time.Time
	res    int64 // ns per tick
	mask   int64 // Slots-1
	cur    int64 // first tick not yet fully scanned
	last   int64 // ns since origin at the latest Advance

	heads, tails []int32
	entries      []entry
	free         int32
	armed        int

	due       []Timer // scratch for Advance, reused
	advancing bool
}

// New returns a wheel whose tick 0 starts at origin.
func New(origin time.Time, opts Options) *Wheel {
	res := opts.Resolution
	if res <= 0 {
		res = defaultResolution
	}
	slots := opts.Slots
	if slots <= 0 {
		slots = defaultSlots
	}
	n := 1
	for n < slots {
		n <<= 1
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	w := &Wheel{
		origin: origin,
		now:    now,
		res:    int64(res),
		mask:   int64(n - 1),
		heads:  make([]int32, n),
		tails:  make([]int32, n),
		free:   none,
	}
	for i := range w.heads {
		w.heads[i], w.tails[i] = none, none
	}
	return w
}

// Resolution reports the tick length.
func (w *Wheel) Resolution() time.Duration { return time.Duration(w.res) }

// Len reports the number of armed timers.
func (w *Wheel) Len() int { return w.armed }

// Add arms a timer that calls fn at the first Advance with now ≥ deadline.
// fn runs on the goroutine that calls Advance. Passing a func value that was
// built once (a method value kept in a field, say) keeps Add allocation-free.
func (w *Wheel) Add(deadline time.Time, fn func()) Timer {
	return w.AddHandler(deadline, funcHandler(fn), 0)
}

// AddHandler arms a timer that calls h.Expire(kind) at the first Advance
// with now ≥ deadline, on the goroutine that calls Advance.
func (w *Wheel) AddHandler(deadline time.Time, h Handler, kind uint8) Timer {
	idx := w.alloc()
	e := &w.entries[idx]
	e.deadline = w.since(deadline)
	e.h, e.kind = h, kind
	w.link(idx)
	w.armed++
	return handle(idx, e.gen)
}

// Cancel disarms t. It reports whether t was armed; false means it already
// fired, was cancelled, or is the zero Timer.
func (w *Wheel) Cancel(t Timer) bool {
	idx, ok := w.lookup(t)
	if !ok {
		return false
	}
	if w.entries[idx].slot >= 0 {
		w.unlink(idx)
		w.armed--
	}
	w.release(idx)
	return true
}

// Reset moves t to a new deadline, keeping its handle and callback. It
// reports false, and does nothing, if t is no longer armed; the caller then
// Adds a new timer.
func (w *Wheel) Reset(t Timer, deadline time.Time) bool {
	idx, ok := w.lookup(t)
	if !ok {
		return false
	}
	e := &w.entries[idx]
	if e.slot >= 0 {
		w.unlink(idx)
	} else { // due: re-armed by a callback in the same Advance; it must not fire now
		w.armed++
	}
	e.deadline = w.since(deadline)
	w.link(idx)
	return true
}

// Advance fires, in deadline order, every timer whose deadline is ≤ now and
// reports how many fired. A now earlier than the previous one is treated as
// the previous one. Calling Advance from inside a timer callback does nothing.
func (w *Wheel) Advance(now time.Time) int {
	if w.advancing {
		return 0
	}
	n := w.since(now)
	if n < w.last {
		n = w.last
	}
	w.last = n
	tn := n / w.res
	end := tn
	if end-w.cur > w.mask { // a long stall: every slot once is enough
		end = w.cur + w.mask
	}
	for t := w.cur; t <= end; t++ {
		s := t & w.mask
		for i := w.heads[s]; i != none; {
			e := &w.entries[i]
			next := e.next
			if e.deadline <= n {
				w.unlink(i)
				e.slot = slotDue
				w.armed--
				w.due = append(w.due, handle(i, e.gen))
			}
			i = next
		}
	}
	w.cur = tn
	if len(w.due) == 0 {
		return 0
	}
	if len(w.due) > 1 {
		// Stable: equal deadlines share a slot, gathered in arming order.
		slices.SortStableFunc(w.due, func(a, b Timer) int {
			ia, _ := a.split()
			ib, _ := b.split()
			return cmp.Compare(w.entries[ia].deadline, w.entries[ib].deadline)
		})
	}
	w.advancing = true
	defer w.endAdvance()
	fired := 0
	for _, t := range w.due {
		idx, gen := t.split()
		e := &w.entries[idx] // re-indexed each time: callbacks may grow the slab
		if e.gen != gen || e.slot != slotDue {
			continue // cancelled or re-armed by an earlier callback
		}
		h, kind := e.h, e.kind
		w.release(idx)
		fired++
		h.Expire(kind)
	}
	return fired
}

func (w *Wheel) endAdvance() {
	clear(w.due) // drop nothing but handles; keeps capacity
	w.due = w.due[:0]
	w.advancing = false
}

// Run advances the wheel to Options.Now(). It makes *Wheel a gnet.Runnable,
// so an OnTick handler can post it to the owning loop with
// EventLoop.Execute without allocating a closure.
func (w *Wheel) Run(context.Context) error {
	w.Advance(w.now())
	return nil
}

func (w *Wheel) since(t time.Time) int64 {
	d := int64(t.Sub(w.origin))
	if d < 0 {
		d = 0
	}
	return d
}

func (w *Wheel) lookup(t Timer) (int32, bool) {
	idx, gen := t.split()
	if idx < 0 || int(idx) >= len(w.entries) {
		return 0, false
	}
	e := &w.entries[idx]
	if e.gen != gen || e.slot == slotFree {
		return 0, false
	}
	return idx, true
}

func (w *Wheel) alloc() int32 {
	if w.free != none {
		idx := w.free
		w.free = w.entries[idx].next
		return idx
	}
	w.entries = append(w.entries, entry{gen: 1, slot: slotFree})
	return int32(len(w.entries) - 1)
}

// release frees an unlinked entry.
func (w *Wheel) release(idx int32) {
	e := &w.entries[idx]
	e.h = nil
	e.slot = slotFree
	e.gen++
	if e.gen == 0 {
		e.gen = 1
	}
	e.prev, e.next = none, w.free
	w.free = idx
}

// link appends idx to the slot of its deadline, or to the current slot if
// the deadline's tick was already scanned.
func (w *Wheel) link(idx int32) {
	e := &w.entries[idx]
	t := e.deadline / w.res
	if t < w.cur {
		t = w.cur
	}
	s := int32(t & w.mask)
	e.slot = s
	e.prev, e.next = w.tails[s], none
	if w.tails[s] != none {
		w.entries[w.tails[s]].next = idx
	} else {
		w.heads[s] = idx
	}
	w.tails[s] = idx
}

// unlink removes idx from its slot; the caller sets the new e.slot.
func (w *Wheel) unlink(idx int32) {
	e := &w.entries[idx]
	if e.prev != none {
		w.entries[e.prev].next = e.next
	}
	if e.next != none {
		w.entries[e.next].prev = e.prev
	}
	if e.prev == none {
		w.heads[e.slot] = e.next
	}
	if e.next == none {
		w.tails[e.slot] = e.prev
	}
	e.prev, e.next = none, none
}
