package tlspipe

import (
	"crypto/tls"
	"errors"
	"time"
)

// Errors. A handshake that fails inside crypto/tls reports crypto/tls's own
// error (a tls.RecordHeaderError, a tls.AlertError, ...).
var (
	ErrClosed           = errors.New("tlspipe: closed")
	ErrHandshaking      = errors.New("tlspipe: handshake in progress")
	ErrHandshakeTimeout = errors.New("tlspipe: handshake timed out")
	ErrOverloaded       = errors.New("tlspipe: handshake queue full")
	ErrInputOverflow    = errors.New("tlspipe: too much ciphertext buffered")
	ErrNoChannelBinding = errors.New("tlspipe: tls-exporter channel binding needs TLS 1.3")
	errNoTLSConfig      = errors.New("tlspipe: Config.TLS is nil")
	errStalled          = errors.New("tlspipe: crypto/tls stopped reading input (did Temporary errors become sticky?)")
	errNoHandshaker     = errors.New("tlspipe: Config.Handshaker is nil")
)

const (
	defaultHandshakeTimeout = 15 * time.Second
	defaultMaxBufferedInput = 64 << 10
)

// Config is shared by many pipes and must not change once in use. TLS and
// Handshaker are required; the zero value of every other field is meaningful.
type Config struct {
	// TLS is the server configuration (certificates, versions, ALPN...).
	TLS *tls.Config
	// Handshaker runs the handshakes and bounds their goroutines.
	Handshaker *Handshaker
	// HandshakeTimeout closes a connection whose handshake has not finished
	// this long after Server; default 15 s.
	HandshakeTimeout time.Duration
	// MaxBufferedInput caps ciphertext held by the pipe, which only happens
	// while the handshake goroutine has not consumed it yet; default 64 KiB.
	MaxBufferedInput int
	// OnHandshake, if set, is called exactly once per pipe that Server
	// returned, when its handshake phase ends: on the handshake goroutine
	// when crypto/tls finishes (err nil on success), with took the time the
	// handshake ran, queueing excluded; or, with took 0, on whichever
	// goroutine closed the pipe first (ErrHandshakeTimeout, ErrClosed,
	// ErrOverloaded). For metrics and logs; it must not block.
	OnHandshake func(err error, took time.Duration)
}

// Validate reports a configuration Server would refuse.
func (c *Config) Validate() error {
	if c.TLS == nil {
		return errNoTLSConfig
	}
	if c.Handshaker == nil {
		return errNoHandshaker
	}
	return nil
}

func (c *Config) handshakeTimeout() time.Duration {
	if c.HandshakeTimeout <= 0 {
		return defaultHandshakeTimeout
	}
	return c.HandshakeTimeout
}

func (c *Config) maxBufferedInput() int {
	if c.MaxBufferedInput <= 0 {
		return defaultMaxBufferedInput
	}
	return c.MaxBufferedInput
}
