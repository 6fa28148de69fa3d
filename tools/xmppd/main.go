// Command xmppd is the xmppd XMPP server.
//
// With no arguments it serves the domain "localhost" on its embedded
// defaults: client-to-server on :5222 (STARTTLS) and :5223 (direct TLS), data
// in ./data, a self-signed certificate generated there on first start. See
// docs/xmppd.example.yaml for every option; -config FILE reads them, and
// flags override the common ones.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"syscall"
	"time"

	"xmppd/codec"
	"xmppd/engine"
	"xmppd/engine/extauth"
	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/engine/tlspipe"
	"xmppd/internal/config"
	"xmppd/internal/gctune"
	"xmppd/internal/selfcert"
	"xmppd/storage/pebblestore"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	// The GC target follows the live heap (internal/gctune): 25% headroom
	// for the large heap of many idle sessions, where headroom is RSS, and
	// at least 4 MiB for a small one, where a tight target would collect
	// constantly under message load (BENCHMARKS.md). GOGC in the
	// environment still wins.
	if os.Getenv("GOGC") == "" {
		go (&gctune.Tuner{Policy: gctune.Default}).Run(context.Background(), time.Second)
	}
	os.Exit(run(os.Args[1:], os.Stderr, nil))
}

// run starts the server and blocks until SIGINT or SIGTERM (or until stop
// is closed, for tests). ready, when set, receives the bound addresses.
func run(args []string, stderr io.Writer, hooks *testHooks) int {
	fs := flag.NewFlagSet("xmppd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML configuration file (see docs/xmppd.example.yaml)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	ov := config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stderr, "xmppd", version)
		return 0
	}
	cfg := config.Default()
	if *path != "" {
		var err error
		if cfg, err = config.Load(*path); err != nil {
			fmt.Fprintln(stderr, "xmppd:", err)
			return 2
		}
	}
	if err := ov.Apply(&cfg); err != nil {
		fmt.Fprintln(stderr, "xmppd:", err)
		return 2
	}
	log := newLogger(cfg.Log, stderr)
	srv, err := start(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if hooks != nil && hooks.ready != nil {
		hooks.ready <- srv.addrs()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	case <-hooksStop(hooks):
		log.Info("shutting down")
	}
	if err := srv.stop(); err != nil {
		log.Error("unclean shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

type testHooks struct {
	ready chan map[string]string
	stop  chan struct{}
}

func hooksStop(h *testHooks) <-chan struct{} {
	if h == nil {
		return nil
	}
	return h.stop
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level.SlogLevel()}
	if c.Format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// server is everything start wired together.
type server struct {
	log       *slog.Logger
	store     *pebblestore.Store
	sessions  *session.Server
	listeners map[string]*engine.Listener

	components *componentListener // XEP-0114 components (components.go)
	admin      *adminListener     // admin HTTP: /metrics, /debug/pprof/, /healthz, /api (admin.go)
	web        *webListener       // public HTTP: BOSH (web.go)
	tokens     *extauth.Tokens    // single sign-on tokens (auth.go)
}

func (s *server) addrs() map[string]string {
	m := make(map[string]string, len(s.listeners))
	for name, l := range s.listeners {
		m[name] = l.Addr()
	}
	if a := s.admin.addr(); a != "" {
		m["admin"] = a
	}
	if s.web != nil && s.web.addr != "" {
		m["http"] = s.web.addr
	}
	if s.web != nil && s.web.taddr != "" {
		m["https"] = s.web.taddr
	}
	return m
}

// limit maps the config's "unlimited" to a number no one reaches.
func limit(v int) int {
	if v == config.Unlimited {
		return math.MaxInt32
	}
	return v
}

func start(cfg config.Config, log *slog.Logger) (*server, error) {
	store, err := pebblestore.Open(cfg.DataDir, &pebblestore.Options{Logger: log.With("component", "pebble")})
	if err != nil {
		return nil, fmt.Errorf("open data directory %s: %w", cfg.DataDir, err)
	}
	s := &server{log: log, store: store, listeners: make(map[string]*engine.Listener)}
	fail := func(err error) (*server, error) {
		_ = s.stop()
		return nil, err
	}
	cert, err := loadCertificate(cfg, log)
	if err != nil {
		return fail(err)
	}
	tlsCfg := &tlspipe.Config{
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// Sized for handshakes in flight, not cores: a worker waits out the
		// client's round trips (engine/tlspipe/BENCHMARKS.md).
		Handshaker: tlspipe.NewHandshaker(64, 8192),
	}
	policy := session.TLSOptional
	if cfg.TLS.StartTLS == config.StartTLSRequired {
		policy = session.TLSRequired
	}
	reg := session.RegisterLoopback
	switch cfg.Registration.Mode {
	case config.RegistrationOff:
		reg = session.RegisterOff
	case config.RegistrationOpen:
		reg = session.RegisterOpen
	}
	external, tokens, err := authConfig(cfg, log) // auth.go
	if err != nil {
		return fail(err)
	}
	s.tokens = tokens
	comps, err := newComponents(cfg) // XEP-0114 components (components.go)
	if err != nil {
		return fail(err)
	}
	s.sessions, err = session.NewServer(session.Config{
		Domains:                    cfg.Hosts(),
		Store:                      store,
		Router:                     router.New(),
		Logger:                     log,
		TLS:                        policy,
		AllowPlainInClear:          cfg.Auth.PlainInClear,
		ScramIterations:            cfg.Auth.SCRAMIterations,
		AuthFailuresPerIPPerMinute: limit(cfg.Auth.MaxFailuresPerIPPerMinute),
		Registration:               reg,
		RegistrationsPerIPPerHour:  limit(cfg.Registration.RatePerIPPerHour),
		Version:                    version,
		Components:                 comps,
		External:                   external,
		Tokens:                     tokens,
	})
	if err != nil {
		return fail(err)
	}
	ping := cfg.Limits.PingInterval
	if ping == config.Off {
		ping = 0
	}
	adm := &engine.Admission{MaxConns: cfg.Limits.MaxConnections, MaxConnsPerIP: cfg.Limits.MaxConnectionsPerIP}
	base := engine.Config{
		Sessions:     s.sessions,
		Logger:       log,
		Loops:        cfg.EventLoops,
		Limits:       codec.Limits{MaxStanzaSize: cfg.Limits.MaxStanzaSize},
		MaxOutbound:  cfg.Limits.MaxOutboundBytes,
		AuthTimeout:  cfg.Limits.AuthTimeout,
		PingInterval: ping,
		PingTimeout:  cfg.Limits.PingTimeout,
		Admission:    adm,
		TLS:          tlsCfg,
	}
	for _, ln := range []struct {
		name, addr string
		direct     bool
	}{{"c2s", cfg.Listen.C2S, false}, {"c2s_tls", cfg.Listen.C2STLS, true}} {
		if ln.addr == "" {
			continue
		}
		c := base
		c.Addr, c.DirectTLS = ln.addr, ln.direct
		l, err := engine.Start(c)
		if err != nil {
			return fail(err)
		}
		s.listeners[ln.name] = l
		log.Info("listening", "listener", ln.name, "addr", l.Addr(), "direct_tls", ln.direct)
	}
	if s.components, err = startComponentListener(cfg, comps, s.sessions, log); err != nil { // components.go
		return fail(err)
	}
	if s.web, err = startWeb(cfg, s.sessions, tlsCfg.TLS, log); err != nil { // web.go
		return fail(err)
	}
	if s.admin, err = startAdmin(cfg, log, s, tlsCfg.Handshaker); err != nil { // admin.go
		return fail(err)
	}
	if err := mountAPI(s, store, log); err != nil { // web.go
		return fail(err)
	}
	log.Info("xmppd started", "version", version, "domains", cfg.Hosts(), "data_dir", cfg.DataDir)
	return s, nil
}

func loadCertificate(cfg config.Config, log *slog.Logger) (tls.Certificate, error) {
	if cfg.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			return cert, fmt.Errorf("load certificate: %w", err)
		}
		return cert, nil
	}
	cert, created, err := selfcert.LoadOrCreate(selfcert.Options{Dir: cfg.SelfSignedDir(), Names: cfg.Hosts()})
	if err != nil {
		return cert, fmt.Errorf("self-signed certificate: %w", err)
	}
	if created {
		log.Warn("generated a self-signed certificate; configure tls.cert_file for production", "dir", cfg.SelfSignedDir())
	}
	return cert, nil
}

// stop closes every stream with <system-shutdown/>, then storage.
func (s *server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var errs []error
	// /healthz answers 503 while the rest stops (admin.go).
	s.admin.drain()
	if err := s.web.shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("bosh: %w", err))
	}
	if err := s.components.Shutdown(ctx); err != nil { // before the sessions close: components route into them
		errs = append(errs, fmt.Errorf("component: %w", err))
	}
	for name, l := range s.listeners {
		if err := l.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if s.sessions != nil {
		s.sessions.Close()
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("storage: %w", err))
		}
	}
	if err := s.admin.Shutdown(ctx); err != nil { // last: metrics stay scrapeable during the drain
		errs = append(errs, fmt.Errorf("admin: %w", err))
	}
	return errors.Join(errs...)
}
