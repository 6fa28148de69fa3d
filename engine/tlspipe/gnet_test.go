//go:build unix

package tlspipe

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// gnetTimeout bounds each client of the concurrent test (upper bound only).
const gnetTimeout = 2 * time.Minute

// gnetServer echoes TLS plaintext, with direct TLS or STARTTLS.
type gnetServer struct {
	gnet.BuiltinEventEngine
	cfg      *Config
	starttls bool
	eng      gnet.Engine
	addr     chan string
	closed   atomic.Int64
}

type gnetConn struct {
	p    *Pipe
	pre  []byte // STARTTLS: plaintext before <starttls/>
	echo func([]byte)
}

func (s *gnetServer) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	// gnet does not report the port it bound for ":0": ask the listener.
	fd, err := eng.Dup()
	if err != nil {
		s.addr <- "error: " + err.Error()
		return gnet.Shutdown
	}
	defer syscall.Close(fd)
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		s.addr <- "error: " + err.Error()
		return gnet.Shutdown
	}
	s.addr <- fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	return gnet.None
}

func (s *gnetServer) start(c gnet.Conn, gc *gnetConn, initial []byte) gnet.Action {
	p, err := Server(NewGnetSocket(c), s.cfg, initial)
	if err != nil {
		return gnet.Close
	}
	gc.p = p
	gc.echo = func(b []byte) { _, _ = p.Write(b) }
	return gnet.None
}

func (s *gnetServer) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	gc := &gnetConn{}
	c.SetContext(gc)
	if s.starttls {
		return nil, gnet.None
	}
	return nil, s.start(c, gc, nil)
}

func (s *gnetServer) OnTraffic(c gnet.Conn) gnet.Action {
	gc := c.Context().(*gnetConn)
	b, _ := c.Next(-1)
	if gc.p == nil { // STARTTLS, still in plaintext
		gc.pre = append(gc.pre, b...)
		i := bytes.Index(gc.pre, []byte("<starttls/>"))
		if i < 0 {
			return gnet.None
		}
		// Written on the loop before the pipe exists, so it precedes every record.
		if _, err := c.Write([]byte("<proceed/>")); err != nil {
			return gnet.Close
		}
		tail := gc.pre[i+len("<starttls/>"):]
		gc.pre = nil
		return s.start(c, gc, tail)
	}
	if err := gc.p.Input(b, gc.echo); err == io.EOF {
		return gnet.Close // close_notify: a real server would end the stream first
	}
	// Any other error: the pipe closed itself, behind its alert.
	return gnet.None
}

func (s *gnetServer) OnClose(c gnet.Conn, _ error) gnet.Action {
	if gc, ok := c.Context().(*gnetConn); ok && gc.p != nil {
		gc.p.Close()
	}
	s.closed.Add(1)
	return gnet.None
}

// quietLogger drops gnet's debug and info lines and keeps the rest.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any)          {}
func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Warnf(format string, a ...any)  { log.Printf("gnet: "+format, a...) }
func (quietLogger) Errorf(format string, a ...any) { log.Printf("gnet: "+format, a...) }
func (quietLogger) Fatalf(format string, a ...any) { log.Fatalf("gnet: "+format, a...) }

func startGnet(t testing.TB, cfg *Config, starttls bool) (*gnetServer, string) {
	t.Helper()
	s := &gnetServer{cfg: cfg, starttls: starttls, addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- gnet.Run(s, "tcp://127.0.0.1:0", gnet.WithMulticore(true), gnet.WithLogger(quietLogger{}))
	}()
	var addr string
	select {
	case addr = <-s.addr:
	case err := <-done:
		t.Fatalf("gnet.Run: %v", err)
	case <-time.After(testTimeout):
		t.Fatal("gnet did not boot")
	}
	if len(addr) > 6 && addr[:6] == "error:" {
		t.Fatal(addr)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := s.eng.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("gnet.Run: %v", err)
		}
	})
	return s, addr
}

