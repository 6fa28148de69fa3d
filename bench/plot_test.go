package bench

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWritePlots(t *testing.T) {
	h := NewHistogram()
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	rep := &Report{Scenario: "idle", LatencyOf: "login", Hist: h}
	for i := int64(1); i <= 10; i++ {
		rep.Trace = append(rep.Trace, TracePoint{Done: i * 100, RSS: 20<<20 + i*100*2048})
	}
	dir := t.TempDir()
	files, err := WritePlots(dir, rep)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"idle-latency-cdf.svg", "idle-latency-cdf.png", "idle-rss.svg", "idle-rss.png"}
	if len(files) != len(want) {
		t.Fatalf("wrote %v, want %v", files, want)
	}
	for i, w := range want {
		if filepath.Base(files[i]) != w {
			t.Errorf("file %d: %s, want %s", i, files[i], w)
		}
		b, err := os.ReadFile(filepath.Join(dir, w))
		if err != nil || len(b) < 100 {
			t.Fatalf("%s: %d bytes, %v", w, len(b), err)
		}
		if strings.HasSuffix(w, ".png") && string(b[1:4]) != "PNG" {
			t.Errorf("%s is not a PNG", w)
		}
		if strings.HasSuffix(w, ".svg") && !strings.Contains(string(b), "<svg") {
			t.Errorf("%s is not an SVG", w)
		}
	}
	if _, err := WritePlots(dir, &Report{Scenario: "msg"}); !errors.Is(err, ErrNothingToPlot) {
		t.Errorf("empty report: %v", err)
	}
}
