package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Report is the outcome of a run: one JSON line on stdout, optionally a
// Markdown table.
type Report struct {
	Scenario string `json:"scenario"`
	Server   string `json:"server"`
	// Params are the settings that shaped this run.
	Params Metrics `json:"params"`
	Procs  int     `json:"procs"`
	// Elapsed is the measured phase, in seconds.
	Elapsed  float64          `json:"elapsed_s"`
	Counts   map[string]int64 `json:"counts"`
	Failures map[string]int64 `json:"failures"`
	// LatencyOf says what Latency measures ("login", "delivery").
	LatencyOf string   `json:"latency_of,omitempty"`
	Latency   *Latency `json:"latency,omitempty"`
	// Metrics are the scenario's derived numbers, in display order.
	Metrics Metrics `json:"metrics"`
	Samples Samples `json:"server_samples,omitempty"`
	// Warnings: what could not be measured (a server sample that failed).
	Warnings []string `json:"warnings,omitempty"`
	// OK: no failures, no loss.
	OK bool `json:"ok"`

	// Hist is the merged latency histogram, for charts.
	Hist *Histogram `json:"-"`
	// Trace is the server's RSS against the progress count, sampled a few
	// times a second when RunOptions.Trace is set, for charts.
	Trace []TracePoint `json:"-"`
}

// TracePoint is one sample of a trace.
type TracePoint struct {
	Done int64 // progress units done (sessions up, for idle and bosh)
	RSS  int64 // server RSS, bytes
}

// Metric is one named number.
type Metric struct {
	Name  string
	Value any // int64, float64 or string
	Unit  string
}

// Metrics is an ordered list of metrics; it marshals to a JSON object with
// keys in list order.
type Metrics []Metric

// Add appends a metric.
func (m *Metrics) Add(name string, v any, unit string) { *m = append(*m, Metric{name, v, unit}) }

// Get returns the value of metric name.
func (m Metrics) Get(name string) (any, bool) {
	for _, x := range m {
		if x.Name == name {
			return x.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes {"name": value, ...} in order. NaN and infinities,
// which JSON cannot hold, become null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(x.Name)
		b.Write(k)
		b.WriteByte(':')
		v := x.Value
		if f, ok := v.(float64); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				v = nil
			} else {
				v = round(f)
			}
		}
		j, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(j)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object back (order by key, units lost); for tools
// that read reports.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	*m = (*m)[:0]
	for _, k := range keys {
		m.Add(k, raw[k], "")
	}
	return nil
}

// round keeps four significant decimals, enough for any benchmark figure.
func round(f float64) float64 {
	if f == 0 || math.Abs(f) >= 1e15 {
		return f
	}
	s := strconv.FormatFloat(f, 'g', 6, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

// WriteJSON writes the report as one line.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteMarkdown writes the report as a Markdown table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### xmppbench %s against %s\n\n", r.Scenario, r.Server)
	var params []string
	for _, p := range r.Params {
		params = append(params, fmt.Sprintf("%s=%s", p.Name, formatValue(p.Value)))
	}
	fmt.Fprintf(&b, "%s; %d process(es); measured phase %.2f s\n\n", strings.Join(params, " "), r.Procs, r.Elapsed)
	b.WriteString("| metric | value |\n|---|---:|\n")
	for _, m := range r.Metrics {
		fmt.Fprintf(&b, "| %s | %s |\n", label(m), formatValue(m.Value))
	}
	if l := r.Latency; l != nil {
		for _, q := range []struct {
			name string
			v    float64
		}{{"p50", l.P50}, {"p90", l.P90}, {"p99", l.P99}, {"p99.9", l.P999}, {"max", l.Max}, {"mean", l.Mean}} {
			fmt.Fprintf(&b, "| %s latency %s (ms) | %s |\n", r.LatencyOf, q.name, strconv.FormatFloat(q.v, 'f', 2, 64))
		}
	}
	for _, k := range sortedKeys(r.Failures) {
		fmt.Fprintf(&b, "| failures: %s | %d |\n", k, r.Failures[k])
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "| warning | %s |\n", w)
	}
	ok := "yes"
	if !r.OK {
		ok = "**no**"
	}
	fmt.Fprintf(&b, "| ok (no failures, no loss) | %s |\n", ok)
	_, err := io.WriteString(w, b.String())
	return err
}

func label(m Metric) string {
	if m.Unit == "" {
		return m.Name
	}
	return m.Name + " (" + m.Unit + ")"
}

func formatValue(v any) string {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "n/a"
		}
		if x == math.Trunc(x) && math.Abs(x) < 1e12 {
			return strconv.FormatInt(int64(x), 10)
		}
		switch a := math.Abs(x); {
		case a >= 100:
			return strconv.FormatFloat(x, 'f', 0, 64)
		case a >= 1:
			return strconv.FormatFloat(x, 'f', 2, 64)
		default:
			return strconv.FormatFloat(x, 'g', 3, 64)
		}
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// perUnit divides safely: NaN when there is nothing to divide by.
func perUnit(num, den float64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return num / den
}
