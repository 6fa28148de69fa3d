package config

import (
	"log/slog"
	"path/filepath"
	"slices"
	"time"
)

// Off, as a duration, switches off the mechanism the duration paces. It is
// written "off" in the file. Only the options that say so accept it.
const Off time.Duration = -1

// Unlimited, as a rate limit, switches the limit off. It is written -1 in the
// file. Only the options that say so accept it.
const Unlimited = -1

// Config is the whole server configuration. See the package documentation for
// the meaning of zero values and for precedence.
type Config struct {
	// Domain is the primary virtual host, the server's own JID. Empty means
	// "localhost" unless Domains is non-empty.
	Domain string `yaml:"domain"`
	// Domains are further virtual hosts served next to Domain.
	Domains []string `yaml:"domains"`
	// DataDir holds the database and the generated self-signed certificate.
	DataDir string `yaml:"data_dir"`

	Listen Listen `yaml:"listen"`

	// AdminToken is the bearer token of the admin HTTP API. It is required
	// when Listen.Admin is not a loopback address.
	AdminToken string `yaml:"admin_token"`

	TLS          TLS          `yaml:"tls"`
	Auth         Auth         `yaml:"auth"`
	Registration Registration `yaml:"registration"`
	Limits       Limits       `yaml:"limits"`
	Offline      Offline      `yaml:"offline"`

	// Components maps an XEP-0114 component domain to its shared secret.
	// Several connections may authenticate for the same domain; the engine
	// load-balances between them.
	Components map[string]string `yaml:"components"`
	// ComponentBalance says how stanzas to a component domain served by
	// several connections pick one: by the sender's bare JID (a user's
	// traffic sticks to one gateway instance), the recipient's bare JID,
	// the sender's full JID, or at random.
	ComponentBalance ComponentBalance `yaml:"component_balance"`

	Log Log `yaml:"log"`

	// EventLoops is the number of reactor event loops; 0 means one per core.
	EventLoops int `yaml:"event_loops"`
}

// Listen holds the listener addresses as host:port. An empty address disables
// the listener; an empty host means every interface; port 0 asks the kernel
// for a free port (tests).
type Listen struct {
	C2S       string `yaml:"c2s"`       // client-to-server, STARTTLS
	C2STLS    string `yaml:"c2s_tls"`   // client-to-server, direct TLS (XEP-0368)
	Component string `yaml:"component"` // XEP-0114 external components
	HTTP      string `yaml:"http"`      // public HTTP: BOSH at /http-bind
	HTTPS     string `yaml:"https"`     // public HTTPS: BOSH with the server's certificate
	Admin     string `yaml:"admin"`     // admin HTTP: /api, /metrics, /debug/pprof
}

// TLS says where the certificate comes from and whether clients must use it.
type TLS struct {
	// CertFile and KeyFile are PEM files, both set or both empty. Empty means
	// a self-signed certificate kept in SelfSignedDir, generated on first
	// start and reused afterwards.
	CertFile string   `yaml:"cert_file"`
	KeyFile  string   `yaml:"key_file"`
	StartTLS StartTLS `yaml:"starttls"`
}

// StartTLS is the c2s STARTTLS policy.
type StartTLS string

const (
	StartTLSOptional StartTLS = "optional" // offered; clients may stay in the clear
	StartTLSRequired StartTLS = "required" // nothing but STARTTLS before it
)

// Auth configures SASL.
type Auth struct {
	// PlainInClear allows SASL PLAIN on a connection without TLS.
	PlainInClear bool `yaml:"plain_in_clear"`
	// SCRAMIterations is the PBKDF2 iteration count of newly stored SCRAM
	// credentials; RFC 7677 asks for at least 4096.
	SCRAMIterations int `yaml:"scram_iterations"`
	// MaxFailuresPerIPPerMinute throttles SASL failures per source address;
	// Unlimited switches throttling off.
	MaxFailuresPerIPPerMinute int `yaml:"max_failures_per_ip_per_minute"`
	// ExternalURL, when set, has a web portal check PLAIN passwords over
	// HTTP (engine/extauth); SCRAM is then off, the server holding no keys.
	ExternalURL string `yaml:"external_url"`
	// ExternalTimeout bounds one request to the portal.
	ExternalTimeout time.Duration `yaml:"external_timeout"`
	// ExternalCacheTTL is how long an accepted password is remembered, so a
	// portal outage does not lock out users who logged in recently.
	ExternalCacheTTL time.Duration `yaml:"external_cache_ttl"`
	// TokenTTL is the lifetime of the single sign-on tokens the API issues.
	TokenTTL time.Duration `yaml:"token_ttl"`
	// TokenSecret signs those tokens; empty means a random key per process
	// (give every node of a cluster the same one).
	TokenSecret string `yaml:"token_secret"`
}

