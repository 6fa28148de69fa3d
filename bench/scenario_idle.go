package bench

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// idleScenario holds Users authenticated sessions for Duration. Each
// session is one socket read by its own goroutine through a 512-byte
// buffer: about 13 KiB of client memory per session as measured (stack,
// socket, decoder, buffer), 190 MB for 15,000 sessions in one worker. The
// goroutine is what answers the server's pings during a long hold and
// notices a session the server drops.
//
// Barriers: "connected" once every session is up, "held" at the end of
// the hold; with the server's pid the parent samples its RSS at both, and
// the report divides the growth since "start" by the sessions alive.
type idleScenario struct{}

func (idleScenario) Name() string { return "idle" }

func (idleScenario) Check(c *Config) error {
	if c.Users <= 0 {
		return errors.New("bench: idle needs --users > 0")
	}
	return nil
}

func (idleScenario) Sockets(c *Config) int { return c.Users }
func (idleScenario) Parts(c *Config) int   { return c.Users }
func (idleScenario) Units(c *Config) int64 { return int64(c.Users) }

func (idleScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	lo, hi := sh.Range(c.Users)
	d := newDialer(c, DefaultReadBuffer)
	rec := NewRecorder(runtime.GOMAXPROCS(0) * 2)
	var fails Failures
	conns := make([]*Conn, hi-lo)
	var closing atomic.Bool
	var dropped Counter
	var readers sync.WaitGroup

	rampStart := time.Now()
	dispatch(ctx, hi-lo, sh.Part(c.Concurrency), c.Rate/float64(max(sh.Count, 1)), func(k int, due time.Time) {
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		conn, err := d.Login(lctx, c.account(c.FirstUser+lo+k))
		cancel()
		env.Done(1)
		if err != nil {
			fails.Add(err)
			return
		}
		rec.Record(k, time.Since(due))
		conn.Trim()
		conns[k] = conn
		readers.Go(func() {
			err := conn.Serve(nil, nil)
			if !closing.Load() {
				dropped.Add(1)
				fails.Add(stepErr(StepSession, err))
			}
		})
	})
	rampEnd := time.Now()

	closeAll := func() {
		closing.Store(true)
		for _, conn := range conns {
			if conn != nil {
				_ = conn.Close()
			}
		}
		readers.Wait()
	}
	if err := env.Barrier(ctx, "connected"); err != nil {
		closeAll()
		return nil, err
	}
	holdStart := time.Now()
	holdFor(ctx, c.Duration)
	holdEnd := time.Now()
	clientRSS := heldRSS()
	alive := countSet(conns) - dropped.Load()
	if err := env.Barrier(ctx, "held"); err != nil {
		closeAll()
		return nil, err
	}
	closeAll()

	res := &Result{Latency: rec.Histogram(), Failures: fails.Map(), Start: holdStart, End: holdEnd}
	res.Add("sessions_alive", alive)
	res.Add("dropped", dropped.Load())
	res.Add("client_rss_bytes", clientRSS)
	res.Add("ramp_ms", rampEnd.Sub(rampStart).Milliseconds())
	res.Add("shards", 1)
	return res, nil
}

func (idleScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("users", int64(c.Users), "")
	rep.Params.Add("duration", c.Duration.String(), "")
	rep.Params.Add("rate", c.Rate, "1/s")
	rep.Params.Add("concurrency", int64(c.Concurrency), "")
	commonParams(c, rep)
	alive := r.Counts["sessions_alive"]
	failed := totalFailures(r.Failures)
	rep.LatencyOf = "login"
	rep.Metrics.Add("sessions_alive", alive, "")
	rep.Metrics.Add("sessions_dropped", r.Counts["dropped"], "")
	rep.Metrics.Add("logins_failed", failed-r.Counts["dropped"], "")
	ramp := rampSeconds(r)
	rep.Metrics.Add("ramp_up", ramp, "s")
	rep.Metrics.Add("logins_per_s_during_ramp", perUnit(float64(alive), ramp), "1/s")
	addHoldMetrics(r, s, rep, alive)
	rep.OK = failed == 0 && alive == int64(c.Users)
}
