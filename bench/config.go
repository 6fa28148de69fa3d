package bench

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// TLSMode is how a client secures its connection.
type TLSMode string

const (
	TLSNone     TLSMode = "none"     // plain TCP; the server must allow PLAIN in the clear for PLAIN
	TLSStartTLS TLSMode = "starttls" // RFC 6120 §5: upgrade after the first stream features
	TLSDirect   TLSMode = "direct"   // XEP-0368: TLS from the first byte (the c2s_tls port)
)

// Mech is a SASL mechanism name as the server advertises it.
type Mech string

const (
	MechPLAIN       Mech = "PLAIN"
	MechSCRAMSHA1   Mech = "SCRAM-SHA-1"
	MechSCRAMSHA256 Mech = "SCRAM-SHA-256"
)

// Defaults of Config's fields.
const (
	defaultResource       = "xb"
	defaultPrefix         = "user"
	defaultPassword       = "password"
	defaultDomain         = "localhost"
	defaultTimeout        = 10 * time.Second
	defaultWindow         = 10
	defaultPipeline       = 32
	defaultRegConns       = 4
	defaultDuration       = 10 * time.Second
	defaultDrain          = 5 * time.Second
	defaultBodySize       = 64
	defaultConcurrency    = 256
	defaultMaxRunDuration = 30 * time.Minute

	defaultBOSH             = "http://127.0.0.1:5280/http-bind"
	defaultPresenceInterval = time.Second
	defaultChatInterval     = 10 * time.Second
)

// MaxSocketsPerProc is how many client sockets one process may hold. The
// machines xmppd is benchmarked on allow 20,000 open files per process; the
// rest is headroom for the runtime, pipes and the odd TIME_WAIT reuse.
const MaxSocketsPerProc = 15000

// Config is one run of one scenario. The zero value of every field means its
// default (see EnsureDefaults), or none of it where the field is a count or
// a share (Contacts, ChatFraction, ChurnRate); a scenario whose defaults
// differ says so as a Defaulter. A worker process receives it as JSON, so
// every field that matters is exported.
type Config struct {
	// Server is host:port of the c2s (or, with TLS direct, c2s_tls) listener.
	Server string `json:"server"`
	// Domain is the XMPP domain of the accounts ("localhost").
	Domain string  `json:"domain"`
	TLS    TLSMode `json:"tls"`
	// Mech is the SASL mechanism used to log in (PLAIN by default).
	Mech Mech `json:"mech"`
	// Accounts are UserPrefix+N with N in [FirstUser, FirstUser+Users),
	// all with Password.
	UserPrefix string `json:"user_prefix"`
	Password   string `json:"password"`
	FirstUser  int    `json:"first_user"`
	Resource   string `json:"resource"`

	// Users: accounts to register (register), sessions to hold (idle),
	// accounts to log in as (login).
	Users int `json:"users"`
	// Logins: logins to perform (login); default Users. Login i is account
	// i mod Users.
	Logins int `json:"logins"`
	// Pairs of sessions exchanging messages (msg).
	Pairs int `json:"pairs"`
	// Window: messages in flight per sender (msg).
	Window int `json:"window"`
	// Pipeline: registrations in flight per connection (register).
	Pipeline int `json:"pipeline"`
	// Conns: connections registrations are spread over (register).
	Conns int `json:"conns"`
	// Duration: how long to send (msg) or to hold sessions (idle).
	Duration time.Duration `json:"duration"`
	// Drain: how long msg waits after Duration for messages still in flight
	// before it counts them as lost.
	Drain time.Duration `json:"drain"`
	// Rate: new logins per second for the whole run (login, idle, and the
	// set-up of msg); 0 means as fast as Concurrency allows.
	Rate float64 `json:"rate"`
	// Concurrency: logins in progress at once, whole run.
	Concurrency int `json:"concurrency"`
	// Timeout bounds one login, one registration, one connection set-up.
	Timeout time.Duration `json:"timeout"`
	// BodySize: bytes of <body/> in each chat message (msg).
	BodySize int `json:"body_size"`
	// Roster: fetch the roster after binding (RFC 6121 §2.2).
	Roster bool `json:"roster"`
	// Presence: send initial presence after binding.
	Presence bool `json:"presence"`
	// MaxRunDuration is a hard stop for the whole run, whatever happens.
	MaxRunDuration time.Duration `json:"max_run_duration"`

	// API is the base URL of the server's provisioning API
	// ("http://127.0.0.1:5281"); presence and mixed create accounts and
	// rosters through it when set, and fall back to in-band registration
	// and subscription handshakes when not.
	API string `json:"api,omitempty"`
	// BOSH is the URL of the server's BOSH endpoint (bosh).
	BOSH string `json:"bosh,omitempty"`
	// Contacts is the size of every roster (presence, mixed): each user
	// has a mutual (subscription both) roster with its Contacts nearest
	// neighbours on a ring of Users accounts.
	Contacts int `json:"contacts,omitempty"`
	// PresenceInterval: each user changes its presence once per interval
	// (presence, mixed).
	PresenceInterval time.Duration `json:"presence_interval,omitempty"`
	// ChatFraction of the users chat in pairs (mixed); 0: nobody chats.
	ChatFraction float64 `json:"chat_fraction,omitempty"`
	// ChatInterval: each chatting user sends one message per interval (mixed).
	ChatInterval time.Duration `json:"chat_interval,omitempty"`
	// ChurnRate: logouts, each followed by a fresh login of the same
	// account, per second, whole run (mixed); 0: no churn.
	ChurnRate float64 `json:"churn_rate,omitempty"`
}

