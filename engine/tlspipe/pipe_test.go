package tlspipe

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// payload returns n deterministic bytes.
func payload(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(rng.IntN(26))
	}
	return b
}

// echo writes msg and reads the same number of bytes back.
func echo(tc *tls.Conn, msg []byte) error {
	if _, err := tc.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(tc, got); err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return errors.New("echo differs")
	}
	return nil
}

func TestHandshakeAndEcho(t *testing.T) {
	for _, tt := range []struct {
		name string
		max  uint16
	}{{"TLS1.3", tls.VersionTLS13}, {"TLS1.2", tls.VersionTLS12}} {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, 2, nil)
			s := env.newServerConn(false)
			tc := tls.Client(s.dial(nil), env.clientConfig(tt.max))
			run(t, func() error {
				if err := tc.Handshake(); err != nil {
					return err
				}
				for i, n := range []int{1, 100, 5000, 16384, 70000} {
					if err := echo(tc, payload(uint64(i), n)); err != nil {
						return fmt.Errorf("size %d: %w", n, err)
					}
				}
				return nil
			})
			if ev := env.handshakeEvent(); ev.err != nil {
				t.Fatalf("OnHandshake: %v", ev.err)
			}
			if !s.p.Ready() || s.p.Err() != nil {
				t.Fatalf("Ready=%v Err=%v", s.p.Ready(), s.p.Err())
			}
			cs, ok := s.p.ConnectionState()
			if !ok || !cs.HandshakeComplete || cs.Version != tt.max || cs.ServerName != "localhost" {
				t.Fatalf("ConnectionState = %+v, %v", cs, ok)
			}
			cb, err := s.p.ChannelBinding()
			if tt.max == tls.VersionTLS12 {
				if !errors.Is(err, ErrNoChannelBinding) {
					t.Fatalf("ChannelBinding on TLS 1.2: %v", err)
				}
			} else {
				ccs := tc.ConnectionState()
				want, werr := ccs.ExportKeyingMaterial(ChannelBindingLabel, nil, 32)
				if err != nil || werr != nil || len(cb) != 32 || !bytes.Equal(cb, want) {
					t.Fatalf("ChannelBinding = %x, %v; client %x, %v", cb, err, want, werr)
				}
			}

			// The client hangs up with close_notify: ReadPlain reports io.EOF.
			run(t, tc.Close)
			s.sock.waitClosed(t)
			env.loop.call(func() {})
			if s.inputErr != io.EOF {
				t.Fatalf("after close_notify Input returned %v, want io.EOF", s.inputErr)
			}
			if _, err := s.p.Write([]byte("x")); !errors.Is(err, ErrClosed) {
				t.Fatalf("Write after close: %v", err)
			}
			if _, ok := s.p.ConnectionState(); ok {
				t.Fatal("ConnectionState after close")
			}
		})
	}
}

// TestTrickle delivers the client's bytes in 1..7-byte pieces, during the
// handshake and after it, so that every record arrives split at every
// possible place, including inside the 5-byte header.
func TestTrickle(t *testing.T) {
	for _, tt := range []struct {
		name     string
		max      uint16
		starttls bool
	}{
		{"TLS1.3", tls.VersionTLS13, false},
		{"TLS1.2", tls.VersionTLS12, false},
		{"STARTTLS", tls.VersionTLS13, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, 2, nil)
			s := env.newServerConn(tt.starttls)
			rng := rand.New(rand.NewPCG(42, 1))
			c := s.dial(func() int { return 1 + rng.IntN(7) })
			if tt.starttls {
				c.prefix, c.strip = []byte("<stream><starttls/>"), []byte("<proceed/>")
			}
			tc := tls.Client(c, env.clientConfig(tt.max))
			var sent bytes.Buffer
			run(t, func() error {
				for i, n := range []int{3, 700, 17000, 1, 4096} {
					msg := payload(uint64(i), n)
					sent.Write(msg)
					if err := echo(tc, msg); err != nil {
						return fmt.Errorf("size %d: %w", n, err)
					}
				}
				return nil
			})
			env.loop.call(func() {
				if !bytes.Equal(s.got.Bytes(), sent.Bytes()) {
					t.Errorf("server got %d bytes, want %d", s.got.Len(), sent.Len())
				}
			})
		})
	}
}

