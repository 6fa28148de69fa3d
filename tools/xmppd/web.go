package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/prometheus/client_golang/prometheus"

	"xmppd/bosh"
	"xmppd/engine/httpapi"
	"xmppd/engine/session"
	"xmppd/internal/config"
	"xmppd/storage"
)

// webListener is the public HTTP listener, BOSH at /http-bind, and its
// HTTPS twin with the server's certificate. A BOSH session lives on the
// listener that created it.
type webListener struct {
	bosh  *bosh.Server // plain HTTP, or nil
	tls   *bosh.Server // HTTPS, or nil
	addr  string
	taddr string
}

// startWeb starts BOSH on cfg.Listen.HTTP and cfg.Listen.HTTPS; nil when
// both are off.
func startWeb(cfg config.Config, sessions *session.Server, cert *tls.Config, log *slog.Logger) (*webListener, error) {
	if cfg.Listen.HTTP == "" && cfg.Listen.HTTPS == "" {
		return nil, nil
	}
	w := &webListener{}
	serve := func(addr string, tc *tls.Config) (*bosh.Server, string, error) {
		bs, err := bosh.NewServer(bosh.Config{
			Sessions:    sessions,
			Domains:     cfg.Hosts(),
			Logger:      log.With("component", "bosh"),
			MaxOutbound: cfg.Limits.MaxOutboundBytes,
			TLS:         tc,
		})
		if err != nil {
			return nil, "", fmt.Errorf("bosh: %w", err)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, "", fmt.Errorf("http listener: %w", err)
		}
		go func() { _ = bs.Serve(ln) }()
		return bs, ln.Addr().String(), nil
	}
	var err error
	if cfg.Listen.HTTP != "" {
		if w.bosh, w.addr, err = serve(cfg.Listen.HTTP, nil); err != nil {
			return nil, err
		}
		log.Info("listening", "listener", "http", "addr", w.addr, "bosh", "/http-bind")
	}
	if cfg.Listen.HTTPS != "" {
		if w.tls, w.taddr, err = serve(cfg.Listen.HTTPS, cert.Clone()); err != nil {
			_ = w.shutdown(context.Background())
			return nil, err
		}
		log.Info("listening", "listener", "https", "addr", w.taddr, "bosh", "/http-bind")
	}
	return w, nil
}

// main is the BOSH server prebind and metrics use: plain HTTP when it runs.
func (w *webListener) main() *bosh.Server {
	if w.bosh != nil {
		return w.bosh
	}
	return w.tls
}

func (w *webListener) shutdown(ctx context.Context) error {
	if w == nil {
		return nil
	}
	var errs []error
	for _, bs := range []*bosh.Server{w.bosh, w.tls} {
		if bs != nil {
			errs = append(errs, bs.Shutdown(ctx))
		}
	}
	return errors.Join(errs...)
}

// metrics are the BOSH gauges, summed over the HTTP and HTTPS servers:
//
//	xmppd_bosh_sessions          BOSH sessions open
//	xmppd_bosh_held_requests     HTTP requests held for output now (long polling)
func (w *webListener) metrics() []prometheus.Collector {
	var servers []*bosh.Server
	for _, bs := range []*bosh.Server{w.bosh, w.tls} {
		if bs != nil {
			servers = append(servers, bs)
		}
	}
	sum := func(read func(*bosh.Stats) int64) func() float64 {
		return func() float64 {
			var n int64
			for _, bs := range servers {
				n += read(&bs.Stats)
			}
			return float64(n)
		}
	}
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "xmppd_bosh_sessions", Help: "BOSH sessions open (HTTP and HTTPS)."},
			sum(func(st *bosh.Stats) int64 { return st.Sessions.Load() })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "xmppd_bosh_held_requests", Help: "BOSH HTTP requests held for output now (long polling; HTTP and HTTPS)."},
			sum(func(st *bosh.Stats) int64 { return st.Held.Load() })),
	}
}

// mountAPI mounts the provisioning API (with BOSH prebind when BOSH runs)
// and the BOSH gauges on the admin listener.
func mountAPI(s *server, store storage.Store, log *slog.Logger) error {
	if s.admin == nil {
		return nil
	}
	cfg := httpapi.Config{Sessions: s.sessions, Users: store, Logger: log.With("component", "api"), IssueToken: s.tokens.Issue}
	if s.web != nil {
		cfg.Prebind = s.web.main().Prebind
		for _, c := range s.web.metrics() {
			if err := s.admin.srv.Registry().Register(c); err != nil {
				return err
			}
		}
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		return err
	}
	return s.admin.srv.Mount("/api/", api.Handler)
}
