package gctune

import (
	"runtime"
	"testing"
)

func TestPercent(t *testing.T) {
	p := Default
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},         // nothing measured yet: Go's default
		{512 << 10, 100}, // 4 MiB headroom would be 800%: Go's default
		{4 << 20, 100},   // 4 MiB over 4 MiB
		{5 << 20, 80},    // 4 MiB over 5 MiB
		{6 << 20, 67},    // rounded up: never less than 4 MiB
		{10 << 20, 40},   // 4 MiB over 10 MiB
		{25 << 20, 25},   // 15,000 idle sessions: 25% of the live heap
		{1 << 30, 25},    // a very large heap stays at MinPercent
	} {
		if got := p.Percent(tc.live); got != tc.want {
			t.Errorf("Percent(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
	if got := (Policy{}).Percent(25 << 20); got != 25 {
		t.Errorf("zero Policy: Percent = %d, want the default's 25", got)
	}
}

func TestStepSetsOnlyOnChange(t *testing.T) {
	live := uint64(40 << 20)
	var sets []int
	tu := &Tuner{Policy: Default, Live: func() uint64 { return live }, Set: func(p int) int { sets = append(sets, p); return 0 }}
	tu.Step()
	live = 24 << 20 // still 25%
	tu.Step()
	live = 10 << 20 // 40%
	tu.Step()
	live = 9<<20 + 512<<10 // 43%: within 5 points of 40
	tu.Step()
	live = 2 << 20 // 100%
	if got := tu.Step(); got != 100 {
		t.Fatalf("Step = %d, want 100", got)
	}
	want := []int{25, 40, 100}
	if len(sets) != len(want) {
		t.Fatalf("set %v, want %v", sets, want)
	}
	for i := range want {
		if sets[i] != want[i] {
			t.Fatalf("set %v, want %v", sets, want)
		}
	}
}

// The default reader reports the live heap the runtime measured.
func TestLiveHeap(t *testing.T) {
	keep := make([]byte, 8<<20)
	runtime.GC()
	if got := liveHeap(); got < 8<<20 {
		t.Fatalf("live heap %d with 8 MiB held", got)
	}
	runtime.KeepAlive(keep)
}
