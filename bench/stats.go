package bench

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to one minute with three
// significant digits: about 136 KiB of counters per histogram, so a run
// keeps a handful of them, never one per connection.
const (
	histMin     = 1
	histMax     = int64(time.Minute / time.Microsecond)
	histSigFigs = 3
)

// Histogram is a latency histogram. It is not safe for concurrent use; see
// Recorder.
type Histogram struct{ h *hdr.Histogram }

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{hdr.New(histMin, histMax, histSigFigs)} }

// Record adds one latency; values outside the range are clamped to it.
func (h *Histogram) Record(d time.Duration) {
	us := int64(d / time.Microsecond)
	_ = h.h.RecordValue(min(max(us, histMin), histMax))
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o != nil && o.h != nil {
		h.h.Merge(o.h)
	}
}

// Count is the number of values recorded.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// MarshalJSON encodes the histogram in the compressed HdrHistogram V2
// format, as a base64 string: a few hundred bytes to cross from a worker to
// the parent.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	b, err := h.h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hdr.Decode([]byte(s))
	if err != nil {
		return fmt.Errorf("bench: histogram: %w", err)
	}
	h.h = d
	return nil
}

// Latency summarises a histogram in milliseconds.
type Latency struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

// Summary returns the percentiles; nil when nothing was recorded.
func (h *Histogram) Summary() *Latency {
	if h == nil || h.h == nil || h.h.TotalCount() == 0 {
		return nil
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	q := h.h.ValueAtPercentiles([]float64{50, 90, 99, 99.9})
	return &Latency{
		Count: h.h.TotalCount(),
		Mean:  math.Round(h.h.Mean()) / 1000,
		P50:   ms(q[50]),
		P90:   ms(q[90]),
		P99:   ms(q[99]),
		P999:  ms(q[99.9]),
		Max:   ms(h.h.Max()),
	}
}

// Recorder is a histogram many goroutines record into: a few stripes, each
// with its own lock, picked by the caller's key (a connection's index), so
// that concurrent readers rarely meet.
type Recorder struct {
	stripes []stripe
}

type stripe struct {
	mu sync.Mutex // guards h
	h  *Histogram
	_  [40]byte // keep stripes' locks on separate cache lines
}

// NewRecorder returns a recorder with n stripes (at least 1).
func NewRecorder(n int) *Recorder {
	r := &Recorder{stripes: make([]stripe, max(n, 1))}
	for i := range r.stripes {
		r.stripes[i].h = NewHistogram()
	}
	return r
}

// Record adds d to the stripe of key.
func (r *Recorder) Record(key int, d time.Duration) {
	s := &r.stripes[uint(key)%uint(len(r.stripes))]
	s.mu.Lock()
	s.h.Record(d)
	s.mu.Unlock()
}

// Histogram merges the stripes into a new histogram.
func (r *Recorder) Histogram() *Histogram {
	out := NewHistogram()
	for i := range r.stripes {
		s := &r.stripes[i]
		s.mu.Lock()
		out.Merge(s.h)
		s.mu.Unlock()
	}
	return out
}

// Failures counts errors by Reason; safe for concurrent use.
type Failures struct {
	mu sync.Mutex // guards m
	m  map[string]int64
}

// Add counts err (nil is ignored).
func (f *Failures) Add(err error) {
	if err == nil {
		return
	}
	f.AddReason(Reason(err), 1)
}

// AddReason counts n failures with the given reason.
func (f *Failures) AddReason(reason string, n int64) {
	f.mu.Lock()
	if f.m == nil {
		f.m = make(map[string]int64)
	}
	f.m[reason] += n
	f.mu.Unlock()
}

// Map returns a copy of the counts.
func (f *Failures) Map() map[string]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.m)
}

// Total is the number of failures.
func (f *Failures) Total() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, v := range f.m {
		n += v
	}
	return n
}

// Result is what one shard measured. Counts add up across shards, Latency
// histograms merge, and the phase window is the union of the shards'.
type Result struct {
	// Counts are named totals: "ok", "sent", "received", ...
	Counts map[string]int64 `json:"counts,omitempty"`
	// Failures by reason (see Reason).
	Failures map[string]int64 `json:"failures,omitempty"`
	// Latency of the scenario's unit of work (a login, a delivery).
	Latency *Histogram `json:"latency,omitempty"`
	// Hists are further latency histograms by name (a mixed run's login
	// and presence latencies); they merge like Latency.
	Hists map[string]*Histogram `json:"hists,omitempty"`
	// Start and End bound the measured phase (logins, sending).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Add adds n to count name.
func (r *Result) Add(name string, n int64) {
	if r.Counts == nil {
		r.Counts = make(map[string]int64)
	}
	r.Counts[name] += n
}

// Merge folds o into r.
func (r *Result) Merge(o *Result) {
	if o == nil {
		return
	}
	for k, v := range o.Counts {
		r.Add(k, v)
	}
	for k, v := range o.Failures {
		if r.Failures == nil {
			r.Failures = make(map[string]int64)
		}
		r.Failures[k] += v
	}
	if o.Latency != nil {
		if r.Latency == nil {
			r.Latency = NewHistogram()
		}
		r.Latency.Merge(o.Latency)
	}
	for k, h := range o.Hists {
		r.AddHistogram(k, h)
	}
	if !o.Start.IsZero() && (r.Start.IsZero() || o.Start.Before(r.Start)) {
		r.Start = o.Start
	}
	if o.End.After(r.End) {
		r.End = o.End
	}
}

// AddHistogram merges h into the histogram called name.
func (r *Result) AddHistogram(name string, h *Histogram) {
	if h == nil || h.h == nil {
		return
	}
	if r.Hists == nil {
		r.Hists = make(map[string]*Histogram)
	}
	if r.Hists[name] == nil {
		r.Hists[name] = NewHistogram()
	}
	r.Hists[name].Merge(h)
}

// Hist returns the histogram called name, or nil.
func (r *Result) Hist(name string) *Histogram { return r.Hists[name] }

// Elapsed is the measured phase's length.
func (r *Result) Elapsed() time.Duration {
	if r.Start.IsZero() || r.End.Before(r.Start) {
		return 0
	}
	return r.End.Sub(r.Start)
}

// Counter is an atomic count, padded against false sharing: the hot
// counters of a scenario are bumped by every reading goroutine.
type Counter struct {
	atomic.Int64
	_ [56]byte
}
