//go:build unix

package timerwheel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

var _ gnet.Runnable = (*Wheel)(nil)

// idleServer closes every connection 150 ms after its last byte, with one
// wheel per event loop driven as the package documentation describes.
type idleServer struct {
	gnet.BuiltinEventEngine
	eng  gnet.Engine
	addr chan string

	mu     sync.Mutex // guards wheels; OnTick reads it from its own goroutine
	wheels map[gnet.EventLoop]*Wheel

	wrongLoop chan string // a timer that fired off its connection's loop
}

type idleConn struct {
	wheel *Wheel
	timer Timer
	close func() // bound once: c.Close
	loop  gnet.EventLoop
}

const idle = 150 * time.Millisecond

func (s *idleServer) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	fd, err := eng.Dup()
	if err != nil {
		s.addr <- ""
		return gnet.Shutdown
	}
	defer syscall.Close(fd)
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		s.addr <- ""
		return gnet.Shutdown
	}
	s.addr <- fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	return gnet.None
}

// wheelFor runs on the loop: the loop's wheel, created on first use.
func (s *idleServer) wheelFor(el gnet.EventLoop) *Wheel {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.wheels[el]
	if w == nil {
		w = New(time.Now(), Options{Resolution: 20 * time.Millisecond})
		s.wheels[el] = w
	}
	return w
}

func (s *idleServer) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	ic := &idleConn{wheel: s.wheelFor(c.EventLoop()), loop: c.EventLoop()}
	ic.close = func() {
		// Runs inside Advance, posted by Execute: on c's loop.
		if c.EventLoop() != ic.loop {
			s.wrongLoop <- "timer ran for a connection of another loop"
		}
		_ = c.Close()
	}
	ic.timer = ic.wheel.Add(time.Now().Add(idle), ic.close)
	c.SetContext(ic)
	return nil, gnet.None
}

func (s *idleServer) OnTraffic(c gnet.Conn) gnet.Action {
	ic := c.Context().(*idleConn)
	b, _ := c.Next(-1)
	_, _ = c.Write(b)
	ic.wheel.Reset(ic.timer, time.Now().Add(idle))
	return gnet.None
}

func (s *idleServer) OnClose(c gnet.Conn, _ error) gnet.Action {
	if ic, ok := c.Context().(*idleConn); ok {
		ic.wheel.Cancel(ic.timer)
	}
	return gnet.None
}

// OnTick runs on gnet's ticker goroutine: it touches no wheel, it posts
// each wheel to its own loop.
func (s *idleServer) OnTick() (time.Duration, gnet.Action) {
	s.mu.Lock()
	for el, w := range s.wheels {
		_ = el.Execute(context.Background(), w)
	}
	s.mu.Unlock()
	return 20 * time.Millisecond, gnet.None
}

type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(string, ...any) {}

func TestGnetIdleTimeouts(t *testing.T) {
	s := &idleServer{addr: make(chan string, 1), wheels: map[gnet.EventLoop]*Wheel{}, wrongLoop: make(chan string, 100)}
	done := make(chan error, 1)
	go func() {
		done <- gnet.Run(s, "tcp://127.0.0.1:0", gnet.WithMulticore(true), gnet.WithTicker(true), gnet.WithLogger(quietLogger{}))
	}()
	addr := <-s.addr
	if addr == "" {
		t.Fatal("no listener address")
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = s.eng.Stop(ctx)
		<-done
	}()

	const conns = 20
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second)) // upper bound only
			// Activity keeps the connection open: three echoes, each
			// resetting the idle timer.
			for j := range 3 {
				msg := fmt.Appendf(nil, "%d-%d", i, j)
				if _, err := c.Write(msg); err != nil {
					t.Error(err)
					return
				}
				if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
					t.Errorf("conn %d echo %d: %v", i, j, err)
					return
				}
			}
			// Then silence: the server closes it once idle has passed. (When
			// exactly is the fake-clock tests' business.)
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Errorf("conn %d: read %v, want EOF", i, err)
			}
		})
	}
	wg.Wait()
	close(s.wrongLoop)
	for msg := range s.wrongLoop {
		t.Error(msg)
	}
}