// EnsureDefaults fills every zero field with its default.
func (c *Config) EnsureDefaults() {
	if c.Server == "" {
		c.Server = "127.0.0.1:5222"
	}
	if c.Domain == "" {
		c.Domain = defaultDomain
	}
	if c.TLS == "" {
		c.TLS = TLSNone
	}
	if c.Mech == "" {
		c.Mech = MechPLAIN
	}
	if c.UserPrefix == "" {
		c.UserPrefix = defaultPrefix
	}
	if c.Password == "" {
		c.Password = defaultPassword
	}
	if c.Resource == "" {
		c.Resource = defaultResource
	}
	if c.Logins == 0 {
		c.Logins = c.Users
	}
	if c.Window == 0 {
		c.Window = defaultWindow
	}
	if c.Pipeline == 0 {
		c.Pipeline = defaultPipeline
	}
	if c.Conns == 0 {
		c.Conns = defaultRegConns
	}
	if c.Duration == 0 {
		c.Duration = defaultDuration
	}
	if c.Drain == 0 {
		c.Drain = defaultDrain
	}
	if c.Concurrency == 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if c.BodySize == 0 {
		c.BodySize = defaultBodySize
	}
	if c.MaxRunDuration == 0 {
		c.MaxRunDuration = defaultMaxRunDuration
	}
	if c.BOSH == "" {
		c.BOSH = defaultBOSH
	}
	if c.PresenceInterval == 0 {
		c.PresenceInterval = defaultPresenceInterval
	}
	if c.ChatInterval == 0 {
		c.ChatInterval = defaultChatInterval
	}
}

// Validate reports a configuration no scenario can run with. Each scenario
// checks the counts it needs itself.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Server); err != nil {
		return fmt.Errorf("bench: server %q: %w", c.Server, err)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSDirect:
	default:
		return fmt.Errorf("bench: tls %q: want none, starttls or direct", c.TLS)
	}
	switch c.Mech {
	case MechPLAIN, MechSCRAMSHA1, MechSCRAMSHA256:
	default:
		return fmt.Errorf("bench: mech %q: want PLAIN, SCRAM-SHA-1 or SCRAM-SHA-256", c.Mech)
	}
	switch {
	case c.Users < 0 || c.Logins < 0 || c.Pairs < 0 || c.FirstUser < 0:
		return errors.New("bench: counts must not be negative")
	case c.Window < 0 || c.Pipeline < 0 || c.Conns < 0 || c.Concurrency < 0 || c.BodySize < 0:
		return errors.New("bench: window, pipeline, conns, concurrency and body size must not be negative")
	case c.Rate < 0:
		return errors.New("bench: rate must not be negative")
	case c.Duration < 0 || c.Drain < 0 || c.Timeout < 0 || c.MaxRunDuration < 0 ||
		c.PresenceInterval < 0 || c.ChatInterval < 0:
		return errors.New("bench: durations must not be negative")
	case c.Contacts < 0 || c.ChurnRate < 0:
		return errors.New("bench: contacts and churn rate must not be negative")
	case c.ChatFraction < 0 || c.ChatFraction > 1:
		return errors.New("bench: chat fraction must be within [0, 1]")
	}
	return nil
}

// Username is the localpart of account i (absolute, FirstUser included).
func (c *Config) Username(i int) string { return fmt.Sprintf("%s%d", c.UserPrefix, i) }

// Shard is one worker's share of a run: shard Index of Count.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Range splits [0, total) into Count contiguous parts as evenly as possible
// and returns part Index.
func (s Shard) Range(total int) (lo, hi int) {
	n := max(s.Count, 1)
	q, r := total/n, total%n
	lo = s.Index*q + min(s.Index, r)
	hi = lo + q
	if s.Index < r {
		hi++
	}
	return lo, hi
}

// Part is this shard's share of a quantity that is not a list (a
// concurrency, a number of connections): at least 1 when total is positive.
func (s Shard) Part(total int) int {
	lo, hi := s.Range(total)
	if total > 0 {
		return max(hi-lo, 1)
	}
	return 0
}
