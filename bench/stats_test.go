package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHistogramJSONRoundTripAndMerge(t *testing.T) {
	a, b := NewHistogram(), NewHistogram()
	for i := 1; i <= 1000; i++ {
		a.Record(time.Duration(i) * time.Millisecond)
	}
	b.Record(2 * time.Hour) // clamped to the top of the range
	b.Record(0)             // and to the bottom
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) > 4096 {
		t.Errorf("encoded histogram is %d bytes; want it compact", len(js))
	}
	var back Histogram
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.Count() != 1000 {
		t.Fatalf("count after round trip = %d", back.Count())
	}
	l := back.Summary()
	if math.Abs(l.P50-500) > 1 || math.Abs(l.P99-990) > 1 || math.Abs(l.Max-1000) > 1 {
		t.Errorf("percentiles %+v", l)
	}
	back.Merge(b)
	l = back.Summary()
	if l.Count != 1002 || math.Abs(l.Max-60000) > 60 {
		t.Errorf("after merge %+v", l)
	}
	if NewHistogram().Summary() != nil {
		t.Error("empty histogram has a summary")
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder(3)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 1000 {
				r.Record(g, time.Millisecond)
			}
		})
	}
	wg.Wait()
	if n := r.Histogram().Count(); n != 8000 {
		t.Fatalf("count = %d", n)
	}
}

func TestResultMerge(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h1, h2 := NewHistogram(), NewHistogram()
	h1.Record(time.Millisecond)
	h2.Record(3 * time.Millisecond)
	a := &Result{Counts: map[string]int64{"sent": 10, "received": 10}, Failures: map[string]int64{"auth:not-authorized": 1},
		Latency: h1, Start: t0.Add(time.Second), End: t0.Add(5 * time.Second)}
	b := &Result{Counts: map[string]int64{"sent": 5, "received": 4}, Failures: map[string]int64{"auth:not-authorized": 2, "dial:refused": 1},
		Latency: h2, Start: t0, End: t0.Add(3 * time.Second)}
	var m Result
	m.Merge(a)
	m.Merge(b)
	m.Merge(nil)
	if m.Counts["sent"] != 15 || m.Counts["received"] != 14 {
		t.Errorf("counts %v", m.Counts)
	}
	if m.Failures["auth:not-authorized"] != 3 || m.Failures["dial:refused"] != 1 {
		t.Errorf("failures %v", m.Failures)
	}
	if m.Latency.Count() != 2 {
		t.Errorf("latency count %d", m.Latency.Count())
	}
	if m.Elapsed() != 5*time.Second {
		t.Errorf("elapsed %v", m.Elapsed())
	}
	// A result survives the trip from a worker.
	js, err := json.Marshal(Event{Kind: EventResult, Result: &m})
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	if err := json.Unmarshal(js, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Result.Counts["sent"] != 15 || ev.Result.Latency.Count() != 2 || !ev.Result.End.Equal(m.End) {
		t.Errorf("after JSON: %+v", ev.Result)
	}
}

func TestShardRange(t *testing.T) {
	for _, total := range []int{0, 1, 7, 100, 15001} {
		for n := 1; n <= 9; n++ {
			next := 0
			for i := range n {
				lo, hi := Shard{Index: i, Count: n}.Range(total)
				if lo != next || hi < lo || hi-lo > total/n+1 {
					t.Fatalf("total %d, %d shards: shard %d = [%d,%d)", total, n, i, lo, hi)
				}
				next = hi
			}
			if next != total {
				t.Fatalf("total %d, %d shards: covered %d", total, n, next)
			}
		}
	}
	if p := (Shard{Index: 3, Count: 4}).Part(2); p != 1 {
		t.Errorf("Part = %d, want at least 1", p)
	}
}

func TestShards(t *testing.T) {
	c := Config{Users: 40000, Pairs: 3}
	c.EnsureDefaults()
	for _, tc := range []struct {
		s     Scenario
		procs int
		want  int
	}{
		{idleScenario{}, 1, 3},  // 40,000 sockets: 3 processes of at most 15,000
		{idleScenario{}, 5, 5},  // more when asked
		{msgScenario{}, 8, 3},   // never more shards than pairs
		{loginScenario{}, 0, 1}, // concurrency 256 fits one
	} {
		if got := Shards(tc.s, &c, tc.procs); got != tc.want {
			t.Errorf("Shards(%s, procs %d) = %d, want %d", tc.s.Name(), tc.procs, got, tc.want)
		}
	}
}

func TestProcParsers(t *testing.T) {
	rss, err := parseVmRSS([]byte("Name:\txmppd\nVmPeak:\t  9000 kB\nVmRSS:\t  1234 kB\nThreads: 3\n"))
	if err != nil || rss != 1234<<10 {
		t.Errorf("parseVmRSS = %d, %v", rss, err)
	}
	if _, err := parseVmRSS([]byte("Name: kthread\n")); err == nil {
		t.Error("no VmRSS accepted")
	}
	stat := "4242 (xmpp d) (x) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 9 0 100 1000 200"
	ticks, err := parseStatTicks([]byte(stat))
	if err != nil || ticks != 300 {
		t.Errorf("parseStatTicks = %d, %v", ticks, err)
	}
	if _, err := parseStatTicks([]byte("1 (x) S 1 2")); err == nil {
		t.Error("short stat accepted")
	}
	st, err := ReadProc(os.Getpid())
	if err != nil || st.RSS <= 0 {
		t.Errorf("ReadProc(self) = %+v, %v", st, err)
	}
	if clockTicks() <= 0 {
		t.Error("no clock ticks")
	}
}

func TestReportOutput(t *testing.T) {
	h := NewHistogram()
	h.Record(2 * time.Millisecond)
	rep := &Report{Scenario: "msg", Server: "127.0.0.1:5222", Procs: 2, Elapsed: 1.5,
		Counts: map[string]int64{"sent": 3}, Failures: map[string]int64{"auth:not-authorized": 1},
		LatencyOf: "delivery", Latency: h.Summary()}
	rep.Params.Add("pairs", int64(50), "")
	rep.Metrics.Add("zeta", int64(1), "")
	rep.Metrics.Add("alpha", 2.5, "1/s")
	rep.Metrics.Add("none", math.NaN(), "s")
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	line := js.String()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Errorf("not one line: %q", line)
	}
	if i, j := strings.Index(line, `"zeta"`), strings.Index(line, `"alpha"`); i < 0 || j < i {
		t.Errorf("metrics out of order: %s", line)
	}
	if !strings.Contains(line, `"none":null`) {
		t.Errorf("NaN not null: %s", line)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| zeta | 1 |", "| alpha (1/s) | 2.50 |", "| none (s) | n/a |",
		"| delivery latency p99 (ms) | 2.00 |", "| failures: auth:not-authorized | 1 |", "pairs=50"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}