// Registration configures XEP-0077 in-band registration.
type Registration struct {
	Mode RegistrationMode `yaml:"mode"`
	// RatePerIPPerHour caps registrations per source address; Unlimited
	// switches the cap off.
	RatePerIPPerHour int `yaml:"rate_per_ip_per_hour"`
}

// RegistrationMode says who may register accounts in-band.
type RegistrationMode string

const (
	RegistrationOff      RegistrationMode = "off"      // nobody; accounts come from the admin API
	RegistrationLoopback RegistrationMode = "loopback" // connections from a loopback address only
	RegistrationOpen     RegistrationMode = "open"     // anybody
)

// Limits bound what one peer, and all of them together, may cost the server.
type Limits struct {
	// MaxStanzaSize is the largest stanza accepted, in bytes; RFC 6120 asks
	// for at least 10000.
	MaxStanzaSize int `yaml:"max_stanza_size"`
	// MaxConnections caps open client and component connections.
	MaxConnections int `yaml:"max_connections"`
	// MaxConnectionsPerIP caps open connections from one source address.
	MaxConnectionsPerIP int `yaml:"max_connections_per_ip"`
	// AuthTimeout closes a connection that has not authenticated in time.
	AuthTimeout time.Duration `yaml:"auth_timeout"`
	// IdleTimeout closes a connection silent for that long; 0 or Off: never.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// PingInterval is the silence after which the server pings a client
	// (XEP-0199); Off: never.
	PingInterval time.Duration `yaml:"ping_interval"`
	// PingTimeout closes a connection that does not answer a ping in time.
	PingTimeout time.Duration `yaml:"ping_timeout"`
	// MaxOutboundBytes caps one session's queued outbound bytes; a peer that
	// stops reading is disconnected when it is exceeded. At least
	// MaxStanzaSize, so that any stanza accepted can also be delivered.
	MaxOutboundBytes int `yaml:"max_outbound_bytes"`
}

// Offline configures XEP-0160 offline message storage.
type Offline struct {
	// MaxMessagesPerUser caps the queue; further messages bounce with
	// service-unavailable.
	MaxMessagesPerUser int `yaml:"max_messages_per_user"`
}

// Log configures log/slog.
type Log struct {
	Level  LogLevel  `yaml:"level"`
	Format LogFormat `yaml:"format"`
}

// LogLevel is the minimum level logged.
type LogLevel string

