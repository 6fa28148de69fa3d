package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"xmppd/internal/jid"
)

// wantError checks that err holds an *Error with key that wraps sentinel.
func wantError(t *testing.T, err error, sentinel error, key string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v at %s", sentinel, key)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %q does not wrap %v", err, sentinel)
	}
	for _, e := range unjoin(err) {
		var ce *Error
		if errors.As(e, &ce) && ce.Key == key && errors.Is(ce, sentinel) {
			if !strings.HasPrefix(ce.Error(), "config: ") || !strings.Contains(ce.Error(), key) {
				t.Errorf("message %q lacks the package prefix or the key", ce.Error())
			}
			return ce
		}
	}
	t.Fatalf("error %q has no *Error with key %s wrapping %v", err, key, sentinel)
	return nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mutate   func(*Config)
		sentinel error // nil: valid
		key      string
	}{
		{"default", func(*Config) {}, nil, ""},
		{"domain with localpart", func(c *Config) { c.Domain = "user@example.org" }, ErrBadDomain, "domain"},
		{"domain with resource", func(c *Config) { c.Domain = "example.org/res" }, ErrBadDomain, "domain"},
		{"domain with space", func(c *Config) { c.Domain = "exa mple.org" }, ErrBadDomain, "domain"},
		{"domains item bad", func(c *Config) { c.Domains = []string{"ok.example", "a..b"} }, ErrBadDomain, "domains[1]"},
		{"domains repeats domain", func(c *Config) { c.Domains = []string{"LOCALHOST"} }, ErrDuplicateDomain, "domains[0]"},
		{"domains repeat each other", func(c *Config) { c.Domains = []string{"a.example", "b.example", "A.example."} }, ErrDuplicateDomain, "domains[2]"},
		{"only domains", func(c *Config) { c.Domain = ""; c.Domains = []string{"a.example"} }, nil, ""},
		{"ip literal domain", func(c *Config) { c.Domain = "127.0.0.1" }, nil, ""},

		{"listen no port", func(c *Config) { c.Listen.C2S = "0.0.0.0" }, ErrBadAddress, "listen.c2s"},
		{"listen port too big", func(c *Config) { c.Listen.C2STLS = ":65536" }, ErrBadAddress, "listen.c2s_tls"},
		{"listen named port", func(c *Config) { c.Listen.Component = ":xmpp-client" }, ErrBadAddress, "listen.component"},
		{"listen bad host", func(c *Config) { c.Listen.HTTP = "ex ample:80" }, ErrBadAddress, "listen.http"},
		{"listen unbracketed v6", func(c *Config) { c.Listen.HTTP = "::1:80" }, ErrBadAddress, "listen.http"},
		{"listen v6", func(c *Config) { c.Listen.HTTP = "[::1]:5280" }, nil, ""},
		{"listen hostname", func(c *Config) { c.Listen.HTTP = "xmpp.example.org:5280" }, nil, ""},
		{"listen same port", func(c *Config) { c.Listen.HTTP = "0.0.0.0:5222" }, ErrAddressConflict, "listen.http"},
		{"listen wildcard overlap", func(c *Config) { c.Listen.Admin = "127.0.0.1:5222" }, ErrAddressConflict, "listen.admin"},
		{"listen port zero twice", func(c *Config) { c.Listen.C2S, c.Listen.C2STLS = "127.0.0.1:0", "127.0.0.1:0" }, nil, ""},
		{"listen all disabled", func(c *Config) { c.Listen = Listen{} }, nil, ""},

		{"admin public no token", func(c *Config) { c.Listen.Admin = "0.0.0.0:5281" }, ErrAdminToken, "admin_token"},
		{"admin wildcard host no token", func(c *Config) { c.Listen.Admin = ":5281" }, ErrAdminToken, "admin_token"},
		{"admin public with token", func(c *Config) { c.Listen.Admin = "0.0.0.0:5281"; c.AdminToken = "0123456789abcdef" }, nil, ""},
		{"admin localhost", func(c *Config) { c.Listen.Admin = "localhost:5281" }, nil, ""},
		{"admin v6 loopback", func(c *Config) { c.Listen.Admin = "[::1]:5281" }, nil, ""},
		{"admin 127/8", func(c *Config) { c.Listen.Admin = "127.0.0.2:5281" }, nil, ""},
		{"admin disabled", func(c *Config) { c.Listen.Admin = "" }, nil, ""},
		{"admin token short", func(c *Config) { c.AdminToken = "secret" }, ErrOutOfRange, "admin_token"},

		{"cert without key", func(c *Config) { c.TLS.CertFile = "cert.pem" }, ErrTLSPair, "tls.key_file"},
		{"key without cert", func(c *Config) { c.TLS.KeyFile = "key.pem" }, ErrTLSPair, "tls.cert_file"},
		{"cert and key", func(c *Config) { c.TLS.CertFile, c.TLS.KeyFile = "cert.pem", "key.pem" }, nil, ""},
		{"starttls bad", func(c *Config) { c.TLS.StartTLS = "maybe" }, ErrBadValue, "tls.starttls"},
		{"starttls required", func(c *Config) { c.TLS.StartTLS = StartTLSRequired }, nil, ""},

		{"scram too few", func(c *Config) { c.Auth.SCRAMIterations = 1000 }, ErrOutOfRange, "auth.scram_iterations"},
		{"failures negative", func(c *Config) { c.Auth.MaxFailuresPerIPPerMinute = -2 }, ErrOutOfRange, "auth.max_failures_per_ip_per_minute"},
		{"failures unlimited", func(c *Config) { c.Auth.MaxFailuresPerIPPerMinute = Unlimited }, nil, ""},
		{"registration mode bad", func(c *Config) { c.Registration.Mode = "closed" }, ErrBadValue, "registration.mode"},
		{"registration off", func(c *Config) { c.Registration.Mode = RegistrationOff }, nil, ""},
		{"registration rate negative", func(c *Config) { c.Registration.RatePerIPPerHour = -5 }, ErrOutOfRange, "registration.rate_per_ip_per_hour"},
		{"registration rate unlimited", func(c *Config) { c.Registration.RatePerIPPerHour = Unlimited }, nil, ""},

		{"stanza size below RFC", func(c *Config) { c.Limits.MaxStanzaSize = 9999 }, ErrOutOfRange, "limits.max_stanza_size"},
		{"connections negative", func(c *Config) { c.Limits.MaxConnections = -1 }, ErrOutOfRange, "limits.max_connections"},
		{"connections per ip negative", func(c *Config) { c.Limits.MaxConnectionsPerIP = -1 }, ErrOutOfRange, "limits.max_connections_per_ip"},
		{"auth timeout off", func(c *Config) { c.Limits.AuthTimeout = Off }, ErrOutOfRange, "limits.auth_timeout"},
		{"idle timeout negative", func(c *Config) { c.Limits.IdleTimeout = -time.Second }, ErrOutOfRange, "limits.idle_timeout"},
		{"idle timeout off", func(c *Config) { c.Limits.IdleTimeout = Off }, nil, ""},
		{"ping interval negative", func(c *Config) { c.Limits.PingInterval = -time.Minute }, ErrOutOfRange, "limits.ping_interval"},
		{"ping interval off", func(c *Config) { c.Limits.PingInterval = Off }, nil, ""},
		{"ping timeout negative", func(c *Config) { c.Limits.PingTimeout = -time.Second }, ErrOutOfRange, "limits.ping_timeout"},
		{"outbound below stanza", func(c *Config) { c.Limits.MaxOutboundBytes = 100000 }, ErrOutOfRange, "limits.max_outbound_bytes"},
		{"offline negative", func(c *Config) { c.Offline.MaxMessagesPerUser = -1 }, ErrOutOfRange, "offline.max_messages_per_user"},

		{"component ok", func(c *Config) { c.Components = map[string]string{"gateway.localhost": "secret"} }, nil, ""},
		{"component bad domain", func(c *Config) { c.Components = map[string]string{"gw@localhost": "s"} }, ErrBadDomain, "components[gw@localhost]"},
		{"component empty secret", func(c *Config) { c.Components = map[string]string{"gateway.localhost": ""} }, ErrEmptySecret, "components[gateway.localhost]"},
		{"component is a host", func(c *Config) { c.Components = map[string]string{"LocalHost": "s"} }, ErrDuplicateDomain, "components[LocalHost]"},
		{"component twice", func(c *Config) { c.Components = map[string]string{"GW.localhost": "s", "gw.localhost": "t"} }, ErrDuplicateDomain, "components[gw.localhost]"},

		{"log level bad", func(c *Config) { c.Log.Level = "verbose" }, ErrBadValue, "log.level"},
		{"log format bad", func(c *Config) { c.Log.Format = "xml" }, ErrBadValue, "log.format"},
		{"event loops negative", func(c *Config) { c.EventLoops = -1 }, ErrOutOfRange, "event_loops"},
		{"event loops set", func(c *Config) { c.EventLoops = 4 }, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			before := c
			err := c.Validate()
			if tc.sentinel == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			} else {
				e := wantError(t, err, tc.sentinel, tc.key)
				if e.Line != 0 || e.File != "" || e.Flag != "" {
					t.Errorf("Validate set a location: %+v", e)
				}
				if len(unjoin(err)) != 1 {
					t.Errorf("want exactly one problem, got %v", err)
				}
			}
			if c.Domain != before.Domain || c.Limits != before.Limits || c.Listen != before.Listen {
				t.Error("Validate modified the Config")
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.Domain = "a@b"
	c.Listen.C2S = "nope"
	c.Log.Level = "loud"
	err := c.Validate()
	if n := len(unjoin(err)); n != 3 {
		t.Fatalf("got %d problems, want 3: %v", n, err)
	}
}

func TestBadDomainWrapsJIDError(t *testing.T) {
	c := Config{Domain: "exa mple.org"}
	if err := c.Validate(); !errors.Is(err, jid.ErrInvalidDomain) {
		t.Fatalf("%v does not wrap jid.ErrInvalidDomain", err)
	}
}
