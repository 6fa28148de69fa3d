package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/valyala/fasthttp"
)

// DefaultAddr is the admin listener's default address: loopback only.
const DefaultAddr = "127.0.0.1:5281"

const (
	defaultHealthTimeout      = 2 * time.Second
	defaultReadTimeout        = 10 * time.Second
	defaultWriteTimeout       = 10 * time.Second
	defaultIdleTimeout        = time.Minute
	defaultMaxRequestBodySize = 1 << 20
	defaultMaxConns           = 256
)

// Errors of New, Start and Mount.
var (
	ErrNoToken  = errors.New("admin: a bearer token is required for a non-loopback admin listener")
	ErrBadToken = errors.New("admin: the token must be printable ASCII without spaces")
	ErrStarted  = errors.New("admin: server already started or shut down")
	ErrBadMount = errors.New("admin: a mount needs a handler and a clean absolute path")
	ErrMounted  = errors.New("admin: path already mounted")
)

// Config configures a Server. The zero value serves DefaultAddr without a
// token, with the Go runtime and process metrics, no health checks (so
// /healthz always answers "ok") and profiling rates off.
type Config struct {
	// Addr is the listen address, host:port. Default DefaultAddr; port 0
	// asks the kernel for a free port (tests).
	Addr string
	// Token is the bearer token. Start refuses to serve a non-loopback
	// address without one; once set it is required on loopback too.
	Token string
	// RequireToken requires the token on loopback as well (Token must be
	// set). Tests use it to exercise the non-loopback rule.
	RequireToken bool

	// Logger receives handler panics at Error level and fasthttp's
	// connection errors at Debug level. Default slog.Default().
	Logger *slog.Logger

	// Registry is what /metrics exposes. Nil means a new registry holding
	// the Go runtime, build and process collectors; a registry passed in is
	// used as it is.
	Registry *prometheus.Registry
	// Collectors are registered in Registry by New (see the collectors in
	// metrics.go). Registry() returns it for later additions.
	Collectors []prometheus.Collector

	// Health are the checks /healthz runs, by name. They must be cheap and
	// return by the context's deadline.
	Health map[string]HealthChecker
	// HealthTimeout bounds all checks of one /healthz request together.
	// Default 2s.
	HealthTimeout time.Duration

	// MutexProfileFraction and BlockProfileRate, when positive, switch on
	// mutex and block profile sampling from Start until Shutdown (see
	// runtime.SetMutexProfileFraction and runtime.SetBlockProfileRate).
	// Both cost on every contended lock or blocking operation; default off.
	// A profile request can also switch them on for its window only (see
	// the package documentation).
	MutexProfileFraction int
	BlockProfileRate     int

	// ReadTimeout bounds reading one request. Default 10s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one response; fasthttp starts it when the
	// handler returns, so long profiles are not cut short. Default 10s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle for that long.
	// Default 1m.
	IdleTimeout time.Duration
	// MaxRequestBodySize caps request bodies. Default 1 MiB.
	MaxRequestBodySize int
	// MaxConns caps concurrent connections. Default 256.
	MaxConns int
}

// EnsureDefaults fills zero fields with their defaults and returns c.
func (c *Config) EnsureDefaults() *Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.HealthTimeout == 0 {
		c.HealthTimeout = defaultHealthTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = defaultReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = defaultWriteTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.MaxRequestBodySize == 0 {
		c.MaxRequestBodySize = defaultMaxRequestBodySize
	}
	if c.MaxConns == 0 {
		c.MaxConns = defaultMaxConns
	}
	return c
}

// Validate rejects settings that cannot work. Whether the address needs a
// token is only known once it is bound: Start checks that.
func (c *Config) Validate() error {
	if c.RequireToken && c.Token == "" {
		return ErrNoToken
	}
	for i := 0; i < len(c.Token); i++ {
		if b := c.Token[i]; b <= ' ' || b >= 0x7f {
			return ErrBadToken
		}
	}
	for name, h := range c.Health {
		if h == nil {
			return fmt.Errorf("admin: health check %q is nil", name)
		}
	}
	if c.HealthTimeout < 0 || c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.IdleTimeout < 0 ||
		c.MaxRequestBodySize < 0 || c.MaxConns < 0 || c.MutexProfileFraction < 0 || c.BlockProfileRate < 0 {
		return errors.New("admin: negative timeout, size or rate")
	}
	return nil
}

// Server is the admin HTTP server. Its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	reg      *prometheus.Registry
	tokenSum [32]byte // SHA-256 of cfg.Token
	health   []namedCheck
	http     *fasthttp.Server

	// needToken is set by Start before the first request is served.
	needToken atomic.Bool

	mountMu sync.Mutex // serialises Mount; readers load routes without it
	routes  atomic.Pointer[routeTable]

	// mutexWindow and blockWindow are set while a request samples that
	// profile for its own window.
	mutexWindow, blockWindow atomic.Bool

	// handling counts requests inside serve (their handler running).
	handling atomic.Int32

	mu      sync.Mutex // guards the following fields
	ln      net.Listener
	served  chan error // Serve's result
	stopped bool
}

type namedCheck struct {
	name  string
	check HealthChecker
}

