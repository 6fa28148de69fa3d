package sasl

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/xdg-go/scram"
	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
)

// Mechanism names, as advertised in <mechanisms/> and named in <auth/>.
const (
	Plain           = "PLAIN"
	ScramSHA1       = "SCRAM-SHA-1"
	ScramSHA256     = "SCRAM-SHA-256"
	ScramSHA1Plus   = "SCRAM-SHA-1-PLUS"
	ScramSHA256Plus = "SCRAM-SHA-256-PLUS"
)

// DefaultMaxMessageSize bounds one client message when Config leaves it
// zero. Real SCRAM and PLAIN messages are a few hundred octets.
const DefaultMaxMessageSize = 4096

// CredentialLookup finds the stored credentials of a user. user is already
// normalised with PRECIS UsernameCaseMapped. Either set of credentials may
// be zero when the user has none for that hash. An unknown user is reported
// with ErrUnknownUser (wrapped or not); an *Error ends the attempt with its
// condition (account-disabled, credentials-expired; note that this tells the
// client the account exists); any other error is a temporary-auth-failure.
// Lookup is called from Step, on the caller's worker goroutine, and may
// block on storage.
type CredentialLookup interface {
	Lookup(user string) (sha1, sha256 Credentials, err error)
}

// Config configures a Server. The zero value is not usable: Domain and
// Lookup are required; everything else has a meaningful default.
type Config struct {
	// Domain is the XMPP domain whose users this Server authenticates. An
	// authzid in bare-JID form must name it. Host one Server per domain.
	Domain string

	// Lookup resolves usernames to stored credentials.
	Lookup CredentialLookup

	// AllowPlainInClear offers and accepts PLAIN on streams without TLS,
	// sending the password in the clear. Off by default; meant for tests
	// and loopback.
	AllowPlainInClear bool

	// Iterations is the PBKDF2 count of the fake credentials that stand in
	// for unknown users. Set it to what NewCredentials was given, so an
	// unknown user's server-first message looks like a real one. Zero
	// means DefaultIterations.
	Iterations int

	// FakeSaltKey is the secret fake salts are derived from. Give every
	// node of a deployment the same long-lived random key: if it changes,
	// an unknown user's salt changes while a real user's does not. Empty
	// means a random key for the life of the Server.
	FakeSaltKey []byte

	// MaxMessageSize bounds one client message, in octets after base64
	// decoding; a longer one is a malformed-request. Zero means
	// DefaultMaxMessageSize.
	MaxMessageSize int

	// External, if set, checks PLAIN passwords elsewhere (a portal) and
	// turns SCRAM off: see ExternalVerifier.
	External ExternalVerifier
	// Tokens, if set, accepts single-sign-on tokens as PLAIN passwords.
	Tokens TokenVerifier
}

// EnsureDefaults fills the zero fields that have defaults.
func (c *Config) EnsureDefaults() {
	if c.Iterations == 0 {
		c.Iterations = DefaultIterations
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
}

// Validate reports a Config that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Domain == "":
		return errors.New("sasl: Config.Domain is required")
	case c.Lookup == nil:
		return errors.New("sasl: Config.Lookup is required")
	case c.Iterations < 0:
		return fmt.Errorf("sasl: Config.Iterations %d < 0", c.Iterations)
	case c.MaxMessageSize < 0:
		return fmt.Errorf("sasl: Config.MaxMessageSize %d < 0", c.MaxMessageSize)
	}
	return nil
}

// Server hands out per-attempt Mechanisms for one domain. It is immutable
// after NewServer and safe for concurrent use.
type Server struct {
	cfg     Config
	domain  string // Config.Domain, normalised for authzid comparison
	fakeKey []byte
	nonce   scram.NonceGeneratorFcn // nil: the library's, 24 random bytes; tests pin it
}

// NewServer validates cfg and builds a Server.
func NewServer(cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, domain: normDomain(cfg.Domain)}
	if len(cfg.FakeSaltKey) > 0 {
		s.fakeKey = append([]byte(nil), cfg.FakeSaltKey...)
	} else {
		s.fakeKey = make([]byte, 32)
		rand.Read(s.fakeKey)
	}
	s.cfg.FakeSaltKey = nil // the copy in fakeKey is the one in use
	return s, nil
}

// Channel describes the transport under an authentication attempt. Pass
// the same value to Mechanisms and Start: what is advertised decides what a
// downgrade is.
type Channel struct {
	// TLS is true when the stream is encrypted (STARTTLS or direct TLS).
	TLS bool
	// Exporter is the tls-exporter channel binding (RFC 9266): 32 octets of
	// ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32). Nil unless
	// the connection is TLS 1.3; TLSChannel fills it. Start copies it.
	Exporter []byte
}

func (c Channel) binding() bool { return c.TLS && len(c.Exporter) > 0 }

// exporterLabel is the RFC 9266 exporter label.
const exporterLabel = "EXPORTER-Channel-Binding"

// TLSChannel describes a TLS connection whose handshake is complete. Only
// TLS 1.3 yields a channel binding: RFC 9266 defines tls-exporter for 1.3,
// and on 1.2 it is unsafe without extended master secret. A nil cs is a
// connection in the clear.
func TLSChannel(cs *tls.ConnectionState) (Channel, error) {
	if cs == nil {
		return Channel{}, nil
	}
	if !cs.HandshakeComplete {
		return Channel{}, errors.New("sasl: TLS handshake not complete")
	}
	ch := Channel{TLS: true}
	if cs.Version != tls.VersionTLS13 {
		return ch, nil
	}
	ekm, err := cs.ExportKeyingMaterial(exporterLabel, nil, 32)
	if err != nil {
		return Channel{}, fmt.Errorf("sasl: tls-exporter: %w", err)
	}
	ch.Exporter = ekm
	return ch, nil
}

