// Package timerwheel is a hashed timer wheel for the per-connection timers of
// one event loop (connect, auth, idle, ping): O(1) Add, Cancel and Reset, no
// time.Timer and no goroutine per connection, and no allocation per Add once
// the wheel has warmed up.
//
// # Model
//
// Time is cut into ticks of Options.Resolution (default 100 ms) counted from
// the wheel's origin. A timer sits in slot tick(deadline) mod Slots; the slot
// is a doubly linked list threaded through a slab of entries by index, and
// freed entries go on a free list, so Add reuses memory instead of
// allocating. A timer further away than one revolution (Slots × Resolution)
// simply stays in its slot while the wheel turns past it: each entry keeps its
// exact deadline and a scan only takes entries that are due. A Timer handle is
// the entry's index plus a generation that changes whenever the entry is
// freed, so a stale handle (fired or cancelled) is ignored, never aliased.
//
// Advance(now) fires every timer whose deadline is ≤ now, in deadline order
// (ties in the order they were armed), no earlier than its deadline and, when
// Advance runs every Resolution, at most one Resolution late. Callbacks run
// on the caller's goroutine inside Advance; they may Add, Cancel and Reset
// freely, including timers that are due in the same Advance (a cancelled one
// does not fire). A timer added by a callback with a deadline already passed
// fires on the next Advance, never the same one, so a callback cannot starve
// the loop.
//
// # Ownership and driving it from gnet
//
// A Wheel is not safe for concurrent use: it belongs to one gnet event loop,
// and every method is called on that loop's goroutine (from OnOpen,
// OnTraffic, OnClose, AsyncWrite and Wake callbacks, or Execute runnables).
// gnet's OnTick runs on a goroutine of its own, so it must never touch a
// wheel; instead it posts the wheel to its loop:
//
//	func (s *server) OnTick() (time.Duration, gnet.Action) {
//		for _, lw := range s.loops { // one (gnet.EventLoop, *timerwheel.Wheel) per loop
//			_ = lw.loop.Execute(context.Background(), lw.wheel) // *Wheel is a gnet.Runnable
//		}
//		return 100 * time.Millisecond, gnet.None
//	}
//
// (*Wheel).Run calls Advance(Options.Now()), so the runnable needs no closure.
// If a loop is busy the tick merely runs late; a late Advance fires
// everything that became due meanwhile, still in deadline order. Timer
// callbacks therefore run on the loop like any other event and may touch the
// loop's connections directly.
package timerwheel
