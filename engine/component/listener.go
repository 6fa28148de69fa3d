package component

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"xmppd/codec"
	"xmppd/engine"
	"xmppd/engine/session"
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
	// its outbound queue and in gnet's outbound buffer (each); past it the
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
	// TimerResolution is the timer wheel's tick; default 1 s (the engine's).
	TimerResolution time.Duration
}

// EnsureDefaults fills the zero fields whose defaults differ from the
// engine's or that Validate needs; engine.Config.EnsureDefaults fills
// Loops, AuthTimeout and TimerResolution.
func (c *Config) EnsureDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Limits = c.Limits.EnsureDefaults()
	if c.MaxOutbound == 0 {
		c.MaxOutbound = 16 << 20
	}
	if c.MaxConns == 0 {
		c.MaxConns = 1024
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = time.Minute
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

// Stats are the listener's counters. The connection counters are the
// engine's, promoted from the embedded *engine.Stats (set by Start): Open,
// Accepted, Refused (over MaxConns), SlowClosed (outbound cap exceeded),
// Timeouts (handshake not done in time) and Panics.
type Stats struct {
	*engine.Stats

	Authenticated atomic.Int64 // handshakes that succeeded
	Live          atomic.Int64 // connections past the handshake now
	AuthFailed    atomic.Int64 // handshakes that did not
	StanzasIn     atomic.Int64 // from components
	StanzasOut    atomic.Int64 // queued to components and not handed back
	Bounced       atomic.Int64 // stanza errors sent for stanzas that could not be routed
	Rerouted      atomic.Int64 // queued for a connection that closed, handed to another
	StreamErrors  atomic.Int64
}

// Listener serves XEP-0114 component streams on the c2s engine's reactor
// (engine.Start with the component stream).
type Listener struct {
	eng   *engine.Listener
	Stats Stats
}

// Start listens and serves until Shutdown. It returns once the listener is
// bound, so Addr is valid.
func Start(cfg Config) (*Listener, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Listener{}
	e := &env{
		router: cfg.Router,
		in:     cfg.Server,
		domain: cfg.Domain,
		log:    cfg.Logger,
		stats:  &l.Stats,
		limits: cfg.Limits,
	}
	ecfg := engine.Config{
		Addr:            cfg.Addr,
		NewStream:       func(t session.Transport) engine.Stream { return newStream(e, t) },
		Logger:          cfg.Logger,
		Loops:           cfg.Loops,
		Limits:          cfg.Limits,
		MaxOutbound:     cfg.MaxOutbound,
		AuthTimeout:     cfg.AuthTimeout,
		Admission:       &engine.Admission{MaxConns: cfg.MaxConns},
		TimerResolution: cfg.TimerResolution,
	}
	if cfg.KeepAlive > 0 {
		ecfg.TCPKeepAlive = cfg.KeepAlive
	}
	eng, err := engine.Start(ecfg)
	if err != nil {
		return nil, fmt.Errorf("component: %w", err)
	}
	l.eng = eng
	l.Stats.Stats = &eng.Stats
	return l, nil
}

// Addr is the bound address (host:port).
func (l *Listener) Addr() string { return l.eng.Addr() }

// Shutdown ends every component stream with <system-shutdown/> and stops
// the listener, waiting at most until ctx is done. Stanzas still queued
// for a component go to the domain's other connections while there are
// any, and are then bounced to their senders. Later calls return the first
// call's result.
func (l *Listener) Shutdown(ctx context.Context) error { return l.eng.Shutdown(ctx) }