// New checks cfg, builds the registry and mounts /metrics, /healthz and
// /debug/pprof/. Nothing listens until Start.
func New(cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, reg: cfg.Registry}
	if cfg.Token != "" {
		s.tokenSum = sha256.Sum256([]byte(cfg.Token))
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
			collectors.NewBuildInfoCollector(),
		)
	}
	for _, c := range cfg.Collectors {
		if err := s.reg.Register(c); err != nil {
			return nil, fmt.Errorf("admin: register collector: %w", err)
		}
	}
	for name, h := range cfg.Health {
		s.health = append(s.health, namedCheck{name, h})
	}
	sort.Slice(s.health, func(i, j int) bool { return s.health[i].name < s.health[j].name })

	s.routes.Store(&routeTable{exact: map[string]fasthttp.RequestHandler{}})
	for _, m := range []struct {
		path string
		h    fasthttp.RequestHandler
	}{
		{"/metrics", s.metricsHandler()},
		{"/healthz", s.healthz},
		{"/debug/pprof", redirectTo("/debug/pprof/")},
		{"/debug/pprof/", s.pprofHandler()},
	} {
		if err := s.Mount(m.path, m.h); err != nil {
			return nil, err
		}
	}

	s.http = &fasthttp.Server{
		Handler:            s.serve,
		ErrorHandler:       parseError,
		Name:               "xmppd-admin",
		ReadTimeout:        cfg.ReadTimeout,
		WriteTimeout:       cfg.WriteTimeout,
		IdleTimeout:        cfg.IdleTimeout,
		MaxRequestBodySize: cfg.MaxRequestBodySize,
		Concurrency:        cfg.MaxConns,
		CloseOnShutdown:    true,
		Logger:             fasthttpLogger{s.log},
	}
	return s, nil
}

// Registry is the registry /metrics exposes, for collectors added later.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Start listens on Config.Addr and serves in the background. It returns the
// bound address (host:port), so Addr "127.0.0.1:0" works in tests. It fails
// with ErrNoToken when the bound address is not loopback and no token is
// configured.
func (s *Server) Start() (addr string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil || s.stopped {
		return "", ErrStarted
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("admin: listen on %s: %w", s.cfg.Addr, err)
	}
	need := s.cfg.RequireToken || s.cfg.Token != "" || !isLoopback(ln.Addr())
	if need && s.cfg.Token == "" {
		_ = ln.Close()
		return "", fmt.Errorf("%w (bound to %s)", ErrNoToken, ln.Addr())
	}
	s.needToken.Store(need)
	s.setProfileRates(s.cfg.MutexProfileFraction, s.cfg.BlockProfileRate)
	s.ln = ln
	s.served = make(chan error, 1)
	go func() { s.served <- s.http.Serve(ln) }()
	return ln.Addr().String(), nil
}

// Addr is the bound address, or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting, lets requests in flight finish (a running
// profile ends early: its context is cancelled) and waits for them until
// ctx is done. It switches off the profile rates Start switched on. Later
// calls return nil.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.ln == nil {
		s.stopped = true
		return nil
	}
	s.stopped = true
	err := s.http.ShutdownWithContext(ctx)
	select {
	case serr := <-s.served:
		err = errors.Join(err, serr)
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	s.setProfileRates(0, 0)
	if err != nil {
		return fmt.Errorf("admin: shutdown: %w", err)
	}
	return nil
}

// setProfileRates sets the runtime's mutex and block sampling, leaving
// alone what nobody asked for.
func (s *Server) setProfileRates(mutex, block int) {
	if s.cfg.MutexProfileFraction > 0 {
		runtime.SetMutexProfileFraction(mutex)
	}
	if s.cfg.BlockProfileRate > 0 {
		runtime.SetBlockProfileRate(block)
	}
}

// serve authenticates, routes and runs the handler.
func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	s.handling.Add(1)
	defer s.handling.Add(-1)
	defer s.recoverHandler(ctx)
	if s.needToken.Load() {
		if ok, given := s.authorized(ctx); !ok {
			challenge := `Bearer realm="xmppd-admin"`
			msg := "this endpoint needs an Authorization: Bearer token"
			if given {
				challenge += `, error="invalid_token"`
				msg = "wrong bearer token"
			}
			ctx.Response.Header.Set(fasthttp.HeaderWWWAuthenticate, challenge)
			WriteError(ctx, fasthttp.StatusUnauthorized, CodeUnauthorized, msg)
			return
		}
	}
	path := string(ctx.Path())
	h := s.routes.Load().lookup(path)
	if h == nil {
		WriteError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such path: "+path)
		return
	}
	h(ctx)
}

// authorized reports whether the request carries the right bearer token,
// and whether it carried one at all.
func (s *Server) authorized(ctx *fasthttp.RequestCtx) (ok, given bool) {
	h := ctx.Request.Header.Peek(fasthttp.HeaderAuthorization)
	const scheme = "bearer "
	if len(h) < len(scheme) || !strings.EqualFold(string(h[:len(scheme)]), scheme) {
		return false, len(h) > 0
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(string(h[len(scheme):]))))
	return subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) == 1, true
}

// recoverHandler turns a handler's panic into a 500 so that a bug in one
// admin endpoint cannot take the XMPP server down.
func (s *Server) recoverHandler(ctx *fasthttp.RequestCtx) {
	if v := recover(); v != nil {
		buf := make([]byte, 8<<10)
		buf = buf[:runtime.Stack(buf, false)]
		s.log.Error("admin: handler panic", "path", string(ctx.Path()), "panic", v, "stack", string(buf))
		ctx.Response.Reset()
		WriteError(ctx, fasthttp.StatusInternalServerError, CodeInternal, "internal error")
	}
}

// isLoopback reports whether a bound address is reachable from this host
// only. The wildcard addresses are not.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// fasthttpLogger sends fasthttp's messages (mostly clients that went away)
// to slog at Debug level.
type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("admin http: " + fmt.Sprintf(format, args...))
}
