package session

import (
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/engine/sasl"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// TLSPolicy says whether STARTTLS is offered and whether it is required.
type TLSPolicy uint8

const (
	TLSOptional TLSPolicy = iota // offered when the transport can do it
	TLSRequired                  // no SASL, no registration before TLS
	TLSOff                       // never offered
)

// RegistrationMode says who may create accounts in-band (XEP-0077).
type RegistrationMode uint8

const (
	RegisterLoopback RegistrationMode = iota // only from loopback addresses (the default)
	RegisterOff
	RegisterOpen
)

// Config configures a Server. Domains, Store and Router are required; the
// rest has meaningful zero values, filled by EnsureDefaults.
type Config struct {
	Domains []string
	Store   storage.Store
	Router  *router.Router
	Logger  *slog.Logger

	TLS               TLSPolicy
	AllowPlainInClear bool
	ScramIterations   int
	// MaxAuthAttempts bounds SASL attempts on one stream (RFC 6120 §6.4.5
	// asks for 2 to 5); past it the stream is closed.
	MaxAuthAttempts int
	// AuthFailuresPerIPPerMinute throttles SASL failures across streams.
	AuthFailuresPerIPPerMinute int

	Registration              RegistrationMode
	RegistrationsPerIPPerHour int

	// Workers is the size of the pool running slow work (SASL, storage).
	Workers int
	// WorkQueue bounds tasks waiting for a worker; past it, new work is
	// refused with a temporary failure rather than queued without bound.
	WorkQueue int

	// External, if set, checks PLAIN passwords with a portal (and turns
	// SCRAM off); Tokens, if set, accepts single sign-on tokens as
	// passwords. See engine/sasl and engine/extauth.
	External sasl.ExternalVerifier
	Tokens   sasl.TokenVerifier

	// Components, if set, receives stanzas addressed to component domains
	// (XEP-0114 gateways); see ComponentRouter.
	Components ComponentRouter

	// Filter, if set, sees every stanza an established session sends,
	// before routing; returning false drops it. It runs on the session's
	// loop and must be fast (a hook for policy modules and for tests).
	Filter func(from jid.JID, stanza codec.Element) bool

	// MaxOfflinePerUser bounds each user's offline queue (XEP-0160); past
	// it, messages are refused with resource-constraint. Default 1000.
	MaxOfflinePerUser int

	// Version is what XEP-0092 reports.
	Version string
	// Clock is for tests; nil means time.Now.
	Clock func() time.Time
}

// EnsureDefaults fills zero fields.
func (c *Config) EnsureDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ScramIterations == 0 {
		c.ScramIterations = sasl.DefaultIterations
	}
	if c.MaxAuthAttempts == 0 {
		c.MaxAuthAttempts = 3
	}
	if c.AuthFailuresPerIPPerMinute == 0 {
		c.AuthFailuresPerIPPerMinute = 10
	}
	if c.RegistrationsPerIPPerHour == 0 {
		c.RegistrationsPerIPPerHour = 10
	}
	if c.Workers == 0 {
		c.Workers = 4 * runtime.GOMAXPROCS(0)
	}
	if c.WorkQueue == 0 {
		c.WorkQueue = 16384
	}
	if c.MaxOfflinePerUser == 0 {
		c.MaxOfflinePerUser = 1000
	}
	if c.Version == "" {
		c.Version = "0.1.0"
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// Validate reports a missing or inconsistent field.
func (c *Config) Validate() error {
	switch {
	case len(c.Domains) == 0:
		return errors.New("session: no domains")
	case c.Store == nil:
		return errors.New("session: no store")
	case c.Router == nil:
		return errors.New("session: no router")
	case c.MaxAuthAttempts < 1 || c.MaxAuthAttempts > 255:
		return errors.New("session: MaxAuthAttempts must be 1..255")
	}
	for _, d := range c.Domains {
		j, err := jid.Parse(d)
		if err != nil || j.Local() != "" || j.Resource() != "" {
			return fmt.Errorf("session: %q is not a domain", d)
		}
	}
	return nil
}

// ComponentRouter delivers stanzas to external components (XEP-0114). It is
// called from sessions' owner goroutines and must not block.
type ComponentRouter interface {
	// Serves reports whether domain belongs to a connected or configured
	// component.
	Serves(domain string) bool
	// Deliver hands a stanza (from stamped) addressed to a component
	// domain, or a JID at one, to one of the component's connections; it
	// returns false when no connection can take it.
	Deliver(to jid.JID, stanza []byte) bool
}

// A ComponentRouter that also has a Domains() []string method gets its
// domains listed in the server's disco#items (XEP-0030).

// domain is one hosted domain.
type domain struct {
	name string
	jid  jid.JID
	sasl *sasl.Server
}

// Server holds what every session of a node shares. It is safe for
// concurrent use.
type Server struct {
	cfg     Config
	domains map[string]*domain
	first   *domain
	work    chan func()
	wg      sync.WaitGroup
	authLim *ipLimiter
	regLim  *ipLimiter
	Stats   Stats

	pings        atomic.Uint32 // keepalive ping numbers (Session.SendPing)
	started      time.Time
	lockSeed     maphash.Seed
	offlineLocks [64]sync.Mutex  // striped by user: one offline delivery at a time
	rosterLocks  [64]sync.Mutex  // striped by user: roster read-modify-write
	offlineOrder [64]orderedWork // striped by user: offline stores in routing order
}

// NewServer builds a Server and starts its worker pool; Close stops it.
func NewServer(cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		domains:  make(map[string]*domain),
		work:     make(chan func(), cfg.WorkQueue),
		authLim:  newIPLimiter(cfg.AuthFailuresPerIPPerMinute, time.Minute, cfg.Clock),
		regLim:   newIPLimiter(cfg.RegistrationsPerIPPerHour, time.Hour, cfg.Clock),
		lockSeed: maphash.MakeSeed(),
		started:  cfg.Clock(),
	}
	lookup := credLookup{cfg.Store}
	for _, name := range cfg.Domains {
		j, _ := jid.Parse(name)
		srv, err := sasl.NewServer(sasl.Config{
			Domain:            j.Domain(),
			Lookup:            lookup,
			AllowPlainInClear: cfg.AllowPlainInClear,
			Iterations:        cfg.ScramIterations,
			External:          cfg.External,
			Tokens:            cfg.Tokens,
		})
		if err != nil {
			return nil, err
		}
		d := &domain{name: j.Domain(), jid: j, sasl: srv}
		s.domains[d.name] = d
		if s.first == nil {
			s.first = d
		}
	}
	for range cfg.Workers {
		s.wg.Add(1)
		go s.worker()
	}
	return s, nil
}

// Close stops the worker pool after the queued work is done.
func (s *Server) Close() {
	close(s.work)
	s.wg.Wait()
}

// Router is the session table.
func (s *Server) Router() *router.Router { return s.cfg.Router }

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.cfg.Logger }