// TestStartTLSCoalesced: the ClientHello arrives in the same read as
// <starttls/>, and application data in the same read as the client's
// Finished; nothing may be lost or misattributed.
func TestStartTLSCoalesced(t *testing.T) {
	env := newEnv(t, 1, nil)
	s := env.newServerConn(true)
	c := s.dial(nil)
	c.prefix, c.strip = []byte("<?xml version='1.0'?><stream:stream><starttls/>"), []byte("<proceed/>")
	tc := tls.Client(c, env.clientConfig(tls.VersionTLS13))
	run(t, func() error { return echo(tc, []byte("hello after starttls")) })
	env.loop.call(func() {
		// The handshake started from the bytes after <starttls/> in the
		// same read: the ClientHello record header follows it directly.
		prefix := "<?xml version='1.0'?><stream:stream><starttls/>"
		if !bytes.HasPrefix(s.pre, []byte(prefix)) || len(s.pre) <= len(prefix) || s.pre[len(prefix)] != 0x16 {
			t.Errorf("first read was %q, want the prefix and a ClientHello", s.pre[:min(len(s.pre), len(prefix)+5)])
		}
		if s.got.String() != "hello after starttls" {
			t.Errorf("server got %q", s.got.String())
		}
	})
}

// TestFinishedCoalescedWithData holds back the client's Finished and
// releases it with application data as one delivery, so that plaintext is
// already buffered when the handshake completes: the Wake must drain it.
func TestFinishedCoalescedWithData(t *testing.T) {
	env := newEnv(t, 1, nil)
	s := env.newServerConn(false)
	s.noEcho = true
	c := s.dial(nil)
	held := &holdingConn{clientConn: c}
	tc := tls.Client(held, env.clientConfig(tls.VersionTLS13))
	// The TLS 1.3 client considers the handshake done once it has sent
	// Finished, so Write returns before the server has seen anything.
	held.hold = true
	run(t, func() error {
		if err := tc.Handshake(); err != nil {
			return err
		}
		if _, err := tc.Write([]byte("early app data")); err != nil {
			return err
		}
		held.flush()
		return nil
	})
	<-s.ready
	env.loop.call(func() {
		if s.got.String() != "early app data" {
			t.Errorf("server got %q", s.got.String())
		}
	})
}

type holdingConn struct {
	*clientConn
	mu   sync.Mutex
	hold bool
	buf  []byte
}

func (h *holdingConn) Write(b []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// The ClientHello must go out, or the handshake cannot progress.
	if h.hold && len(h.buf) == 0 && len(b) > 0 && b[0] == 0x16 && b[5] == 0x01 {
		return h.clientConn.Write(b)
	}
	if h.hold {
		h.buf = append(h.buf, b...)
		return len(b), nil
	}
	return h.clientConn.Write(b)
}

func (h *holdingConn) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold = false
	h.clientConn.Write(h.buf)
	h.buf = nil
}

// blockingTLS returns a server config whose handshakes wait in
// GetConfigForClient until release is closed, signalling entered first.
func blockingTLS(base *tls.Config, entered chan<- struct{}, release <-chan struct{}) *tls.Config {
	return &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if entered != nil {
			entered <- struct{}{}
		}
		<-release
		return base, nil
	}}
}

func TestHandshakeTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		send func(t *testing.T, s *serverConn)
	}{
		{"silent", func(*testing.T, *serverConn) {}},
		{"half a ClientHello", func(t *testing.T, s *serverConn) {
			s.dial(nil).Write(clientHello(t, s.env.clientConfig(0))[:100])
		}},
		{"stuck in the handshake", func(t *testing.T, s *serverConn) {
			s.dial(nil).Write(clientHello(t, s.env.clientConfig(0)))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			env := newEnv(t, 1, func(c *Config) {
				c.HandshakeTimeout = 50 * time.Millisecond
				c.TLS = blockingTLS(c.TLS, nil, release)
			})
			s := env.newServerConn(false)
			tt.send(t, s)
			s.sock.waitClosed(t)
			if ev := env.handshakeEvent(); !errors.Is(ev.err, ErrHandshakeTimeout) {
				t.Fatalf("OnHandshake err = %v", ev.err)
			}
			if !errors.Is(s.p.Err(), ErrHandshakeTimeout) {
				t.Fatalf("Err = %v", s.p.Err())
			}
		})
	}
}