// Mechanisms lists the mechanisms to advertise on ch, most preferred first:
// the -PLUS variants when a binding is available, then SCRAM-SHA-256 and
// SCRAM-SHA-1, then PLAIN on TLS (or in the clear if the Config allows it).
// The slice is the caller's.
func (s *Server) Mechanisms(ch Channel) []string {
	l := make([]string, 0, 5)
	if s.cfg.External != nil {
		if ch.TLS || s.cfg.AllowPlainInClear {
			l = append(l, Plain)
		}
		return l
	}
	if ch.binding() {
		l = append(l, ScramSHA256Plus, ScramSHA1Plus)
	}
	l = append(l, ScramSHA256, ScramSHA1)
	if ch.TLS || s.cfg.AllowPlainInClear {
		l = append(l, Plain)
	}
	return l
}

// Mechanism is one authentication attempt. It is not safe for concurrent
// use, and its Step does storage lookups and, for PLAIN, key derivation:
// call it from a worker goroutine, never from an event loop.
type Mechanism interface {
	// Name is the mechanism name the client chose.
	Name() string
	// Step consumes one client message (decoded from base64) and returns
	// the next server message. in is not retained; out belongs to the
	// caller. done is true only on success, and out is then the additional
	// data for <success/> (nil if none). A non-nil error is an *Error and
	// ends the attempt; so does success. Calling Step after the end fails
	// with malformed-request.
	Step(in []byte) (out []byte, done bool, err error)
	// Username is the authenticated user, normalised with PRECIS
	// UsernameCaseMapped, once Step has returned done; "" before.
	Username() string
}

// Start begins an attempt with the mechanism the client named in <auth/>.
// It fails with invalid-mechanism for a name not offered on ch, and with
// encryption-required for PLAIN in the clear unless the Config allows it.
func (s *Server) Start(mech string, ch Channel) (Mechanism, error) {
	switch mech {
	case Plain:
		if !ch.TLS && !s.cfg.AllowPlainInClear {
			return nil, fail(EncryptionRequired, "", nil)
		}
		return &plainMech{s: s}, nil
	case ScramSHA1, ScramSHA256, ScramSHA1Plus, ScramSHA256Plus:
		if s.cfg.External != nil {
			return nil, fail(InvalidMechanism, "", errExternalScram)
		}
	}
	switch mech {
	case ScramSHA1:
		return s.newScram(mech, SHA1, false, ch), nil
	case ScramSHA256:
		return s.newScram(mech, SHA256, false, ch), nil
	case ScramSHA1Plus, ScramSHA256Plus:
		if !ch.binding() {
			return nil, fail(InvalidMechanism, "channel binding unavailable", nil)
		}
		h := SHA1
		if mech == ScramSHA256Plus {
			h = SHA256
		}
		return s.newScram(mech, h, true, ch), nil
	}
	return nil, fail(InvalidMechanism, "", nil)
}

// lookupResult is a username resolved to stored credentials, or to nothing.
type lookupResult struct {
	user       string // normalised; "" if PRECIS rejected the name
	fakeName   string // what fake salts are keyed on
	known      bool
	sha1, s256 Credentials
}

// lookup normalises raw and asks the store. A non-nil error ends the
// attempt; an unknown or unpreparable name is not an error but known=false.
func (s *Server) lookup(raw string) (lookupResult, error) {
	user, err := precis.UsernameCaseMapped.String(raw)
	if err != nil {
		return lookupResult{fakeName: raw}, nil
	}
	r := lookupResult{user: user, fakeName: user}
	r.sha1, r.s256, err = s.cfg.Lookup.Lookup(user)
	switch {
	case err == nil:
		r.known = true
	case errors.Is(err, ErrUnknownUser):
	default:
		var e *Error
		if errors.As(err, &e) {
			return lookupResult{}, e
		}
		return lookupResult{}, fail(TemporaryAuthFailure, "", err)
	}
	return r, nil
}

// missing explains, for logs, why r yielded fake credentials.
func (r lookupResult) missing() error {
	if r.known {
		return errNoCredentials
	}
	return ErrUnknownUser
}

// credentials picks the credentials for h, or fake ones when the user is
// unknown or has none for h; ok says which.
func (s *Server) credentials(r lookupResult, h Hash) (c Credentials, ok bool) {
	c = r.s256
	if h == SHA1 {
		c = r.sha1
	}
	if r.known && c.usable(h) {
		return c, true
	}
	return fakeCredentials(s.fakeKey, s.cfg.Iterations, h, r.fakeName), false
}

// authorize checks the authzid a client asked for: empty, the user's own
// localpart, or the user's bare JID on this domain.
func (s *Server) authorize(user, authzid string) error {
	if authzid == "" {
		return nil
	}
	local, domain, hasDomain := strings.Cut(authzid, "@")
	lp, err := precis.UsernameCaseMapped.String(local)
	switch {
	case err != nil, lp != user, strings.ContainsRune(authzid, '/'),
		hasDomain && normDomain(domain) != s.domain:
		return fail(InvalidAuthzid, "", fmt.Errorf("sasl: %q may not act as %q", user, authzid))
	}
	return nil
}

// normDomain brings a domainpart to a comparable form (RFC 7622 §3.2):
// trailing dot dropped, IDNA A-labels, lower case. Names IDNA refuses (IP
// literals) are only lower-cased.
func normDomain(d string) string {
	d = strings.TrimSuffix(d, ".")
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return strings.ToLower(d)
}

// checkInput applies the limits every client message is held to.
func (s *Server) checkInput(in []byte) error {
	if len(in) > s.cfg.MaxMessageSize {
		return fail(MalformedRequest, "message too long", nil)
	}
	return nil
}
