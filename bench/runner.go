package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Event is what a shard tells its parent.
type Event struct {
	Kind     EventKind `json:"kind"`
	Progress int64     `json:"progress,omitempty"` // cumulative units done
	Name     string    `json:"name,omitempty"`     // barrier name
	Result   *Result   `json:"result,omitempty"`
	Err      string    `json:"error,omitempty"`
}

// EventKind tells events apart.
type EventKind string

const (
	EventProgress EventKind = "progress"
	EventBarrier  EventKind = "barrier"
	EventResult   EventKind = "result"
	EventError    EventKind = "error"
)

// Launcher starts shards: as goroutines of this process (InProcess) or as
// worker processes (ExecLauncher).
type Launcher interface {
	Launch(ctx context.Context, scenario string, c *Config, sh Shard) (Link, error)
}

// Link is the parent's end of one running shard.
type Link interface {
	// Events delivers the shard's events and is closed when the shard has
	// ended, after its result or error.
	Events() <-chan Event
	// Release lets the shard past the barrier it waits at.
	Release() error
}

// RunOptions says what to run and how.
type RunOptions struct {
	Scenario Scenario
	Config   Config
	// Procs is the least number of shards; the runner adds shards so that
	// none holds more than MaxSocketsPerProc sockets.
	Procs int
	// PID of the server process to sample from /proc (0: none).
	PID int
	// Launcher starts the shards; nil runs them in this process.
	Launcher Launcher
	// Progress, when set, is called a few times a second with the units
	// done and the total (0 when unknown).
	Progress func(done, total int64)
	// Trace: with PID, sample the server's RSS against the progress count
	// a few times a second into Report.Trace (for --plot).
	Trace bool
}

// Shards is the number of shards a run uses.
func Shards(s Scenario, c *Config, procs int) int {
	n := max(procs, 1)
	if sock := s.Sockets(c); sock > n*MaxSocketsPerProc {
		n = (sock + MaxSocketsPerProc - 1) / MaxSocketsPerProc
	}
	return max(min(n, s.Parts(c)), 1)
}

type shardEvent struct {
	shard  int
	ev     Event
	closed bool
}

// Run runs a scenario to the end and reports. An error means the run could
// not be carried out (a shard crashed, the configuration is wrong); failed
// logins or lost messages are in the report, with OK false.
func Run(ctx context.Context, o RunOptions) (*Report, error) {
	c := o.Config
	c.EnsureDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := o.Scenario.Check(&c); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.MaxRunDuration)
	defer cancel()
	launcher := o.Launcher
	if launcher == nil {
		launcher = InProcess{}
	}
	n := Shards(o.Scenario, &c, o.Procs)
	total := o.Scenario.Units(&c)

	var samples Samples
	var warnings []string
	sample := func(name string) {
		if o.PID <= 0 {
			return
		}
		st, err := ReadProc(o.PID)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("sampling server pid %d at %s: %v", o.PID, name, err))
			return
		}
		samples = append(samples, Sample{Name: name, At: time.Now(), RSS: st.RSS, CPU: math.Round(st.CPU.Seconds()*1000) / 1000})
	}

	sample("start")
	links := make([]Link, 0, n)
	events := make(chan shardEvent)
	var launchErr error
	for i := range n {
		l, err := launcher.Launch(ctx, o.Scenario.Name(), &c, Shard{Index: i, Count: n})
		if err != nil {
			launchErr = err
			cancel()
			break
		}
		links = append(links, l)
		go func() {
			for ev := range l.Events() {
				events <- shardEvent{shard: i, ev: ev}
			}
			events <- shardEvent{shard: i, closed: true}
		}()
	}

	progress := make([]int64, len(links))
	waiting := map[string]int{}
	results := make([]*Result, len(links))
	var errs []error
	if launchErr != nil {
		errs = append(errs, launchErr)
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var trace []TracePoint
	report := func() {
		var sum int64
		for _, p := range progress {
			sum += p
		}
		if o.Progress != nil {
			o.Progress(sum, total)
		}
		if o.Trace && o.PID > 0 {
			if st, err := ReadProc(o.PID); err == nil {
				trace = append(trace, TracePoint{Done: sum, RSS: st.RSS})
			}
		}
	}
	for live := len(links); live > 0; {
		select {
		case se := <-events:
			switch {
			case se.closed:
				live--
				if results[se.shard] == nil && len(errs) == 0 {
					errs = append(errs, fmt.Errorf("bench: shard %d ended without a result", se.shard))
					cancel()
				}
			case se.ev.Kind == EventProgress:
				progress[se.shard] = se.ev.Progress
			case se.ev.Kind == EventBarrier:
				waiting[se.ev.Name]++
				if waiting[se.ev.Name] == len(links) && len(errs) == 0 {
					report()
					sample(se.ev.Name)
					for _, l := range links {
						if err := l.Release(); err != nil {
							errs = append(errs, err)
							cancel()
						}
					}
				}
			case se.ev.Kind == EventResult:
				results[se.shard] = se.ev.Result
				progress[se.shard] = max(progress[se.shard], se.ev.Progress)
			case se.ev.Kind == EventError:
				errs = append(errs, fmt.Errorf("bench: shard %d: %s", se.shard, se.ev.Err))
				cancel()
			}
		case <-tick.C:
			report()
		}
	}
	report()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sample("end")

	merged := &Result{}
	for _, r := range results {
		merged.Merge(r)
	}
	rep := &Report{
		Scenario: o.Scenario.Name(),
		Server:   c.Server,
		Procs:    len(links),
		Elapsed:  merged.Elapsed().Seconds(),
		Counts:   merged.Counts,
		Failures: merged.Failures,
		Latency:  merged.Latency.Summary(),
		Samples:  samples,
		Warnings: warnings,
		Hist:     merged.Latency,
		Trace:    trace,
	}
	if rep.Counts == nil {
		rep.Counts = map[string]int64{}
	}
	if rep.Failures == nil {
		rep.Failures = map[string]int64{}
	}
	o.Scenario.Summarize(&c, merged, samples, rep)
	return rep, nil
}

// commonParams are the settings every login-based scenario reports.
func commonParams(c *Config, rep *Report) {
	rep.Params.Add("tls", string(c.TLS), "")
	rep.Params.Add("mech", string(c.Mech), "")
}

// addServerRSS reports the server's RSS at each sample.
func addServerRSS(s Samples, rep *Report) {
	for _, x := range s {
		rep.Metrics.Add("server_rss_"+x.Name, float64(x.RSS)/(1<<20), "MiB")
	}
}

// totalFailures sums a failure map.
func totalFailures(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