// TestTimeoutWhileQueued: the handshake timer runs while a pipe waits for a
// worker.
func TestTimeoutWhileQueued(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	env := newEnv(t, 1, func(c *Config) { c.TLS = blockingTLS(c.TLS, entered, release) })
	stuck := env.newServerConn(false) // default timeout: occupies the only worker
	stuck.dial(nil).Write(clientHello(t, env.clientConfig(0)))
	<-entered

	short := *env.cfg // same Handshaker
	short.HandshakeTimeout = 50 * time.Millisecond
	queued := &serverConn{env: env, sock: newFakeSocket(env.loop), ready: make(chan struct{})}
	queued.sock.traffic = queued.onTraffic
	env.loop.call(func() {
		p, err := Server(queued.sock, &short, clientHello(t, env.clientConfig(0)))
		if err != nil {
			t.Error(err)
		}
		queued.p = p
	})
	if st := env.cfg.Handshaker.Stats(); st.Running != 1 || st.Queued != 1 {
		t.Fatalf("stats %+v", st)
	}
	queued.sock.waitClosed(t)
	if ev := env.handshakeEvent(); !errors.Is(ev.err, ErrHandshakeTimeout) {
		t.Fatalf("OnHandshake err = %v", ev.err)
	}
	stuck.p.Close()
}

// TestSilentClientHoldsNoWorker: connections that send nothing (or half a
// ClientHello) do not occupy the handshake workers.
func TestSilentClientHoldsNoWorker(t *testing.T) {
	env := newEnv(t, 1, nil)
	silent := env.newServerConn(false)
	half := env.newServerConn(false)
	half.dial(nil).Write(clientHello(t, env.clientConfig(0))[:100])
	s := env.newServerConn(false)
	tc := tls.Client(s.dial(nil), env.clientConfig(0))
	run(t, func() error { return echo(tc, []byte("ok")) })
	if st := env.cfg.Handshaker.Stats(); st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	silent.p.Close()
	half.p.Close()
}

func TestGarbage(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		wantAlert bool
		check     func(error) bool
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false,
			func(err error) bool { var rh tls.RecordHeaderError; return errors.As(err, &rh) }},
		{"xml", []byte("<?xml version='1.0'?><stream:stream to='x'>"), false,
			func(err error) bool { var rh tls.RecordHeaderError; return errors.As(err, &rh) }},
		{"malformed handshake", []byte{0x16, 0x03, 0x01, 0x00, 0x06, 0x01, 0x00, 0x00, 0x02, 0xff, 0xff}, true,
			func(err error) bool { return err != nil }},
		{"oversized record", []byte{0x16, 0x03, 0x01, 0xff, 0xff}, true,
			func(err error) bool { return err != nil }},
		{"alert instead of hello", []byte{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28}, false,
			func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, 1, nil)
			s := env.newServerConn(false)
			s.dial(func() int { return 3 }).Write(tt.in)
			s.sock.waitClosed(t)
			ev := env.handshakeEvent()
			if !tt.check(ev.err) || !tt.check(s.p.Err()) {
				t.Fatalf("handshake error %v (%T)", ev.err, ev.err)
			}
			out := s.sock.out.snapshot()
			if tt.wantAlert != (len(out) == 7 && out[0] == 0x15) {
				t.Fatalf("server sent %x (handshake error %v; pipe %v; input err %v; writes %d, total %d, pending %d)", out, ev.err, s.p.Err(), s.inputErr, s.sock.writes.Load(), s.sock.out.written(), s.sock.pending.Load())
			}
			if s.p.Ready() {
				t.Fatal("ready after garbage")
			}
		})
	}
}

func TestCloseUnblocksHandshake(t *testing.T) {
	for _, tt := range []struct {
		name  string
		close func(s *serverConn)
	}{
		{"Close", func(s *serverConn) { s.p.Close(); s.p.Close() }},
		{"peer hangs up", func(s *serverConn) { s.dial(nil).Close() }}, // OnClose → Close
		{"closed before ClientHello", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, 1, nil)
			s := env.newServerConn(false)
			if tt.close == nil {
				s.p.Close()
			} else {
				s.stall(t) // the only worker is blocked in this handshake
				tt.close(s)
			}
			if ev := env.handshakeEvent(); !errors.Is(ev.err, ErrClosed) {
				t.Fatalf("OnHandshake err = %v", ev.err)
			}
			s.sock.waitClosed(t)
			if !errors.Is(s.p.Err(), ErrClosed) {
				t.Fatalf("Err = %v", s.p.Err())
			}
			// The worker is free: the next handshake completes.
			s2 := env.newServerConn(false)
			tc := tls.Client(s2.dial(nil), env.clientConfig(0))
			run(t, func() error { return echo(tc, []byte("ok")) })
			if ev := env.handshakeEvent(); ev.err != nil {
				t.Fatal(ev.err)
			}
			select {
			case ev := <-env.events:
				t.Fatalf("extra OnHandshake %v", ev.err)
			default:
			}
		})
	}
}

