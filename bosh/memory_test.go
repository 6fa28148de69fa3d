package bosh

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMemoryPerHeldSession measures what the server holds per bound BOSH
// session, and per request held in it, with N sessions (XMPPD_BOSH_MEM=N,
// e.g. 5000; skipped otherwise). Sessions are prebound (no SASL to pay
// for); a child process (so that its memory is not counted) then holds one
// empty request in each, one connection per session, as a browser does
// between messages.
func TestMemoryPerHeldSession(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("XMPPD_BOSH_MEM"))
	if n <= 0 {
		t.Skip("set XMPPD_BOSH_MEM=5000 to measure memory per held session")
	}
	if os.Getenv("XMPPD_BOSH_MEM_PROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	h := newHTTPEnv(t, func(c *Config) { c.Users = nil }, nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(h.url, "http://"), DefaultPath)

	type sample struct {
		rss, heap, stack uint64
		goroutines       int
	}
	measure := func() sample {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return sample{rss: rssBytes(t), heap: ms.HeapInuse, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
	}
	// Warm up the pools and the HTTP server with a few sessions of their own.
	for i := range 20 {
		if _, _, _, err := h.srv.Prebind(fmt.Sprintf("warm%d@localhost", i)); err != nil {
			t.Fatal(err)
		}
	}
	base := measure()

	var list strings.Builder
	for i := range n {
		_, sid, rid, err := h.srv.Prebind(fmt.Sprintf("user%d@localhost", i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&list, "%s %d\n", sid, rid)
	}
	bound := measure()

	file := filepath.Join(t.TempDir(), "sessions")
	if err := os.WriteFile(file, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestMemoryHeldClient$")
	cmd.Env = append(os.Environ(), "BOSH_MEM_CHILD="+addr+" "+file)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
		t.Log("child:", sc.Text())
	}
	deadline := time.Now().Add(60 * time.Second)
	for h.srv.Stats.Held.Load() < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests held", h.srv.Stats.Held.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	held := measure()
	if p := os.Getenv("XMPPD_BOSH_MEM_PROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		runtime.MemProfileRate = 1
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) / 1024 }
	t.Logf("%d bound BOSH sessions: RSS +%.2f KiB/session (heap %.2f, stacks %.2f)",
		n, per(base.rss, bound.rss), per(base.heap, bound.heap), per(base.stack, bound.stack))
	t.Logf("one held request each: RSS +%.2f KiB/session (heap %.2f, stacks %.2f), goroutines %d -> %d",
		per(bound.rss, held.rss), per(bound.heap, held.heap), per(bound.stack, held.stack), bound.goroutines, held.goroutines)
	t.Logf("total per held BOSH session: RSS %.2f KiB (heap %.2f, stacks %.2f)",
		per(base.rss, held.rss), per(base.heap, held.heap), per(base.stack, held.stack))
}

// TestMemoryHeldClient is the child of TestMemoryPerHeldSession.
func TestMemoryHeldClient(t *testing.T) {
	arg := os.Getenv("BOSH_MEM_CHILD")
	if arg == "" {
		t.Skip("child process of TestMemoryPerHeldSession")
	}
	addr, file, _ := strings.Cut(arg, " ")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		sid, rid, _ := strings.Cut(line, " ")
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		body := "<body xmlns='" + nsHTTPBind + "' rid='" + rid + "' sid='" + sid + "'/>"
		req := "POST " + DefaultPath + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, c := range conns {
		c.Close()
	}
}

func rssBytes(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: cannot measure RSS")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