const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// SlogLevel returns l as a slog.Level; an unknown level is slog.LevelInfo.
func (l LogLevel) SlogLevel() slog.Level {
	switch l {
	case LogDebug:
		return slog.LevelDebug
	case LogWarn:
		return slog.LevelWarn
	case LogError:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// LogFormat selects the slog handler.
type LogFormat string

const (
	LogText LogFormat = "text" // slog.TextHandler
	LogJSON LogFormat = "json" // slog.JSONHandler
)

// Defaults of the options whose zero value means "the default".
const (
	DefaultDomain  = "localhost"
	DefaultDataDir = "./data"

	DefaultSCRAMIterations           = 4096
	DefaultExternalTimeout           = 3 * time.Second
	DefaultExternalCacheTTL          = 5 * time.Minute
	DefaultTokenTTL                  = 2 * time.Minute
	DefaultMaxFailuresPerIPPerMinute = 10
	DefaultRegistrationRatePerHour   = 10

	DefaultMaxStanzaSize       = 256 << 10
	DefaultMaxConnections      = 100000
	DefaultMaxConnectionsPerIP = 1000
	DefaultAuthTimeout         = 30 * time.Second
	DefaultPingInterval        = 5 * time.Minute
	DefaultPingTimeout         = 60 * time.Second
	DefaultMaxOutboundBytes    = 1 << 20

	DefaultMaxOfflineMessages = 1000
)

// DefaultListen returns the standard listener addresses.
func DefaultListen() Listen {
	return Listen{
		C2S:       "0.0.0.0:5222",
		C2STLS:    "0.0.0.0:5223",
		Component: "0.0.0.0:5275",
		HTTP:      "0.0.0.0:5280",
		Admin:     "127.0.0.1:5281",
	}
}

// Default returns the configuration of a server started without a file: the
// zero Config with every listener on its standard port, defaults filled in.
func Default() Config {
	c := Config{Listen: DefaultListen()}
	c.EnsureDefaults()
	return c
}

// EnsureDefaults replaces every zero option whose zero means "the default"
// by that default. It leaves listeners, IdleTimeout, EventLoops, the TLS files,
// AdminToken, Domains and Components alone: their zero is a setting.
func (c *Config) EnsureDefaults() *Config {
	if c.Domain == "" && len(c.Domains) == 0 {
		c.Domain = DefaultDomain
	}
	setDefault(&c.DataDir, DefaultDataDir)
	setDefault(&c.TLS.StartTLS, StartTLSOptional)
	setDefault(&c.Auth.SCRAMIterations, DefaultSCRAMIterations)
	setDefault(&c.ComponentBalance, BalanceSender)
	setDefault(&c.Auth.ExternalTimeout, DefaultExternalTimeout)
	setDefault(&c.Auth.ExternalCacheTTL, DefaultExternalCacheTTL)
	setDefault(&c.Auth.TokenTTL, DefaultTokenTTL)
	setDefault(&c.Auth.MaxFailuresPerIPPerMinute, DefaultMaxFailuresPerIPPerMinute)
	setDefault(&c.Registration.Mode, RegistrationLoopback)
	setDefault(&c.Registration.RatePerIPPerHour, DefaultRegistrationRatePerHour)
	l := &c.Limits
	setDefault(&l.MaxStanzaSize, DefaultMaxStanzaSize)
	setDefault(&l.MaxConnections, DefaultMaxConnections)
	setDefault(&l.MaxConnectionsPerIP, DefaultMaxConnectionsPerIP)
	setDefault(&l.AuthTimeout, DefaultAuthTimeout)
	setDefault(&l.PingInterval, DefaultPingInterval)
	setDefault(&l.PingTimeout, DefaultPingTimeout)
	setDefault(&l.MaxOutboundBytes, DefaultMaxOutboundBytes)
	setDefault(&c.Offline.MaxMessagesPerUser, DefaultMaxOfflineMessages)
	setDefault(&c.Log.Level, LogInfo)
	setDefault(&c.Log.Format, LogText)
	return c
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Hosts returns the virtual hosts, Domain first, in canonical form (RFC 7622),
// without duplicates. A domain that does not parse is left out; Validate
// reports it.
func (c *Config) Hosts() []string {
	hosts := make([]string, 0, 1+len(c.Domains))
	add := func(d string) {
		if canon, err := domain(d); err == nil && !slices.Contains(hosts, canon) {
			hosts = append(hosts, canon)
		}
	}
	add(c.Domain)
	for _, d := range c.Domains {
		add(d)
	}
	return hosts
}

// SelfSignedDir is where the self-signed certificate lives when no TLS
// certificate is configured.
func (c *Config) SelfSignedDir() string { return filepath.Join(c.DataDir, "tls") }

// ComponentBalance is the key that spreads a component domain's stanzas
// over its connections.
type ComponentBalance string

// The balance keys.
const (
	BalanceSender    ComponentBalance = "sender"
	BalanceRecipient ComponentBalance = "recipient"
	BalanceFull      ComponentBalance = "full"
	BalanceRandom    ComponentBalance = "random"
)