// TestHandshakerBound: with 2 workers and 6 clients, exactly 2 handshakes
// run at a time and the rest wait in the queue; all complete.
func TestHandshakerBound(t *testing.T) {
	const workers, conns = 2, 6
	var mu sync.Mutex
	inside, maxInside := 0, 0
	entered := make(chan struct{}, conns)
	release := make(chan struct{})
	env := newEnv(t, workers, func(c *Config) {
		base := c.TLS
		c.TLS = &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			entered <- struct{}{}
			<-release
			mu.Lock()
			inside--
			mu.Unlock()
			return base, nil
		}}
	})
	servers := make([]*serverConn, conns)
	clients := make([]*tls.Conn, conns)
	for i := range servers {
		servers[i] = env.newServerConn(false)
		ready := make(chan struct{})
		clients[i] = tls.Client(&signalConn{servers[i].dial(nil), ready}, env.clientConfig(tls.VersionTLS13))
		go clients[i].Handshake()
		<-ready // ClientHello posted to the loop
	}
	env.loop.call(func() {}) // ... and fed
	for range workers {
		<-entered
	}
	if st := env.cfg.Handshaker.Stats(); st.Running != workers || st.Queued != conns-workers {
		t.Fatalf("stats %+v", st)
	}
	errc := make(chan error, conns)
	for _, c := range clients {
		go func() { errc <- echo(c, []byte("x")) }()
	}
	close(release)
	for range conns {
		select {
		case err := <-errc:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(testTimeout):
			t.Fatal("timed out")
		}
	}
	if maxInside > workers {
		t.Fatalf("%d handshakes ran at once, limit %d", maxInside, workers)
	}
}

func TestOverloaded(t *testing.T) {
	env := newEnv(t, 1, func(c *Config) { c.Handshaker = NewHandshaker(1, 1) })
	a := env.newServerConn(false)
	a.stall(t) // running
	hello := clientHello(t, env.clientConfig(0))
	b := env.newServerConn(false)
	b.dial(nil).Write(hello) // queued
	c := env.newServerConn(false)
	c.dial(nil).Write(hello) // refused
	c.sock.waitClosed(t)
	if !errors.Is(c.inputErr, ErrOverloaded) || !errors.Is(c.p.Err(), ErrOverloaded) {
		t.Fatalf("third: %v, %v", c.inputErr, c.p.Err())
	}
	if b.p.Err() != nil {
		t.Fatalf("second: %v", b.p.Err())
	}
	// Server with a complete ClientHello queues at once, and is refused too.
	if _, err := Server(newFakeSocket(env.loop), env.cfg, hello); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Server: %v", err)
	}
	if ev := env.handshakeEvent(); !errors.Is(ev.err, ErrOverloaded) {
		t.Fatalf("OnHandshake: %v", ev.err)
	}
	a.p.Close()
	b.p.Close()
}

func TestWriteBeforeReady(t *testing.T) {
	env := newEnv(t, 1, nil)
	s := env.newServerConn(false)
	defer s.p.Close()
	if _, err := s.p.Write([]byte("x")); !errors.Is(err, ErrHandshaking) {
		t.Fatalf("Write: %v", err)
	}
	if err := s.p.CloseWrite(); !errors.Is(err, ErrHandshaking) {
		t.Fatalf("CloseWrite: %v", err)
	}
	if _, err := s.p.ChannelBinding(); !errors.Is(err, ErrHandshaking) {
		t.Fatalf("ChannelBinding: %v", err)
	}
	if err := s.p.ReadPlain(func([]byte) { t.Error("plaintext during handshake") }); err != nil {
		t.Fatalf("ReadPlain: %v", err)
	}
}

