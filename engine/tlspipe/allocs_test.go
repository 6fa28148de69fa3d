package tlspipe

import (
	"crypto/tls"
	"testing"
)

// nullSocket completes every write at once.
type nullSocket struct{ bytes int }

func (s *nullSocket) AsyncWrite(b []byte, done func()) error {
	s.bytes += len(b)
	if done != nil {
		done()
	}
	return nil
}
func (*nullSocket) Wake() error  { return nil }
func (*nullSocket) Close() error { return nil }

// TestSteadyStateAllocs: on an established connection, Input of one record
// and Write of a response allocate nothing in the pipe. crypto/tls itself
// allocates 2 per Input (Go 1.26): readFromUntil's &atLeastReader escapes,
// once for the record and once for the read that ends in "would block".
func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	env := newEnv(t, 1, nil)
	s := env.newServerConn(false)
	c := s.dial(nil)
	tc := tls.Client(c, env.clientConfig(tls.VersionTLS13))
	run(t, func() error { return echo(tc, []byte("x")) }) // handshake + ticket read
	<-s.ready
	env.loop.call(func() { s.noEcho = true }) // and nothing in flight

	const runs = 200
	msg := payload(3, 1024)
	c.capture = true
	for range runs + 1 { // AllocsPerRun warms up once
		if _, err := tc.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.records) != runs+1 {
		t.Fatalf("%d records captured", len(c.records))
	}
	// From here the test goroutine is the loop: the fake loop is idle.
	sock := &nullSocket{}
	s.p.sock = sock
	got := 0
	fn := func(b []byte) { got += len(b) }
	resp := payload(4, 1024)
	i := 0
	allocs := testing.AllocsPerRun(runs, func() {
		if err := s.p.Input(c.records[i], fn); err != nil {
			t.Fatal(err)
		}
		i++
		if _, err := s.p.Write(resp); err != nil {
			t.Fatal(err)
		}
	})
	if got != (runs+1)*len(msg) {
		t.Fatalf("decrypted %d bytes, want %d", got, (runs+1)*len(msg))
	}
	t.Logf("%.1f allocs per record in + record out (crypto/tls included)", allocs)
	if allocs > 2 {
		t.Fatalf("%.1f allocs per record in and out", allocs)
	}
}