// TestGnetConcurrentHandshakes: 200 clients connect at once over loopback,
// complete TLS 1.3 handshakes through a gnet server and echo data.
func TestGnetConcurrentHandshakes(t *testing.T) {
	const clients = 200
	for _, tt := range []struct {
		name     string
		starttls bool
	}{{"direct TLS", false}, {"STARTTLS", true}} {
		t.Run(tt.name, func(t *testing.T) {
			cert, roots := testCerts(t)
			var hsOK, hsFail atomic.Int64
			cfg := &Config{
				TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13},
				// Sized for handshakes in flight, not cores (see Handshaker).
				Handshaker: NewHandshaker(64, 0),
				// An upper bound only: 200 handshakes under -race on one
				// core take many seconds.
				HandshakeTimeout: gnetTimeout,
				OnHandshake: func(err error, _ time.Duration) {
					if err != nil {
						hsFail.Add(1)
					} else {
						hsOK.Add(1)
					}
				},
			}
			_, addr := startGnet(t, cfg, tt.starttls)
			ccfg := &tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS13}

			startGate := make(chan struct{})
			handshook := make([]time.Duration, clients)
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			var t0 time.Time
			for i := range clients {
				wg.Go(func() {
					<-startGate
					if err := gnetClient(addr, ccfg, tt.starttls, i, func() { handshook[i] = time.Since(t0) }); err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
					}
				})
			}
			t0 = time.Now()
			close(startGate)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			sort.Slice(handshook, func(a, b int) bool { return handshook[a] < handshook[b] })
			last := handshook[clients-1]
			t.Logf("%d concurrent TLS 1.3 handshakes in %v (%.0f/s, client and server sharing %d CPUs); median %v",
				clients, last.Round(time.Millisecond), float64(clients)/last.Seconds(), runtime.GOMAXPROCS(0),
				handshook[clients/2].Round(time.Millisecond))
			if hsFail.Load() != 0 {
				t.Errorf("%d server handshakes failed", hsFail.Load())
			}
		})
	}
}

func gnetClient(addr string, cfg *tls.Config, starttls bool, i int, handshook func()) error {
	raw, err := net.DialTimeout("tcp", addr, gnetTimeout)
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(gnetTimeout))
	if starttls {
		if _, err := raw.Write([]byte("<stream><starttls/>")); err != nil {
			return err
		}
		proceed := make([]byte, len("<proceed/>"))
		if _, err := io.ReadFull(raw, proceed); err != nil || string(proceed) != "<proceed/>" {
			return fmt.Errorf("proceed: %q %v", proceed, err)
		}
	}
	tc := tls.Client(raw, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	handshook()
	if v := tc.ConnectionState().Version; v != tls.VersionTLS13 {
		return fmt.Errorf("version %x", v)
	}
	for j, n := range []int{10, 3000, 40000} {
		if err := echo(tc, payload(uint64(i*10+j), n)); err != nil {
			return fmt.Errorf("echo %d bytes: %w", n, err)
		}
	}
	return tc.Close()
}

// TestGnetHandshakeTimeout: a silent TCP client is disconnected.
func TestGnetHandshakeTimeout(t *testing.T) {
	cert, _ := testCerts(t)
	cfg := &Config{
		TLS:              &tls.Config{Certificates: []tls.Certificate{cert}},
		Handshaker:       NewHandshaker(1, 0),
		HandshakeTimeout: 100 * time.Millisecond,
	}
	_, addr := startGnet(t, cfg, false)
	raw, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(testTimeout))
	if n, err := raw.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("read %d, %v; want EOF from the server closing", n, err)
	}
}

// BenchmarkGnetHandshake: TLS 1.3 handshakes per second through a gnet
// server over loopback, 32 clients at a time, client and server sharing the
// machine's CPUs. Each op is connect, handshake, one 1-byte echo, close.
func BenchmarkGnetHandshake(b *testing.B) {
	for _, bb := range []struct {
		name   string
		curves []tls.CurveID
	}{{"default-curves", nil}, {"X25519-only", []tls.CurveID{tls.X25519}}} {
		b.Run(bb.name, func(b *testing.B) {
			cert, roots := testCerts(b)
			cfg := &Config{
				TLS:        &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13},
				Handshaker: NewHandshaker(256, 0),
			}
			_, addr := startGnet(b, cfg, false)
			ccfg := &tls.Config{RootCAs: roots, ServerName: "localhost", CurvePreferences: bb.curves}
			b.SetParallelism(16) // × GOMAXPROCS clients
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					raw, err := net.DialTimeout("tcp", addr, testTimeout)
					if err != nil {
						b.Error(err)
						return
					}
					raw.SetDeadline(time.Now().Add(testTimeout))
					tc := tls.Client(raw, ccfg)
					if err := echo(tc, []byte("x")); err != nil {
						b.Error(err)
					}
					raw.Close()
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}
