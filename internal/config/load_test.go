package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		yaml     string
		sentinel error
		key      string
		line     int
	}{
		{"unknown top-level key", "domain: localhost\nport: 5222\n", ErrUnknownKey, "port", 2},
		{"unknown nested key", "limits:\n  max_stanza_size: 65536\n  max_stanzas: 3\n", ErrUnknownKey, "limits.max_stanzas", 3},
		{"unknown key in flow mapping", "tls: {cert: a.pem}\n", ErrUnknownKey, "tls.cert", 1},
		{"go field name is not a key", "Limits:\n  MaxStanzaSize: 1\n", ErrUnknownKey, "Limits", 1},
		{"merge key", "base: &b {level: info}\nlog:\n  <<: *b\n", ErrUnknownKey, "base", 1},
		{"alias", "domain: &d localhost\ndomains: [*d]\n", ErrSyntax, "domain", 1},
		{"key twice", "log:\n  level: info\n  level: debug\n", ErrDuplicateKey, "log.level", 3},
		{"component twice", "components:\n  gw.localhost: a\n  gw.localhost: b\n", ErrDuplicateKey, "components[gw.localhost]", 3},
		{"malformed", "domain: [\n", ErrSyntax, "", 0},
		{"tab indentation", "limits:\n\tmax_connections: 1\n", ErrSyntax, "", 0},
		{"two documents", "domain: a.example\n---\ndomain: b.example\n", ErrSyntax, "", 2},
		{"not a mapping", "- domain\n", ErrType, "", 1},
		{"section not a mapping", "limits: 5\n", ErrType, "limits", 1},
		{"int is text", "limits:\n  max_connections: lots\n", ErrType, "limits.max_connections", 2},
		{"int is float", "limits:\n  max_stanza_size: 1.5e5\n", ErrType, "limits.max_stanza_size", 2},
		{"int is quoted", "limits:\n  max_connections: \"5\"\n", ErrType, "limits.max_connections", 2},
		{"int overflows", "event_loops: 99999999999999999999999\n", ErrOutOfRange, "event_loops", 1},
		{"bool is yes", "auth:\n  plain_in_clear: yes\n", ErrType, "auth.plain_in_clear", 2},
		{"string is a list", "domain: [a, b]\n", ErrType, "domain", 1},
		{"list is a string", "domains: a.example\n", ErrType, "domains", 1},
		{"components is a list", "components: [a]\n", ErrType, "components", 1},
		{"secret is a mapping", "components:\n  gw.localhost: {a: b}\n", ErrType, "components[gw.localhost]", 2},
		{"duration without unit", "limits:\n  auth_timeout: 30\n", ErrBadDuration, "limits.auth_timeout", 2},
		{"duration bad unit", "limits:\n  ping_interval: 5 minutes\n", ErrBadDuration, "limits.ping_interval", 2},
		{"duration garbage", "limits:\n  ping_timeout: soon\n", ErrBadDuration, "limits.ping_timeout", 2},
		{"duration list", "limits:\n  idle_timeout: [1s]\n", ErrType, "limits.idle_timeout", 2},
		{"duration null", "limits:\n  idle_timeout:\n", ErrType, "limits.idle_timeout", 2},
		{"negative duration", "limits:\n  auth_timeout: -5s\n", ErrOutOfRange, "limits.auth_timeout", 2},
		{"auth timeout off", "limits:\n  auth_timeout: off\n", ErrOutOfRange, "limits.auth_timeout", 2},
		{"bad starttls", "tls:\n  starttls: sometimes\n", ErrBadValue, "tls.starttls", 2},
		{"bad registration mode", "registration:\n  mode: closed\n", ErrBadValue, "registration.mode", 2},
		{"bad log level", "log:\n  level: verbose\n", ErrBadValue, "log.level", 2},
		{"bad log format", "log:\n  format: xml\n", ErrBadValue, "log.format", 2},
		{"admin public no token", "listen:\n  admin: 0.0.0.0:5281\n", ErrAdminToken, "admin_token", 2},
		{"admin token short", "listen:\n  admin: 0.0.0.0:5281\nadmin_token: hunter2\n", ErrOutOfRange, "admin_token", 3},
		{"cert without key", "tls:\n  cert_file: /etc/xmppd/cert.pem\n", ErrTLSPair, "tls.key_file", 2},
		{"key without cert", "tls:\n  key_file: /etc/xmppd/key.pem\n", ErrTLSPair, "tls.cert_file", 2},
		{"bad domain", "domain: user@example.org\n", ErrBadDomain, "domain", 1},
		{"bad domains item", "domains:\n  - a.example\n  - 'b example'\n", ErrBadDomain, "domains[1]", 3},
		{"duplicate domains", "domain: example.org\ndomains:\n  - chat.example.org\n  - Example.ORG\n", ErrDuplicateDomain, "domains[1]", 4},
		{"component is a host", "domain: example.org\ncomponents:\n  example.org: s\n", ErrDuplicateDomain, "components[example.org]", 3},
		{"component empty secret", "components:\n  gw.localhost: ''\n", ErrEmptySecret, "components[gw.localhost]", 2},
		{"component null secret", "components:\n  gw.localhost:\n", ErrEmptySecret, "components[gw.localhost]", 2},
		{"bad listen address", "listen:\n  c2s: localhost\n", ErrBadAddress, "listen.c2s", 2},
		{"bad listen port", "listen:\n  http: ':http'\n", ErrBadAddress, "listen.http", 2},
		{"listen conflict", "listen:\n  c2s: 0.0.0.0:5222\n  c2s_tls: 127.0.0.1:5222\n", ErrAddressConflict, "listen.c2s_tls", 3},
		{"outbound below stanza", "limits:\n  max_stanza_size: 2000000\n", ErrOutOfRange, "limits.max_outbound_bytes", 2},
		{"scram too low", "auth:\n  scram_iterations: 1\n", ErrOutOfRange, "auth.scram_iterations", 2},
		{"rate -2", "registration:\n  rate_per_ip_per_hour: -2\n", ErrOutOfRange, "registration.rate_per_ip_per_hour", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			e := wantError(t, err, tc.sentinel, tc.key)
			if e.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", e.Line, tc.line, err)
			}
			if tc.line > 0 && !strings.Contains(e.Error(), "line ") {
				t.Errorf("message %q does not give the line", e.Error())
			}
		})
	}
}

func TestLoadNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xmppd.yaml")
	if err := os.WriteFile(path, []byte("domain: localhost\nlimits:\n  auth_timeout: 5x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := `config: xmppd.yaml:3: limits.auth_timeout: bad duration: "5x"`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q, want prefix %q", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: ") {
		t.Fatalf("error %v, want a config: error wrapping fs.ErrNotExist", err)
	}
}

func TestParseReportsAllProblemsInFileOrder(t *testing.T) {
	_, err := Parse([]byte("log:\n  format: xml\ndomain: a@b\nlisten:\n  c2s: nope\n"))
	errs := unjoin(err)
	if len(errs) != 3 {
		t.Fatalf("got %d problems, want 3: %v", len(errs), err)
	}
	for i, want := range []int{2, 3, 5} {
		if got := errs[i].(*Error).Line; got != want {
			t.Errorf("problem %d at line %d, want %d: %v", i, got, want, err)
		}
	}
}

func TestParseValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		yaml  string
		check func(t *testing.T, c Config)
	}{
		{"empty file is default", "", func(t *testing.T, c Config) { mustEqual(t, c, Default()) }},
		{"comments only is default", "# nothing\n", func(t *testing.T, c Config) { mustEqual(t, c, Default()) }},
		{"empty mapping is default", "{}\n", func(t *testing.T, c Config) { mustEqual(t, c, Default()) }},
		{"absent keys keep defaults", "limits:\n  max_connections: 5\n", func(t *testing.T, c Config) {
			want := Default()
			want.Limits.MaxConnections = 5
			mustEqual(t, c, want)
		}},
		{"empty section keeps defaults", "limits:\nlog:\n", func(t *testing.T, c Config) { mustEqual(t, c, Default()) }},
		{"zero means default", "limits:\n  max_connections: 0\n  auth_timeout: 0\n", func(t *testing.T, c Config) { mustEqual(t, c, Default()) }},
		{"durations", "limits:\n  auth_timeout: 1m30s\n  idle_timeout: 2h\n  ping_interval: off\n  ping_timeout: 500ms\n", func(t *testing.T, c Config) {
			l := c.Limits
			if l.AuthTimeout != 90*time.Second || l.IdleTimeout != 2*time.Hour || l.PingInterval != Off || l.PingTimeout != 500*time.Millisecond {
				t.Errorf("limits %+v", l)
			}
		}},
		{"idle timeout off", "limits:\n  idle_timeout: off\n", func(t *testing.T, c Config) {
			if c.Limits.IdleTimeout != Off {
				t.Errorf("idle_timeout %v, want Off", c.Limits.IdleTimeout)
			}
		}},
		{"quoted duration", "limits:\n  auth_timeout: \"45s\"\n", func(t *testing.T, c Config) {
			if c.Limits.AuthTimeout != 45*time.Second {
				t.Errorf("auth_timeout %v", c.Limits.AuthTimeout)
			}
		}},
		{"empty string disables listener", "listen:\n  c2s_tls: \"\"\n  http: ''\n", func(t *testing.T, c Config) {
			want := DefaultListen()
			want.C2STLS, want.HTTP = "", ""
			if c.Listen != want {
				t.Errorf("listen %+v, want %+v", c.Listen, want)
			}
		}},
		{"null disables listener", "listen:\n  component:\n", func(t *testing.T, c Config) {
			if c.Listen.Component != "" || c.Listen.C2S == "" {
				t.Errorf("listen %+v", c.Listen)
			}
		}},
		{"domains alone replace default domain", "domains: [a.example, b.example]\n", func(t *testing.T, c Config) {
			if got := strings.Join(c.Hosts(), ","); got != "a.example,b.example" {
				t.Errorf("hosts %s", got)
			}
		}},
		{"domain and domains", "domain: example.org\ndomains: [chat.example.org]\n", func(t *testing.T, c Config) {
			if got := strings.Join(c.Hosts(), ","); got != "example.org,chat.example.org" {
				t.Errorf("hosts %s", got)
			}
		}},
		{"domains canonicalised", "domain: Example.ORG.\ndomains: [CHAT.example.org]\ncomponents:\n  GW.Example.org: s\n", func(t *testing.T, c Config) {
			if c.Domain != "example.org" || c.Domains[0] != "chat.example.org" || c.Components["gw.example.org"] != "s" {
				t.Errorf("not canonical: %q %q %v", c.Domain, c.Domains, c.Components)
			}
		}},
		{"components", "components:\n  gateway.localhost: secret\n  icq.localhost: 12345\n", func(t *testing.T, c Config) {
			want := map[string]string{"gateway.localhost": "secret", "icq.localhost": "12345"}
			if !reflect.DeepEqual(c.Components, want) {
				t.Errorf("components %v", c.Components)
			}
		}},
		{"enums", "tls: {starttls: required}\nregistration: {mode: off}\nlog: {level: debug, format: json}\n", func(t *testing.T, c Config) {
			if c.TLS.StartTLS != StartTLSRequired || c.Registration.Mode != RegistrationOff || c.Log.Level != LogDebug || c.Log.Format != LogJSON {
				t.Errorf("%+v %+v %+v", c.TLS, c.Registration, c.Log)
			}
		}},
		{"unlimited rates", "auth: {max_failures_per_ip_per_minute: -1}\nregistration: {rate_per_ip_per_hour: -1}\n", func(t *testing.T, c Config) {
			if c.Auth.MaxFailuresPerIPPerMinute != Unlimited || c.Registration.RatePerIPPerHour != Unlimited {
				t.Errorf("%+v %+v", c.Auth, c.Registration)
			}
		}},
		{"underscored int", "limits: {max_connections: 1_000_000}\n", func(t *testing.T, c Config) {
			if c.Limits.MaxConnections != 1000000 {
				t.Errorf("max_connections %d", c.Limits.MaxConnections)
			}
		}},
		{"public admin with token", "listen: {admin: '0.0.0.0:5281'}\nadmin_token: 0123456789abcdef0123\n", func(t *testing.T, c Config) {
			if c.AdminToken != "0123456789abcdef0123" {
				t.Errorf("admin_token %q", c.AdminToken)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func mustEqual(t *testing.T, got, want Config) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}
