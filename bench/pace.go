package bench

import (
	"context"
	"sync"
	"time"
)

// dispatch runs fn(k, due) for k in [0, n) on at most conc goroutines.
// With rate > 0 job k is due at start + k/rate (an open-loop arrival
// schedule) and does not start before; with rate 0 every job is due at
// once and conc alone limits the pace. Jobs not started when ctx ends are
// skipped; dispatch returns the number started, after all have finished.
//
// A job that starts late (every goroutine busy) still gets its original due
// time, so latency measured from due includes the wait: a saturated server
// shows up as latency rather than as a silently lower rate.
func dispatch(ctx context.Context, n, conc int, rate float64, fn func(k int, due time.Time)) int {
	type job struct {
		k   int
		due time.Time
	}
	conc = max(min(conc, n), 1)
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for j := range jobs {
				fn(j.k, j.due)
			}
		})
	}
	start := time.Now()
	started := 0
	var timer *time.Timer
loop:
	for k := range n {
		due := time.Now()
		if rate > 0 {
			due = start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				if timer == nil {
					timer = time.NewTimer(d)
				} else {
					timer.Reset(d)
				}
				select {
				case <-timer.C:
				case <-ctx.Done():
					break loop
				}
			}
		}
		select {
		case jobs <- job{k, due}:
			started++
		case <-ctx.Done():
			break loop
		}
	}
	close(jobs)
	wg.Wait()
	if timer != nil {
		timer.Stop()
	}
	return started
}

// cadence is a periodic action at a steady rate: its n-th firing (n from
// 0) is due at start + n/rate seconds. A population acting once per
// interval each is a cadence at len/interval whose fire picks item n mod
// len, which spreads the actions evenly over the interval.
type cadence struct {
	rate float64 // firings per second; 0 or less: never
	fire func(n int64)
	n    int64
}

func (k *cadence) due(start time.Time) time.Time {
	return start.Add(time.Duration(float64(k.n) / k.rate * float64(time.Second)))
}

// runCadences fires the cadences on their schedules, one action at a time
// in the calling goroutine, until stop is closed. An action that is late
// (the previous ones took long) runs at once, so a slow server shows up as
// actions bunched together, not as a lower rate. Running every periodic
// action of a shard in one goroutine also orders them: what one action
// wrote is on the wire before the next one starts.
func runCadences(stop <-chan struct{}, cs ...*cadence) {
	var live []*cadence
	for _, k := range cs {
		if k != nil && k.rate > 0 {
			live = append(live, k)
		}
	}
	if len(live) == 0 {
		<-stop
		return
	}
	start := time.Now()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		next := live[0]
		nextDue := next.due(start)
		for _, k := range live[1:] {
			if d := k.due(start); d.Before(nextDue) {
				next, nextDue = k, d
			}
		}
		if d := time.Until(nextDue); d > time.Millisecond {
			t.Reset(d)
			select {
			case <-t.C:
			case <-stop:
				return
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
		}
		next.fire(next.n)
		next.n++
	}
}

// stopAfter returns a channel closed after d, or when ctx ends.
func stopAfter(ctx context.Context, d time.Duration) <-chan struct{} {
	stop := make(chan struct{})
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		close(stop)
	}()
	return stop
}
