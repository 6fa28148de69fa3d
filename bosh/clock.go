package bosh

import "time"

// Clock is the time source of a Server: wait timers, the inactivity sweep,
// polling intervals. Tests pass a fake one.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that delivers on C once d has passed.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer from a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// realTimer is pointer-shaped, so boxing it in a Timer does not allocate.
type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }
