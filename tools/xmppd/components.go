package main

import (
	"context"
	"log/slog"

	"xmppd/codec"
	"xmppd/engine/component"
	"xmppd/engine/session"
	"xmppd/internal/config"
)

// XEP-0114 components (engine/component) are wired in two steps, because
// the router and the session server need each other: the router exists
// before session.NewServer (session.Config.Components), and the listener,
// which routes component stanzas into the session server, starts after it.

// newComponents builds the component router from cfg.Components. It returns
// nil when no component is configured; a nil *component.Router serves no
// domain, so it may still be put in session.Config.Components.
//
// Every domain gets the default balance (component.BySender: each user's
// traffic sticks to one gateway instance); the configuration file has no
// option for it yet.
func newComponents(cfg config.Config) (*component.Router, error) {
	if len(cfg.Components) == 0 {
		return nil, nil
	}
	balance, err := component.ParseBalance(string(cfg.ComponentBalance))
	if err != nil {
		return nil, err
	}
	return component.NewRouter(component.RouterConfig{Secrets: cfg.Components, Balance: balance})
}

// componentListener is the running component listener, or nothing when
// components are not configured or their listener is disabled. Its methods
// work on nil.
type componentListener struct {
	l *component.Listener
}

// Addr is the bound address, "" when not listening.
func (c *componentListener) Addr() string {
	if c == nil || c.l == nil {
		return ""
	}
	return c.l.Addr()
}

// stats are the listener's counters, nil when not listening.
func (c *componentListener) stats() *component.Stats {
	if c == nil || c.l == nil {
		return nil
	}
	return &c.l.Stats
}

// Shutdown ends every component stream with <system-shutdown/> and stops
// the listener. Call it before the session server closes: components route
// into it.
func (c *componentListener) Shutdown(ctx context.Context) error {
	if c == nil || c.l == nil {
		return nil
	}
	return c.l.Shutdown(ctx)
}

// startComponentListener listens on cfg.Listen.Component for the components
// of r and routes what they send into sessions.
func startComponentListener(cfg config.Config, r *component.Router, sessions *session.Server, log *slog.Logger) (*componentListener, error) {
	switch {
	case r == nil:
		log.Debug("no components configured; component listener not started")
		return nil, nil
	case cfg.Listen.Component == "":
		log.Warn("components are configured but listen.component is empty; they cannot connect", "components", r.Domains())
		return nil, nil
	}
	domain := ""
	if hosts := cfg.Hosts(); len(hosts) > 0 {
		domain = hosts[0]
	}
	l, err := component.Start(component.Config{
		Addr:        cfg.Listen.Component,
		Router:      r,
		Server:      sessions,
		Domain:      domain,
		Logger:      log,
		Loops:       cfg.EventLoops,
		Limits:      codec.Limits{MaxStanzaSize: cfg.Limits.MaxStanzaSize},
		MaxOutbound: max(cfg.Limits.MaxOutboundBytes, 16<<20), // a gateway carries many users' traffic
		AuthTimeout: cfg.Limits.AuthTimeout,
	})
	if err != nil {
		return nil, err
	}
	log.Info("listening", "listener", "component", "addr", l.Addr(), "components", r.Domains())
	return &componentListener{l: l}, nil
}
