package component

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"

	"xmppd/codec"
)

// Config configures a Listener. Router and Server are required; zero
// values of the rest are meaningful (EnsureDefaults).
type Config struct {
	// Addr is host:port to listen on; port 0 picks a free one (see Addr).
	Addr string
	// Router holds the component domains and their secrets; the listener
	// attaches every authenticated connection to it.
	Router *Router
	// Server takes the stanzas components send: a *session.Server.
	Server Inbound
	// Domain is the server's own domain, the sender of errors to stanzas
	// that had no 'to'.
	Domain string
	Logger *slog.Logger

	// Loops is the number of event loops; 0 means one per core.
	Loops int
	// Limits bounds what the decoder accepts (RFC 6120 §13.12).
	Limits codec.Limits
	// MaxOutbound caps the bytes queued for one component connection, in
	// its inbox and in gnet's outbound buffer (each); past it the
	// connection is closed with a policy-violation stream error and its
	// users rehash to the other instances. A gateway carries many users'
	// traffic, so the default is 16 MiB.
	MaxOutbound int
	// AuthTimeout closes a connection that has not completed the
	// handshake in time. Default 30 s.
	AuthTimeout time.Duration
	// MaxConns caps open component connections, authenticated or not.
	// Default 1024.
	MaxConns int
	// KeepAlive is the TCP keepalive period that finds dead gateways;
	// default 60 s, negative switches it off.
	KeepAlive time.Duration
	// TimerResolution is the timer wheel's tick; default 100 ms.
	TimerResolution time.Duration
}

// EnsureDefaults fills zero fields.
func (c *Config) EnsureDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Loops == 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	c.Limits = c.Limits.EnsureDefaults()
	if c.MaxOutbound == 0 {
		c.MaxOutbound = 16 << 20
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = 30 * time.Second
	}
	if c.MaxConns == 0 {
		c.MaxConns = 1024
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = time.Minute
	}
	if c.TimerResolution == 0 {
		c.TimerResolution = 100 * time.Millisecond
	}
}

// Validate reports a missing or inconsistent field.
func (c *Config) Validate() error {
	switch {
	case c.Router == nil:
		return errors.New("component: no router")
	case c.Server == nil:
		return errors.New("component: no server to route component stanzas to")
	case c.MaxOutbound < c.Limits.MaxStanzaSize:
		return errors.New("component: MaxOutbound is below the stanza size limit")
	}
	return c.Limits.Validate()
}

// Stats are the listener's counters.
type Stats struct {
	Open          atomic.Int64 // connections open now
	Accepted      atomic.Int64
	Refused       atomic.Int64 // over MaxConns
	Authenticated atomic.Int64 // handshakes that succeeded
	AuthFailed    atomic.Int64 // handshakes that did not
	StanzasIn     atomic.Int64 // from components
	StanzasOut    atomic.Int64 // to components
	Bounced       atomic.Int64 // stanza errors sent for stanzas that could not be routed
	Rerouted      atomic.Int64 // queued for a connection that closed, handed to another
	StreamErrors  atomic.Int64
	SlowClosed    atomic.Int64 // outbound cap exceeded
	Timeouts      atomic.Int64 // handshake not done in time
	Panics        atomic.Int64
}

// Listener is one running gnet engine serving XEP-0114 component streams.
type Listener struct {
	cfg   Config
	eng   gnet.Engine
	addr  string
	done  chan error
	loops sync.Map // gnet.EventLoop -> *loop
	Stats Stats

	bootHook     func()
	shutdownOnce sync.Once
	shutdownErr  error
	gnet.BuiltinEventEngine
}

// Start listens and serves until Shutdown. It returns once the listener is
// bound, so Addr is valid.
func Start(cfg Config) (*Listener, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Listener{cfg: cfg, done: make(chan error, 1)}
	booted := make(chan struct{})
	l.bootHook = func() { close(booted) }
	opts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(cfg.Loops),
		gnet.WithTicker(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReuseAddr(true),
		gnet.WithLogger(gnetLogger{cfg.Logger}),
		gnet.WithLogLevel(logging.ErrorLevel),
	}
	if cfg.KeepAlive > 0 {
		opts = append(opts, gnet.WithTCPKeepAlive(cfg.KeepAlive))
	}
	go func() { l.done <- gnet.Run(l, "tcp://"+cfg.Addr, opts...) }()
	select {
	case <-booted:
		return l, nil
	case err := <-l.done:
		if err == nil {
			err = errors.New("component: gnet stopped before booting")
		}
		return nil, fmt.Errorf("component: listen on %s: %w", cfg.Addr, err)
	}
}

// Addr is the bound address (host:port).
func (l *Listener) Addr() string { return l.addr }

// OnBoot records the engine and the bound address.
func (l *Listener) OnBoot(eng gnet.Engine) gnet.Action {
	l.eng = eng
	l.addr = l.cfg.Addr
	if fd, err := eng.Dup(); err == nil {
		if sa, err := syscall.Getsockname(fd); err == nil {
			host, _, _ := net.SplitHostPort(l.cfg.Addr)
			switch a := sa.(type) {
			case *syscall.SockaddrInet4:
				l.addr = net.JoinHostPort(host, fmt.Sprint(a.Port))
			case *syscall.SockaddrInet6:
				l.addr = net.JoinHostPort(host, fmt.Sprint(a.Port))
			}
		}
		_ = syscall.Close(fd)
	}
	l.bootHook()
	return gnet.None
}

// loopOf returns the per-loop state of el, creating it on first use.
func (l *Listener) loopOf(el gnet.EventLoop) *loop {
	if v, ok := l.loops.Load(el); ok {
		return v.(*loop)
	}
	v, _ := l.loops.LoadOrStore(el, newLoop(l, el))
	return v.(*loop)
}

// OnTick posts each loop's timer wheel to its loop.
func (l *Listener) OnTick() (time.Duration, gnet.Action) {
	l.loops.Range(func(_, v any) bool {
		lp := v.(*loop)
		_ = lp.el.Execute(context.Background(), lp)
		return true
	})
	return l.cfg.TimerResolution, gnet.None
}

// Shutdown ends every component stream with <system-shutdown/> and stops
// the listener, waiting at most until ctx is done. Stanzas still queued
// for a component are bounced to their senders. Later calls return the
// first call's result.
func (l *Listener) Shutdown(ctx context.Context) error {
	l.shutdownOnce.Do(func() { l.shutdownErr = l.shutdown(ctx) })
	return l.shutdownErr
}

func (l *Listener) shutdown(ctx context.Context) error {
	l.loops.Range(func(_, v any) bool {
		lp := v.(*loop)
		_ = lp.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			lp.shutdownAll()
			return nil
		}))
		return true
	})
	for l.Stats.Open.Load() > 0 {
		select {
		case <-ctx.Done():
			return l.stop(ctx)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return l.stop(ctx)
}

func (l *Listener) stop(ctx context.Context) error {
	if err := l.eng.Stop(ctx); err != nil {
		return err
	}
	select {
	case err := <-l.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gnetLogger routes gnet's own logging to slog.
type gnetLogger struct{ l *slog.Logger }

func (q gnetLogger) Debugf(string, ...any) {}
func (q gnetLogger) Infof(string, ...any)  {}
func (q gnetLogger) Warnf(f string, a ...any) {
	q.l.Warn("gnet: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (q gnetLogger) Errorf(f string, a ...any) {
	q.l.Error("gnet: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (q gnetLogger) Fatalf(f string, a ...any) {
	q.l.Error("gnet: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
