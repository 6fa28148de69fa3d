package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"

	"xmppd/codec"
	"xmppd/engine/session"
	"xmppd/engine/tlspipe"
)

// Config configures one listener. Sessions is required; zero values of the
// rest are meaningful (EnsureDefaults).
type Config struct {
	// Addr is host:port to listen on; port 0 picks a free one (see Addr).
	Addr string
	// DirectTLS makes every connection start with a TLS handshake
	// (XEP-0368); otherwise TLS, when configured, is offered as STARTTLS.
	DirectTLS bool
	// TLS enables STARTTLS or direct TLS; nil means plaintext only.
	TLS *tlspipe.Config

	Sessions *session.Server
	// NewStream, if set, makes the stream state machine for a new
	// connection instead of a client session (Sessions.New): external
	// components use the same reactor with their own streams.
	NewStream func(t session.Transport) Stream
	Logger    *slog.Logger

	// Loops is the number of event loops; 0 means one per core.
	Loops int
	// Limits bounds what the decoder accepts (RFC 6120 §13.12).
	Limits codec.Limits
	// MaxOutbound caps bytes queued for one peer (inbox plus gnet's
	// outbound buffer); past it the peer is closed. Default 1 MiB.
	MaxOutbound int
	// MaxPausedInput caps input held while the session waits for a worker.
	// Default: twice the stanza limit.
	MaxPausedInput int
	// AuthTimeout closes a connection that has not bound a resource in time.
	AuthTimeout time.Duration
	// PingInterval sends a keepalive ping after this much silence from an
	// established client; PingTimeout closes it when the ping goes
	// unanswered. Zero PingInterval disables pings.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// Admission limits, shared by the listeners that share the same
	// *Admission (nil: no limit).
	Admission *Admission
	// TCPKeepAlive turns on TCP keepalive with this idle period, probing
	// every fifth of it (gnet's default), to find peers that vanished
	// without a FIN. Zero leaves it off: client streams have XEP-0199
	// pings instead (PingInterval).
	TCPKeepAlive time.Duration
	// TimerResolution is the wheel's tick; default 1 s. Connection timers
	// (authentication, keepalive) need no finer grain, and every tick
	// wakes every event loop: on an idle server each wake-up also sets the
	// Go runtime's sysmon polling for ~10 ms, which at 100 ms cost ~2% of
	// a core with nothing to do.
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
		c.MaxOutbound = 1 << 20
	}
	if c.MaxPausedInput == 0 {
		c.MaxPausedInput = 2 * c.Limits.MaxStanzaSize
	}
	if c.AuthTimeout == 0 {
		c.AuthTimeout = 30 * time.Second
	}
	if c.PingTimeout == 0 {
		c.PingTimeout = time.Minute
	}
	if c.TimerResolution == 0 {
		c.TimerResolution = time.Second
	}
}

// Stats are the engine's counters.
type Stats struct {
	Open           atomic.Int64 // connections open now
	Accepted       atomic.Int64
	Refused        atomic.Int64 // admission limits
	SlowClosed     atomic.Int64 // outbound cap exceeded
	PausedOverflow atomic.Int64 // input while paused over its cap
	Panics         atomic.Int64
	Timeouts       atomic.Int64 // auth and keepalive timeouts

	loops loopRegistry // per-loop counters: LoopBusy, RouteLatency (loopstats.go)
}

// Listener is one running gnet engine serving c2s streams.
type Listener struct {
	cfg   Config
	eng   gnet.Engine
	addr  string
	done  chan error
	loops sync.Map // gnet.EventLoop -> *loop
	Stats Stats
	// drained gets a token whenever the last open connection closes, for
	// Shutdown to wait on (a token may be stale: it checks Open again).
	drained chan struct{}

	bootHook func()

	shutdownOnce sync.Once
	shutdownErr  error
	gnet.BuiltinEventEngine
}

// Start listens and serves until Shutdown. It returns once the listener is
// bound, so Addr is valid.
func Start(cfg Config) (*Listener, error) {
	cfg.EnsureDefaults()
	if cfg.Sessions == nil && cfg.NewStream == nil {
		return nil, errors.New("engine: no session server and no stream constructor")
	}
	if cfg.NewStream == nil {
		srv := cfg.Sessions
		cfg.NewStream = func(t session.Transport) Stream { return srv.New(t) }
	}
	if cfg.DirectTLS && cfg.TLS == nil {
		return nil, errors.New("engine: direct TLS without a TLS configuration")
	}
	if err := cfg.Limits.Validate(); err != nil {
		return nil, err
	}
	l := &Listener{cfg: cfg, done: make(chan error, 1), drained: make(chan struct{}, 1)}
	booted := make(chan struct{})
	l.bootHook = func() { close(booted) }
	opts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(cfg.Loops),
		gnet.WithTicker(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReuseAddr(true),
		gnet.WithLogger(quietLogger{cfg.Logger}),
		gnet.WithLogLevel(logging.ErrorLevel),
	}
	if cfg.TCPKeepAlive > 0 {
		opts = append(opts, gnet.WithTCPKeepAlive(cfg.TCPKeepAlive))
	}
	go func() { l.done <- gnet.Run(l, "tcp://"+cfg.Addr, opts...) }()
	select {
	case <-booted:
		return l, nil
	case err := <-l.done:
		if err == nil {
			err = errors.New("engine: gnet stopped before booting")
		}
		return nil, fmt.Errorf("engine: listen on %s: %w", cfg.Addr, err)
	}
}

