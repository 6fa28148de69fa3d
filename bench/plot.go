package bench

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ErrNothingToPlot: the report holds neither a latency histogram nor a
// trace of the server's RSS.
var ErrNothingToPlot = errors.New("bench: nothing to plot (no latency recorded, no RSS trace)")

// WritePlots writes the charts a report supports to dir, as SVG and PNG:
// SCENARIO-latency-cdf (the latency CDF from the HDR histogram, on a log
// scale of the tail) and SCENARIO-rss (server RSS against sessions, from
// the trace; idle and bosh). It returns the files written.
func WritePlots(dir string, rep *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	// save draws pts as a line over a grid on p and writes it as name.
	save := func(p *plot.Plot, name string, pts plotter.XYs) error {
		p.Add(plotter.NewGrid())
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		p.Add(l)
		for _, ext := range []string{"svg", "png"} {
			f := filepath.Join(dir, rep.Scenario+"-"+name+"."+ext)
			if err := p.Save(16*vg.Centimeter, 10*vg.Centimeter, f); err != nil {
				return err
			}
			files = append(files, f)
		}
		return nil
	}
	if pts := latencyCDF(rep.Hist); len(pts) > 0 {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("xmppbench %s: %s latency", rep.Scenario, rep.LatencyOf)
		p.X.Label.Text = "percentile (log scale of 1/(1-q))"
		p.Y.Label.Text = "latency (ms)"
		p.X.Tick.Marker = percentileTicks{}
		if err := save(p, "latency-cdf", pts); err != nil {
			return files, err
		}
	}
	var rss plotter.XYs
	for _, t := range rep.Trace {
		if t.Done > 0 {
			rss = append(rss, plotter.XY{X: float64(t.Done), Y: float64(t.RSS) / (1 << 20)})
		}
	}
	if len(rss) > 0 && (rep.Scenario == "idle" || rep.Scenario == "bosh") {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("xmppbench %s: server RSS against sessions", rep.Scenario)
		p.X.Label.Text = "sessions"
		p.Y.Label.Text = "server RSS (MiB)"
		p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			ts := plot.DefaultTicks{}.Ticks(lo, hi)
			for i := range ts {
				if ts[i].Label != "" {
					ts[i].Label = strconv.FormatFloat(ts[i].Value, 'f', 1, 64)
				}
			}
			return ts
		})
		if err := save(p, "rss", rss); err != nil {
			return files, err
		}
	}
	if len(files) == 0 {
		return nil, ErrNothingToPlot
	}
	return files, nil
}

// latencyCDF maps the histogram's distribution to points (x, ms) where x
// is log10(1/(1-q)): 1 is p90, 2 is p99, 3 is p99.9, so the tail, which
// is what matters, gets as much room as the body.
func latencyCDF(h *Histogram) plotter.XYs {
	if h == nil || h.h == nil || h.h.TotalCount() == 0 {
		return nil
	}
	var pts plotter.XYs
	for _, b := range h.h.CumulativeDistribution() {
		q := b.Quantile / 100
		if q >= 1 {
			q = 1 - 1/float64(h.h.TotalCount()*10)
		}
		pts = append(pts, plotter.XY{X: -math.Log10(1 - q), Y: float64(b.ValueAt) / 1000})
	}
	return pts
}

// percentileTicks labels the log axis of latencyCDF.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	labels := []string{"p0", "p90", "p99", "p99.9", "p99.99", "p99.999", "p99.9999"}
	var ts []plot.Tick
	for i, l := range labels {
		if x := float64(i); x >= lo && x <= hi+0.5 {
			ts = append(ts, plot.Tick{Value: x, Label: l})
		}
	}
	return ts
}
