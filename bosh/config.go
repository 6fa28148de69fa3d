package bosh

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"xmppd/codec"
	"xmppd/engine/session"
	"xmppd/storage"
)

// Config configures a Server. Sessions is required; every other zero value
// means the default EnsureDefaults sets.
type Config struct {
	// Sessions runs the XMPP stream behind every BOSH session.
	Sessions *session.Server
	// Domains are the hosts a session may name in 'to' (and 'route'); empty
	// means every domain Sessions serves.
	Domains []string
	// Path is where BOSH is served. Default "/http-bind".
	Path string

	// MaxWait caps the 'wait' a client may ask for. Default 60 s.
	MaxWait time.Duration
	// MaxHold caps 'hold'. Default 1; 'requests' is always hold+1.
	MaxHold int
	// Inactivity is how long a session may have no request in the server
	// before it is destroyed. Default 60 s.
	Inactivity time.Duration
	// Polling is the shortest interval between two empty requests of a
	// polling session (hold=0). Default 2 s.
	Polling time.Duration
	// MaxPause caps the 'pause' a client may ask for (XEP-0124 §10).
	// Default 120 s.
	MaxPause time.Duration

	// AllowedOrigins lists the origins browsers may call BOSH from across
	// origins (CORS); "*" allows any. Empty: same-origin pages only.
	AllowedOrigins []string
	// CompressMin is the smallest response body worth gzip or deflate.
	// Default 1024 bytes; negative disables compression.
	CompressMin int

	// MaxBodySize caps a request body, compressed or not. Default 256 KiB.
	MaxBodySize int
	// MaxOutbound caps the bytes waiting for one session's next response;
	// past it the session ends with a policy-violation stream error, as a
	// TCP client that stops reading does. Default 1 MiB.
	MaxOutbound int
	// MaxSessions caps concurrent BOSH sessions. Default 100,000.
	MaxSessions int
	// MaxConnsPerIP caps HTTP connections from one address; 0: no cap.
	MaxConnsPerIP int
	// WorkTimeout bounds how long a request waits for a session's worker
	// (SASL, storage) before the next element of its body. Default 30 s.
	WorkTimeout time.Duration
	// ReadTimeout and WriteTimeout bound reading one request and writing
	// one response. Default 10 s each.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// SweepInterval is how often one sweep over all sessions answers the
	// held requests whose 'wait' is up and destroys inactive sessions:
	// 'wait' is honoured to within it. Default 250 ms.
	SweepInterval time.Duration

	// TLS serves HTTPS when set.
	TLS *tls.Config
	// AssumeSecure marks sessions secure although the request came in
	// plain HTTP (behind a TLS-terminating proxy on loopback).
	AssumeSecure bool
	// TrustForwardedFor takes a session's address from the last entry of
	// X-Forwarded-For when the request comes from a loopback address (a
	// reverse proxy on this host). Without it, every client behind such a
	// proxy looks like loopback to the session: rate limits are shared
	// and loopback-only registration (session.RegisterLoopback) is open to
	// all of them.
	TrustForwardedFor bool

	// Users, when set, lets Prebind refuse accounts that do not exist.
	Users storage.UserStore

	Logger *slog.Logger
	Clock  Clock
}

// Defaults.
const (
	DefaultPath          = "/http-bind"
	DefaultMaxWait       = 60 * time.Second
	DefaultInactivity    = 60 * time.Second
	DefaultPolling       = 2 * time.Second
	DefaultMaxPause      = 120 * time.Second
	DefaultCompressMin   = 1024
	DefaultMaxBodySize   = codec.DefaultMaxStanzaSize
	DefaultMaxOutbound   = 1 << 20
	DefaultMaxSessions   = 100000
	DefaultWorkTimeout   = 30 * time.Second
	DefaultIOTimeout     = 10 * time.Second
	DefaultSweepInterval = 250 * time.Millisecond
)

// EnsureDefaults fills zero fields.
func (c *Config) EnsureDefaults() {
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.MaxHold == 0 {
		c.MaxHold = 1
	}
	if c.Inactivity == 0 {
		c.Inactivity = DefaultInactivity
	}
	if c.Polling == 0 {
		c.Polling = DefaultPolling
	}
	if c.MaxPause == 0 {
		c.MaxPause = DefaultMaxPause
	}
	if c.CompressMin == 0 {
		c.CompressMin = DefaultCompressMin
	}
	if c.MaxBodySize == 0 {
		c.MaxBodySize = DefaultMaxBodySize
	}
	if c.MaxOutbound == 0 {
		c.MaxOutbound = DefaultMaxOutbound
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.WorkTimeout == 0 {
		c.WorkTimeout = DefaultWorkTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultIOTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultIOTimeout
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = DefaultSweepInterval
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
}

// Validate reports a missing or inconsistent field.
func (c *Config) Validate() error {
	switch {
	case c.Sessions == nil:
		return errors.New("bosh: no session server")
	case c.Path == "" || c.Path[0] != '/':
		return errors.New("bosh: Path must start with '/'")
	case c.MaxWait < time.Second:
		return errors.New("bosh: MaxWait must be at least 1s")
	case c.MaxHold < 0 || c.MaxHold > 16:
		return errors.New("bosh: MaxHold must be between 0 and 16")
	case c.Inactivity < time.Second || c.Polling < 0 || c.MaxPause < 0:
		return errors.New("bosh: Inactivity must be at least 1s; Polling and MaxPause not negative")
	case c.MaxBodySize < 1024 || c.MaxOutbound < 1024 || c.MaxSessions < 1:
		return errors.New("bosh: MaxBodySize and MaxOutbound must be at least 1 KiB, MaxSessions at least 1")
	}
	for _, d := range c.Domains {
		if !c.Sessions.Serves(d) {
			return fmt.Errorf("bosh: domain %q is not served by the session server", d)
		}
	}
	return nil
}