// Addr is the bound address (host:port).
func (l *Listener) Addr() string { return l.addr }

// transport is what the listener's sessions count as (session.Stats).
func (l *Listener) transport() session.TransportKind {
	if l.cfg.DirectTLS {
		return session.TransportDirectTLS
	}
	return session.TransportC2S
}

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
		syscall.Close(fd)
	}
	if l.bootHook != nil {
		l.bootHook()
	}
	return gnet.None
}

// loopOf returns the per-loop state of el, creating it on first use.
func (l *Listener) loopOf(el gnet.EventLoop) *loop {
	if v, ok := l.loops.Load(el); ok {
		return v.(*loop)
	}
	lp := newLoop(l, el)
	v, loaded := l.loops.LoadOrStore(el, lp)
	if !loaded {
		l.Stats.loops.add(&lp.stats)
		if l.cfg.Sessions != nil {
			lp.counters = l.cfg.Sessions.Stats.NewStanzaCounters()
		}
	}
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

// Shutdown ends every stream with <system-shutdown/> and stops the
// listener, waiting at most until ctx is done. Later calls return the first
// call's result.
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
		case <-l.drained:
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

// Admission enforces connection limits across listeners.
type Admission struct {
	MaxConns      int
	MaxConnsPerIP int

	mu    sync.Mutex // guards the following fields
	total int
	perIP map[netip.Addr]int
}

func (a *Admission) admit(ip netip.Addr) bool {
	if a == nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.perIP == nil {
		a.perIP = make(map[netip.Addr]int)
	}
	if (a.MaxConns > 0 && a.total >= a.MaxConns) || (a.MaxConnsPerIP > 0 && a.perIP[ip] >= a.MaxConnsPerIP) {
		return false
	}
	a.total++
	a.perIP[ip]++
	return true
}

func (a *Admission) release(ip netip.Addr) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if n := a.perIP[ip] - 1; n > 0 {
		a.perIP[ip] = n
	} else {
		delete(a.perIP, ip)
	}
}

// quietLogger routes gnet's own logging to slog.
type quietLogger struct{ l *slog.Logger }

func (q quietLogger) Debugf(string, ...any) {}
func (q quietLogger) Infof(string, ...any)  {}
func (q quietLogger) Warnf(f string, a ...any) {
	q.l.Warn("gnet: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (q quietLogger) Errorf(f string, a ...any) {
	q.l.Error("gnet: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (q quietLogger) Fatalf(f string, a ...any) {
	q.l.Error("gnet: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}

// Stream is the state machine a connection feeds with decoded events. All
// methods run on the connection's event loop. *session.Session is the
// client stream; engine/component has the XEP-0114 stream.
type Stream interface {
	// HandleHeader gets the stream header, valid during the call only
	// (the connection compacts it afterwards, see codec.CompactHeader).
	HandleHeader(h *codec.Header)
	HandleElement(e codec.Element)
	HandleStreamEnd()
	HandleDecodeError(err error)
	// HandleClosed is told that the connection is gone, once.
	HandleClosed()
	// StreamError sends a stream error and closes the stream.
	StreamError(cond, text string)
	// Busy reports that the stream waits for a worker and wants no input.
	Busy() bool
	// IsClosed reports that the stream has ended.
	IsClosed() bool
}

// Authenticated is implemented by streams that must authenticate within
// Config.AuthTimeout; a stream without it is never timed out that way.
type Authenticated interface {
	// Bound reports whether the stream is past authentication (for a
	// client, a bound resource).
	Bound() bool
}

// Pinger is implemented by streams that answer XEP-0199 keepalive pings.
type Pinger interface {
	SendPing() string
	PingOutstanding() bool
}

// UnsentHandler is implemented by streams that take back the stanzas handed
// to Transport.Enqueue but never written: those still queued when the
// connection closes or overflows its outbound cap. Without it they are
// dropped. engine/component hands them to a domain's other connections.
type UnsentHandler interface {
	// HandleUnsent gets the stanzas in the order they were enqueued, once
	// the connection writes no more (HandleClosed may still be to come,
	// as after a panic); it owns them.
	HandleUnsent(stanzas [][]byte)
}
