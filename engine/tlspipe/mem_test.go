package tlspipe

import (
	"crypto/tls"
	"runtime"
	"testing"
)

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idleHeapPerConn completes n handshakes (plus one echoed byte) through the
// in-memory harness, drops every client, and returns the live heap per
// server connection: the Pipe, its tls.Conn and the fake socket, minus the
// fake socket's own size measured alone (a gnet adapter is 48 bytes).
func idleHeapPerConn(t testing.TB, n int, version uint16) (perConn, scaffold float64) {
	env := newEnv(t, runtime.GOMAXPROCS(0), func(c *Config) { c.OnHandshake = nil })
	connect := func() *Pipe {
		s := env.newServerConn(false)
		tc := tls.Client(s.dial(nil), env.clientConfig(version))
		if err := echo(tc, []byte("x")); err != nil {
			t.Fatal(err)
		}
		// Keep only what the engine would keep: the pipe (and its socket).
		env.loop.call(func() { s.sock.traffic, s.sock.onClose = nil, nil })
		return s.p
	}
	for range 16 { // warm the pools
		connect().Close()
	}
	env.loop.call(func() {})

	base := heapAlloc()
	socks := make([]*fakeSocket, n)
	for i := range socks {
		socks[i] = newFakeSocket(env.loop)
	}
	scaffold = float64(heapAlloc()-base) / float64(n)
	runtime.KeepAlive(socks)
	socks = nil

	base = heapAlloc()
	pipes := make([]*Pipe, n)
	for i := range pipes {
		pipes[i] = connect()
	}
	env.loop.call(func() {})
	perConn = float64(heapAlloc()-base)/float64(n) - scaffold
	runtime.KeepAlive(pipes)
	for _, p := range pipes {
		p.Close()
	}
	return perConn, scaffold
}

// TestIdleHeapPerConn logs the heap an idle TLS connection costs. It is a
// measurement, not an assertion (the budget is 8 KiB; see
// shared/DEPENDENCY-NOTES.md §2), except for a loose ceiling that catches a
// buffer retained by mistake.
func TestIdleHeapPerConn(t *testing.T) {
	n := 1000
	if testing.Short() || raceEnabled { // the race detector's shadow memory skews the figure anyway
		n = 100
	}
	for _, tt := range []struct {
		name    string
		version uint16
	}{{"TLS1.3", tls.VersionTLS13}, {"TLS1.2", tls.VersionTLS12}} {
		t.Run(tt.name, func(t *testing.T) {
			per, scaffold := idleHeapPerConn(t, n, tt.version)
			t.Logf("%s: %.0f B heap per idle TLS connection (pipe + tls.Conn), %d connections; fake socket %.0f B excluded",
				tt.name, per, n, scaffold)
			if per > 16<<10 {
				t.Errorf("%.0f B per idle connection: something retains a buffer", per)
			}
		})
	}
}

func BenchmarkIdleHeapPerConn(b *testing.B) {
	var per float64
	for b.Loop() {
		per, _ = idleHeapPerConn(b, 500, tls.VersionTLS13)
	}
	b.ReportMetric(per, "B/conn")
}

// BenchmarkHandshake: full TLS 1.3 handshakes through the in-memory harness,
// client and server in one process (so roughly half the CPU is the client's).
func BenchmarkHandshake(b *testing.B) {
	for _, bb := range []struct {
		name   string
		curves []tls.CurveID
	}{{"default-curves", nil}, {"X25519-only", []tls.CurveID{tls.X25519}}} {
		b.Run(bb.name, func(b *testing.B) {
			env := newEnv(b, runtime.GOMAXPROCS(0), func(c *Config) { c.OnHandshake = nil })
			ccfg := env.clientConfig(tls.VersionTLS13)
			ccfg.CurvePreferences = bb.curves
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					s := env.newServerConn(false)
					tc := tls.Client(s.dial(nil), ccfg)
					if err := tc.Handshake(); err != nil {
						b.Error(err)
						return
					}
					<-s.ready // the server saw the handshake complete
					s.p.Close()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}

// BenchmarkEcho: 1 KiB stanza in, 1 KiB out, on an established connection.
func BenchmarkEcho(b *testing.B) {
	env := newEnv(b, 1, func(c *Config) { c.OnHandshake = nil })
	s := env.newServerConn(false)
	tc := tls.Client(s.dial(nil), env.clientConfig(tls.VersionTLS13))
	msg := payload(1, 1024)
	if err := echo(tc, msg); err != nil {
		b.Fatal(err)
	}
	got := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tc.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := readFull(tc, got); err != nil {
			b.Fatal(err)
		}
	}
}
