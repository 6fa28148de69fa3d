package main

import (
	"context"
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

// webListener is the public HTTP listener: BOSH at /http-bind.
type webListener struct {
	bosh *bosh.Server
	addr string
	done chan error
}

// startWeb starts BOSH on cfg.Listen.HTTP; nil when that listener is off.
func startWeb(cfg config.Config, sessions *session.Server, log *slog.Logger) (*webListener, error) {
	if cfg.Listen.HTTP == "" {
		return nil, nil
	}
	bs, err := bosh.NewServer(bosh.Config{
		Sessions:    sessions,
		Domains:     cfg.Hosts(),
		Logger:      log.With("component", "bosh"),
		MaxOutbound: cfg.Limits.MaxOutboundBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("bosh: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen.HTTP)
	if err != nil {
		return nil, fmt.Errorf("http listener: %w", err)
	}
	w := &webListener{bosh: bs, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { w.done <- bs.Serve(ln) }()
	log.Info("listening", "listener", "http", "addr", w.addr, "bosh", "/http-bind")
	return w, nil
}

func (w *webListener) shutdown(ctx context.Context) error {
	if w == nil {
		return nil
	}
	return w.bosh.Shutdown(ctx)
}

// mountAPI mounts the provisioning API (with BOSH prebind when BOSH runs)
// and the BOSH sessions gauge on the admin listener.
func mountAPI(s *server, store storage.Store, log *slog.Logger) error {
	if s.admin == nil {
		return nil
	}
	cfg := httpapi.Config{Sessions: s.sessions, Users: store, Logger: log.With("component", "api"), IssueToken: s.tokens.Issue}
	if s.web != nil {
		cfg.Prebind = s.web.bosh.Prebind
		bs := s.web.bosh
		if err := s.admin.srv.Registry().Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "xmppd_bosh_sessions", Help: "BOSH sessions open.",
		}, func() float64 { return float64(bs.Count()) })); err != nil {
			return err
		}
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		return err
	}
	return s.admin.srv.Mount("/api/", api.Handler)
}
