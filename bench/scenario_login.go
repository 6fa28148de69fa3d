package bench

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"time"
)

// loginScenario is a login storm: Logins sessions, each dialled,
// authenticated, bound (and, when asked, given its roster and initial
// presence) and closed again, at Rate per second or as fast as Concurrency
// allows. Latency runs from the login's due time (see dispatch) to the end
// of its set-up.
type loginScenario struct{}

func (loginScenario) Name() string { return "login" }

func (loginScenario) Check(c *Config) error {
	if c.Users <= 0 || c.Logins <= 0 {
		return errors.New("bench: login needs --users > 0")
	}
	return nil
}

func (loginScenario) Sockets(c *Config) int { return min(c.Concurrency, c.Logins) }
func (loginScenario) Parts(c *Config) int   { return min(c.Concurrency, c.Logins) }
func (loginScenario) Units(c *Config) int64 { return int64(c.Logins) }

func (loginScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	lo, hi := sh.Range(c.Logins)
	d := newDialer(c, DefaultReadBuffer)
	d.CacheSCRAM = c.Logins > c.Users
	rec := NewRecorder(runtime.GOMAXPROCS(0) * 2)
	var fails Failures
	var ok Counter
	start := time.Now()
	started := dispatch(ctx, hi-lo, sh.Part(c.Concurrency), c.Rate/float64(max(sh.Count, 1)), func(k int, due time.Time) {
		i := lo + k
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		// Logins of one account may overlap when Logins > Users: distinct
		// resources keep them from replacing each other.
		a := c.account(c.FirstUser + i%c.Users)
		a.Resource += "-" + strconv.Itoa(i)
		conn, err := d.Login(lctx, a)
		cancel()
		if err != nil {
			fails.Add(err)
		} else {
			rec.Record(k, time.Since(due))
			ok.Add(1)
			_ = conn.Close()
		}
		env.Done(1)
	})
	end := time.Now()
	if skipped := hi - lo - started; skipped > 0 {
		fails.AddReason("login:"+cause(ctx.Err()), int64(skipped))
	}
	res := &Result{Latency: rec.Histogram(), Failures: fails.Map(), Start: start, End: end}
	res.Add("logins", ok.Load())
	return res, nil
}

func (loginScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("logins", int64(c.Logins), "")
	rep.Params.Add("users", int64(c.Users), "")
	rep.Params.Add("rate", c.Rate, "1/s")
	rep.Params.Add("concurrency", int64(c.Concurrency), "")
	commonParams(c, rep)
	rep.Params.Add("roster", c.Roster, "")
	rep.Params.Add("presence", c.Presence, "")
	ok := r.Counts["logins"]
	failed := totalFailures(r.Failures)
	rep.LatencyOf = "login"
	rep.Metrics.Add("logins_ok", ok, "")
	rep.Metrics.Add("logins_failed", failed, "")
	rep.Metrics.Add("logins_per_s", perUnit(float64(ok), r.Elapsed().Seconds()), "1/s")
	if cpu, _, ok2 := s.Delta("start", "end"); ok2 {
		rep.Metrics.Add("server_cpu_per_1k_logins", perUnit(cpu*1000, float64(ok)), "s")
	}
	addServerRSS(s, rep)
	rep.OK = failed == 0 && ok == int64(c.Logins)
}