// Serves reports whether name is a hosted domain.
func (s *Server) Serves(name string) bool { return s.domains[name] != nil }

func (s *Server) worker() {
	defer s.wg.Done()
	for fn := range s.work {
		fn()
	}
}

// goWork runs fn on the worker pool; false when the queue is full.
func (s *Server) goWork(fn func()) bool {
	select {
	case s.work <- fn:
		return true
	default:
		s.Stats.WorkRefused.Add(1)
		return false
	}
}

// credLookup adapts the user store to SASL.
type credLookup struct{ users storage.UserStore }

func (c credLookup) Lookup(user string) (sha1, sha256 sasl.Credentials, err error) {
	u, err := c.users.User(user)
	if errors.Is(err, storage.ErrNotFound) {
		return sha1, sha256, sasl.ErrUnknownUser
	}
	if err != nil {
		return sha1, sha256, err
	}
	return sasl.Credentials(u.SHA1), sasl.Credentials(u.SHA256), nil
}

// ipLimiter counts events per address in fixed windows.
type ipLimiter struct {
	mu     sync.Mutex // guards the following fields
	limit  int
	window time.Duration
	now    func() time.Time
	counts map[netip.Addr]*ipCount
}

type ipCount struct {
	start time.Time
	n     int
}

func newIPLimiter(limit int, window time.Duration, now func() time.Time) *ipLimiter {
	return &ipLimiter{limit: limit, window: window, now: now, counts: make(map[netip.Addr]*ipCount)}
}

// exceeded reports whether addr has used up its events in this window.
func (l *ipLimiter) exceeded(addr netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.counts[addr]
	return c != nil && l.now().Sub(c.start) < l.window && c.n >= l.limit
}

// add records one event for addr.
func (l *ipLimiter) add(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.counts) > 100000 { // forget expired windows before growing further
		for a, c := range l.counts {
			if now.Sub(c.start) >= l.window {
				delete(l.counts, a)
			}
		}
	}
	c := l.counts[addr]
	if c == nil || now.Sub(c.start) >= l.window {
		l.counts[addr] = &ipCount{start: now, n: 1}
		return
	}
	c.n++
}