func TestInputOverflowDuringHandshake(t *testing.T) {
	env := newEnv(t, 1, func(c *Config) { c.MaxBufferedInput = 4096 })
	// Block the handshake in GetConfigForClient so nothing more is consumed.
	release := make(chan struct{})
	env.cfg.TLS = blockingTLS(env.cfg.TLS, nil, release)
	defer close(release)
	s := env.newServerConn(false)
	tc := tls.Client(s.dial(nil), env.clientConfig(0))
	go tc.Handshake()
	s.dial(nil).Write(make([]byte, 5000)) // arrives after the ClientHello
	s.sock.waitClosed(t)
	if !errors.Is(s.inputErr, ErrInputOverflow) {
		t.Fatalf("Input: %v", s.inputErr)
	}
	if _, err := Server(s.sock, env.cfg, make([]byte, 5000)); !errors.Is(err, ErrInputOverflow) {
		t.Fatalf("Server with oversized initial bytes: %v", err)
	}
}

// TestConcurrentWriters: many goroutines Write while the loop echoes; every
// record must reach the client in sealing order (a reorder fails the
// client's MAC check) and each writer's messages in its own order.
func TestConcurrentWriters(t *testing.T) {
	const writers, msgs = 8, 200
	env := newEnv(t, 1, nil)
	s := env.newServerConn(false)
	tc := tls.Client(s.dial(nil), env.clientConfig(tls.VersionTLS13))
	run(t, func() error { return echo(tc, []byte("hi")) })
	s.noEcho = true

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range msgs {
				// Sizes from tiny to several records.
				body := bytes.Repeat([]byte{'a' + byte(w)}, 1+(i*37)%20000)
				msg := fmt.Appendf(nil, "<%d:%d:%d>%s", w, i, len(body), body)
				if _, err := s.p.Write(msg); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	next := make([]int, writers)
	run(t, func() error {
		r := bufioReader(tc)
		for got := 0; got < writers*msgs; got++ {
			var w, i, n int
			if _, err := fmt.Fscanf(r, "<%d:%d:%d>", &w, &i, &n); err != nil {
				return fmt.Errorf("message %d: %w", got, err)
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				return err
			}
			if i != next[w] || !bytes.Equal(body, bytes.Repeat([]byte{'a' + byte(w)}, n)) {
				return fmt.Errorf("writer %d: got message %d, want %d", w, i, next[w])
			}
			next[w]++
		}
		return nil
	})
	wg.Wait()
	// Every pooled buffer went back: nothing is pending on the socket.
	env.loop.call(func() {})
	if n := s.sock.pending.Load(); n != 0 {
		t.Fatalf("%d writes pending", n)
	}
}

func TestCloseWrite(t *testing.T) {
	env := newEnv(t, 1, nil)
	s := env.newServerConn(false)
	tc := tls.Client(s.dial(nil), env.clientConfig(tls.VersionTLS13))
	run(t, func() error { return echo(tc, []byte("hi")) })
	if err := s.p.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	run(t, func() error {
		if n, err := tc.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			return fmt.Errorf("client read %d, %v; want EOF", n, err)
		}
		return nil
	})
}

// TestBatching: one Write of many records is one AsyncWrite per 64 KiB.
func TestBatching(t *testing.T) {
	env := newEnv(t, 1, nil)
	s := env.newServerConn(false)
	s.noEcho = true
	tc := tls.Client(s.dial(nil), env.clientConfig(tls.VersionTLS13))
	run(t, tc.Handshake)
	<-s.ready
	before := s.sock.writes.Load()
	msg := payload(1, 200_000) // ≥ 13 records
	if _, err := s.p.Write(msg); err != nil {
		t.Fatal(err)
	}
	if n := s.sock.writes.Load() - before; n > 4 {
		t.Fatalf("%d AsyncWrites for one 200 kB Write", n)
	}
	run(t, func() error {
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(tc, got); err != nil {
			return err
		}
		if !bytes.Equal(got, msg) {
			return errors.New("differs")
		}
		return nil
	})
}

func TestConfigValidate(t *testing.T) {
	if _, err := Server(nil, &Config{Handshaker: NewHandshaker(1, 0)}, nil); err != errNoTLSConfig {
		t.Fatal(err)
	}
	if _, err := Server(nil, &Config{TLS: &tls.Config{}}, nil); err != errNoHandshaker {
		t.Fatal(err)
	}
}

// signalConn closes ready after the first Write (the ClientHello).
type signalConn struct {
	*clientConn
	ready chan struct{}
}

func (c *signalConn) Write(b []byte) (int, error) {
	n, err := c.clientConn.Write(b)
	if c.ready != nil {
		close(c.ready)
		c.ready = nil
	}
	return n, err
}
