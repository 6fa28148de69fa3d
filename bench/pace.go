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
