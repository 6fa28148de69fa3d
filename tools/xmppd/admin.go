package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"xmppd/engine"
	"xmppd/engine/admin"
	"xmppd/engine/tlspipe"
	"xmppd/internal/config"
)

// adminListener is the admin HTTP listener (engine/admin: /metrics,
// /debug/pprof/, /healthz) wired to the server's parts. A nil
// *adminListener is a disabled one; its methods do nothing.
type adminListener struct {
	srv      *admin.Server
	draining atomic.Bool // set when stop begins: /healthz answers 503
}

// startAdmin serves the admin listener on cfg.Listen.Admin (nil, nil when
// that is empty), exporting the metrics of s's listeners, sessions and
// store and of hs. Call it once s is otherwise started.
func startAdmin(cfg config.Config, log *slog.Logger, s *server, hs *tlspipe.Handshaker) (*adminListener, error) {
	if cfg.Listen.Admin == "" {
		return nil, nil
	}
	a := &adminListener{}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "xmppd_build_info",
		Help:        "Always 1; the version label is the server's.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	listeners := make(map[string]*engine.Stats, len(s.listeners)+1)
	for name, l := range s.listeners {
		listeners[name] = &l.Stats
	}
	comps := s.components.stats()
	if comps != nil {
		listeners["component"] = comps.Stats
	}
	collectors := []prometheus.Collector{
		build,
		admin.NewListenerCollector(listeners),
		admin.NewSessionCollector(&s.sessions.Stats, comps),
		admin.NewStoreCollector(s.store),
	}
	if hs != nil {
		collectors = append(collectors, admin.NewHandshakeCollector(hs))
	}
	srv, err := admin.New(admin.Config{
		Addr:       cfg.Listen.Admin,
		Token:      cfg.AdminToken,
		Logger:     log.With("component", "admin"),
		Collectors: collectors,
		Health: map[string]admin.HealthChecker{
			// A read through the store: fails once it is closed or broken.
			"storage": admin.HealthFunc(func(context.Context) error {
				_, err := s.store.CountUsers()
				return err
			}),
			// engine.Listener exposes no liveness of its own; what the
			// binary knows is whether it is shutting them down.
			"listeners": admin.HealthFunc(func(context.Context) error {
				if a.draining.Load() {
					return errors.New("shutting down")
				}
				return nil
			}),
		},
	})
	if err != nil {
		return nil, err
	}
	addr, err := srv.Start()
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	a.srv = srv
	log.Info("listening", "listener", "admin", "addr", addr, "token_required", cfg.AdminToken != "")
	return a, nil
}

// addr is the bound address, "" when disabled.
func (a *adminListener) addr() string {
	if a == nil {
		return ""
	}
	return a.srv.Addr()
}

// drain makes /healthz fail from now on, so that load balancers and
// supervisors see the server going before its listeners close.
func (a *adminListener) drain() {
	if a != nil {
		a.draining.Store(true)
	}
}

// Shutdown stops the admin listener.
func (a *adminListener) Shutdown(ctx context.Context) error {
	if a == nil {
		return nil
	}
	return a.srv.Shutdown(ctx)
}
