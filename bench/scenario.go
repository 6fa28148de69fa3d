package bench

import (
	"context"
	"os"
	"runtime/debug"
	"sort"
	"sync/atomic"
	"time"
)

// Scenario is one kind of load. The parent process decides how many shards
// (worker processes, or goroutines for an in-process run) share the work,
// runs Run once per shard, merges the shards' Results and hands them, with
// the server samples taken at the scenario's barriers, to Summarize.
//
// A scenario slots in by implementing this interface and adding itself to
// Scenarios; the runner, the worker protocol and the report know nothing
// scenario-specific.
type Scenario interface {
	// Name is what the CLI calls the scenario.
	Name() string
	// Check rejects a configuration the scenario cannot run with (a
	// missing count), after Config.EnsureDefaults.
	Check(c *Config) error
	// Sockets is how many client sockets the whole run holds at once; the
	// runner starts enough shards to keep each under MaxSocketsPerProc.
	Sockets(c *Config) int
	// Parts is the number of indivisible pieces of work (accounts, pairs):
	// there are never more shards than parts.
	Parts(c *Config) int
	// Units is the progress total, or 0 when the scenario runs for a
	// duration and its progress has no total.
	Units(c *Config) int64
	// Run does shard sh's share. Every shard must pass the same barriers in
	// the same order, whatever its share (even an empty one).
	Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error)
	// Summarize derives the scenario's metrics from the merged result and
	// the server samples.
	Summarize(c *Config, r *Result, s Samples, rep *Report)
}

// Defaulter is a Scenario whose defaults for some fields differ from
// Config's (mixed runs for a minute, with rosters and presence changes
// minutes apart). Defaults sets those fields outright, so it is called on a
// Config before anything else is set: the CLI calls it before it parses
// its flags, so that an explicit value, zero included, wins.
type Defaulter interface {
	Defaults(c *Config)
}

// Scenarios returns every scenario, by name.
func Scenarios() map[string]Scenario {
	m := map[string]Scenario{}
	for _, s := range []Scenario{registerScenario{}, loginScenario{}, idleScenario{}, msgScenario{}, presenceScenario{}, boshScenario{}, mixedScenario{}} {
		m[s.Name()] = s
	}
	return m
}

// ScenarioNames lists the scenarios, sorted.
func ScenarioNames() []string {
	var names []string
	for n := range Scenarios() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Env is a running shard's link to the coordinating parent.
type Env struct {
	progress atomic.Int64
	barrier  func(ctx context.Context, name string) error
}

// NewEnv returns an Env whose Barrier calls barrier (nil: barriers pass at
// once, for a lone shard without a parent).
func NewEnv(barrier func(ctx context.Context, name string) error) *Env {
	return &Env{barrier: barrier}
}

// Done adds n finished units of work to the progress count.
func (e *Env) Done(n int64) { e.progress.Add(n) }

// Progress is the number of finished units so far.
func (e *Env) Progress() int64 { return e.progress.Load() }

// Barrier waits until every shard has reached the barrier called name and
// the parent has sampled the server there.
func (e *Env) Barrier(ctx context.Context, name string) error {
	if e.barrier == nil {
		return ctx.Err()
	}
	return e.barrier(ctx, name)
}

// Sample is the server's state at a named point of the run.
type Sample struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
	RSS  int64     `json:"rss_bytes"`
	CPU  float64   `json:"cpu_s"`
}

// Samples are the server samples of a run, in the order taken: "start"
// before any shard starts, one per barrier, "end" after the last shard.
type Samples []Sample

// Get returns the sample called name.
func (s Samples) Get(name string) (Sample, bool) {
	for _, x := range s {
		if x.Name == name {
			return x, true
		}
	}
	return Sample{}, false
}

// Delta returns the CPU seconds and RSS change between samples a and b.
func (s Samples) Delta(a, b string) (cpu float64, rss int64, ok bool) {
	x, ok1 := s.Get(a)
	y, ok2 := s.Get(b)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return y.CPU - x.CPU, y.RSS - x.RSS, true
}

// holdFor waits d, or until ctx is done.
func holdFor(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// drain polls totals until every message sent has come back, d has passed
// or ctx is done, and returns the last totals.
func drain(ctx context.Context, d time.Duration, totals func() (sent, recv int64)) (sent, recv int64) {
	for deadline := time.Now().Add(d); ; {
		sent, recv = totals()
		if recv >= sent || time.Now().After(deadline) || ctx.Err() != nil {
			return sent, recv
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// heldRSS is this process's RSS once the ramp's garbage is returned to
// the OS: what the held sessions cost it (0 when unreadable).
func heldRSS() int64 {
	debug.FreeOSMemory()
	if st, err := ReadProc(os.Getpid()); err == nil {
		return st.RSS
	}
	return 0
}

// countSet is how many of s are set (sessions that logged in).
func countSet[T any](s []*T) int64 {
	n := int64(0)
	for _, x := range s {
		if x != nil {
			n++
		}
	}
	return n
}

// addHoldMetrics reports what alive held sessions cost, per session: the
// server's RSS growth at the "connected" and "held" barriers, its CPU
// during the hold, and this client's RSS (counted as "client_rss_bytes").
func addHoldMetrics(r *Result, s Samples, rep *Report, alive int64) {
	if _, rss, ok := s.Delta("start", "held"); ok {
		rep.Metrics.Add("server_bytes_per_session", perUnit(float64(rss), float64(alive)), "B")
	}
	if _, rss, ok := s.Delta("start", "connected"); ok {
		rep.Metrics.Add("server_bytes_per_session_at_connect", perUnit(float64(rss), float64(alive)), "B")
	}
	if cpu, _, ok := s.Delta("connected", "held"); ok {
		rep.Metrics.Add("server_cpu_during_hold", cpu, "s")
	}
	addServerRSS(s, rep)
	rep.Metrics.Add("client_bytes_per_session", perUnit(float64(r.Counts["client_rss_bytes"]), float64(alive)), "B")
}

// rampSeconds is the ramp-up of the run: shards ramp up in parallel, so
// their summed "ramp_ms" divided by the number of shards.
func rampSeconds(r *Result) float64 {
	return float64(r.Counts["ramp_ms"]) / float64(max(r.Counts["shards"], 1)) / 1000
}
