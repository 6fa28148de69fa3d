package admin

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// wantProfile checks a pprof protobuf answer: gzipped and not empty.
func wantProfile(t *testing.T, r response) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %q", r.status, r.body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("not a gzipped profile: %v", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil || len(raw) == 0 {
		t.Fatalf("profile body: %d bytes, %v", len(raw), err)
	}
}

func TestPprof(t *testing.T) {
	_, base := start(t, Config{})

	t.Run("index", func(t *testing.T) {
		r := get(t, base+"/debug/pprof/")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%d %q", r.status, r.header.Get("Content-Type"))
		}
		for _, name := range []string{"goroutine", "heap", "mutex", "block", "allocs", "threadcreate", "profile", "trace", "cmdline", "symbol"} {
			if !bytes.Contains(r.body, []byte("href='"+name)) {
				t.Errorf("index does not link %s", name)
			}
		}
	})
	t.Run("redirect", func(t *testing.T) {
		r := get(t, base+"/debug/pprof")
		if r.status != 301 || r.header.Get("Location") != "/debug/pprof/" {
			t.Errorf("%d %q", r.status, r.header.Get("Location"))
		}
	})
	t.Run("cpu profile", func(t *testing.T) {
		start := time.Now()
		wantProfile(t, get(t, base+"/debug/pprof/profile?seconds=1"))
		if d := time.Since(start); d < time.Second {
			t.Errorf("a 1 s profile took %v", d)
		}
	})
	for _, name := range []string{"heap", "goroutine", "allocs", "threadcreate", "mutex", "block"} {
		t.Run(name, func(t *testing.T) { wantProfile(t, get(t, base+"/debug/pprof/"+name)) })
	}
	t.Run("goroutine text", func(t *testing.T) {
		r := get(t, base+"/debug/pprof/goroutine?debug=1")
		if r.status != 200 || !bytes.Contains(r.body, []byte("goroutine profile:")) {
			t.Errorf("%d %.100q", r.status, r.body)
		}
	})
	t.Run("heap delta", func(t *testing.T) { wantProfile(t, get(t, base+"/debug/pprof/heap?seconds=1")) })
	t.Run("cmdline", func(t *testing.T) {
		r := get(t, base+"/debug/pprof/cmdline")
		if r.status != 200 || !bytes.Contains(r.body, []byte(".test")) {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
	t.Run("symbol", func(t *testing.T) {
		r := get(t, base+"/debug/pprof/symbol")
		if r.status != 200 || !bytes.HasPrefix(r.body, []byte("num_symbols:")) {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
	t.Run("trace", func(t *testing.T) {
		r := get(t, base+"/debug/pprof/trace?seconds=0.2")
		if r.status != 200 || len(r.body) == 0 {
			t.Errorf("%d, %d bytes", r.status, len(r.body))
		}
	})
	t.Run("unknown profile", func(t *testing.T) {
		wantError(t, get(t, base+"/debug/pprof/nonesuch"), 404, CodeNotFound)
	})
}

// TestProfileRates checks that mutex and block sampling is off unless asked
// for, and on only for the window of the request that asks.
func TestProfileRates(t *testing.T) {
	if runtime.SetMutexProfileFraction(-1) != 0 {
		t.Skip("mutex profiling already on in this process")
	}
	_, base := start(t, Config{})

	for _, q := range []string{"rate=5", "rate=0&seconds=1", "rate=x&seconds=1", "rate=5&seconds=0", "rate=5&seconds=601"} {
		wantError(t, get(t, base+"/debug/pprof/mutex?"+q), 400, CodeBadRequest)
	}

	var wg sync.WaitGroup
	var windowed response
	wg.Add(1)
	go func() {
		defer wg.Done()
		windowed = get(t, base+"/debug/pprof/mutex?seconds=2&rate=1")
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.SetMutexProfileFraction(-1) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the window never switched mutex sampling on")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Contend a lock so the window records something.
	var mu sync.Mutex
	var cwg sync.WaitGroup
	for range 4 {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for range 1000 {
				mu.Lock()
				time.Sleep(time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	wantError(t, get(t, base+"/debug/pprof/mutex?seconds=1&rate=1"), 409, CodeConflict)
	// The block profile has a window of its own.
	wantProfile(t, get(t, base+"/debug/pprof/block?seconds=1&rate=1000"))
	cwg.Wait()
	wg.Wait()
	wantProfile(t, windowed)
	if f := runtime.SetMutexProfileFraction(-1); f != 0 {
		t.Errorf("mutex fraction %d after the window, want 0", f)
	}
}

// TestProfileRatesConfigured: the config knob holds the rate for the
// server's lifetime.
func TestProfileRatesConfigured(t *testing.T) {
	if runtime.SetMutexProfileFraction(-1) != 0 {
		t.Skip("mutex profiling already on in this process")
	}
	s, err := New(Config{Addr: "127.0.0.1:0", MutexProfileFraction: 7, BlockProfileRate: 1000,
		Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if runtime.SetMutexProfileFraction(-1) != 0 {
		t.Fatal("New switched sampling on; Start should")
	}
	addr, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	if f := runtime.SetMutexProfileFraction(-1); f != 7 {
		t.Errorf("after Start: fraction %d, want 7", f)
	}
	// A window returns to the configured rate, not to 0.
	wantProfile(t, get(t, "http://"+addr+"/debug/pprof/mutex?seconds=1&rate=1"))
	if f := runtime.SetMutexProfileFraction(-1); f != 7 {
		t.Errorf("after a window: fraction %d, want 7", f)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f := runtime.SetMutexProfileFraction(-1); f != 0 {
		t.Errorf("after Shutdown: fraction %d, want 0", f)
	}
}

// TestShutdownEndsProfile: Shutdown cancels the request context, so a long
// CPU profile does not hold the server up.
func TestShutdownEndsProfile(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/debug/pprof/profile?seconds=60")
		if err != nil {
			done <- -1
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait until the request is in its handler. Whether the handler has
	// started the CPU profile by the time Shutdown cancels its context or
	// not, the profile must end at once and Shutdown must not wait for it.
	for deadline := time.Now().Add(5 * time.Second); s.handling.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the profile request never reached its handler")
		}
		runtime.Gosched()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begin := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Shutdown took %v with a profile running", d)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the profile request never ended")
	}
}
