package engine

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"xmppd/engine/sasl"
	"xmppd/engine/session"
	"xmppd/storage"
	"xmppd/storage/memstore"
)

// The per-session heap budget for an idle, authenticated, bound plaintext
// session on the server: conn, decoder, session, router entry and gnet's
// connection (about 1.2 KiB today). The design goal is 2 KiB of RSS per
// session at 15k sessions (BENCHMARKS.md), which the server meets with 25%
// GC headroom (internal/gctune) and the storage cache on top of the live
// heap; the test holds live heap to 1.5 KiB so that a regression fails
// here, not in a benchmark run weeks later.
const sessionHeapBudget = 1536

const memClients = 2000

// TestMain lets the test binary act as the client side of the memory test:
// with XMPPD_MEMTEST_CLIENT set it opens that many sessions and holds them
// until its standard input closes.
func TestMain(m *testing.M) {
	if spec := os.Getenv("XMPPD_MEMTEST_CLIENT"); spec != "" {
		os.Exit(memClient(spec))
	}
	os.Exit(m.Run())
}

// memClient logs in n users (addr,n) over plaintext PLAIN, prints "ready",
// and waits for stdin to close.
func memClient(spec string) int {
	parts := strings.Split(spec, ",")
	addr := parts[0]
	n, _ := strconv.Atoi(parts[1])
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := loginRaw(addr, fmt.Sprintf("m%d", i))
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	return 0
}

func loginRaw(addr, user string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(c)
	expect := func(want string) error {
		var b strings.Builder
		buf := make([]byte, 2048)
		for !strings.Contains(b.String(), want) {
			n, err := r.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				return fmt.Errorf("%s: waiting for %q: %v (%q)", user, want, err, b.String())
			}
		}
		return nil
	}
	steps := []struct{ send, want string }{
		{header, "</stream:features>"},
		{"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00pw")) + "</auth>", "<success"},
		{header, "</stream:features>"},
		{"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>", "</iq>"},
		{"<presence/><iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>", "id='p'"},
	}
	for _, s := range steps {
		if _, err := c.Write([]byte(s.send)); err != nil {
			return nil, err
		}
		if err := expect(s.want); err != nil {
			return nil, err
		}
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestIdleSessionMemoryBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2000 connections")
	}
	// With and without rosters: a session keeps no roster in memory (the
	// engine/session policy), so 50 contacts online and subscribed must not
	// change the per-session cost.
	for _, roster := range []int{0, 50} {
		t.Run(fmt.Sprintf("roster-%d", roster), func(t *testing.T) { idleSessionMemory(t, roster) })
	}
}

func idleSessionMemory(t *testing.T, roster int) {
	if os.Getenv("XMPPD_MEMTEST_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	store := memstore.New()
	c1, c256, err := sasl.NewCredentials("pw", sasl.DefaultIterations)
	if err != nil {
		t.Fatal(err)
	}
	for i := range memClients {
		u := storage.User{Name: fmt.Sprintf("m%d", i), SHA1: storage.ScramKeys(c1), SHA256: storage.ScramKeys(c256)}
		if err := store.CreateUser(u); err != nil {
			t.Fatal(err)
		}
		if roster > 0 {
			items := make([]storage.RosterItem, roster)
			for j := range items {
				items[j] = storage.RosterItem{Contact: fmt.Sprintf("m%d@localhost", (i+j+1)%memClients), Subscription: storage.SubscriptionBoth}
			}
			if _, err := store.ReplaceRoster(u.Name, items); err != nil {
				t.Fatal(err)
			}
		}
	}
	ts := startServer(t, nil, func(c *session.Config) { c.Store = store })
	before := liveHeap()
	goroutinesBefore := runtime.NumGoroutine()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("XMPPD_MEMTEST_CLIENT=%s,%d", ts.l.Addr(), memClients))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("client: %q %v", line, err)
	}
	if got := ts.srv.Stats.BoundSessions(); got != memClients {
		t.Fatalf("%d sessions bound, want %d", got, memClients)
	}
	after := liveHeap()
	if p := os.Getenv("XMPPD_MEMTEST_HEAPPROFILE"); p != "" {
		f, _ := os.Create(p)
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	per := float64(after-before) / memClients
	t.Logf("roster %d: live heap %d -> %d bytes: %.0f bytes per idle authenticated session (budget %d); goroutines %d -> %d",
		roster, before, after, per, sessionHeapBudget, goroutinesBefore, runtime.NumGoroutine())
	if per > sessionHeapBudget {
		t.Fatalf("%.0f bytes of live heap per idle session, budget %d", per, sessionHeapBudget)
	}
	if g := runtime.NumGoroutine(); g > goroutinesBefore+20 {
		t.Fatalf("%d goroutines for %d sessions: something runs per connection", g, memClients)
	}
}
