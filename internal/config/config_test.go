package config

import (
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const exampleFile = "../../docs/xmppd.example.yaml"

// The example file is the documentation of every option and its default; it
// must load to exactly Default().
func TestExampleIsDefault(t *testing.T) {
	got, err := Load(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Fatalf("example file differs from Default():\n got %+v\nwant %+v", got, want)
	}
}

// Every option of Config must be written out in the example file, so that a
// new option cannot be added without documenting it.
func TestExampleDocumentsEveryOption(t *testing.T) {
	b, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var inFile []string
	var collect func(n *yaml.Node, prefix string)
	collect = func(n *yaml.Node, prefix string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := prefix + n.Content[i].Value
			inFile = append(inFile, k)
			collect(n.Content[i+1], k+".")
		}
	}
	collect(doc.Content[0], "")

	var options []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for name, f := range yamlFields(t) {
			k := prefix + name
			options = append(options, k)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, k+".")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")

	for _, k := range options {
		if !slices.Contains(inFile, k) {
			t.Errorf("option %s is missing from %s", k, exampleFile)
		}
	}
	if len(options) < 30 {
		t.Fatalf("found only %d options; is the walk broken?", len(options))
	}
}

func TestZeroConfig(t *testing.T) {
	var c Config
	if err := c.Validate(); err != nil {
		t.Fatalf("zero Config does not validate: %v", err)
	}
	c.EnsureDefaults()
	if c.Listen != (Listen{}) {
		t.Errorf("zero Config got listeners %+v; its zero listeners are disabled", c.Listen)
	}
	d := Default()
	c.Listen = d.Listen
	if !reflect.DeepEqual(c, d) {
		t.Errorf("zero Config + EnsureDefaults + DefaultListen = %+v, want Default() %+v", c, d)
	}
	again := c
	again.EnsureDefaults()
	if !reflect.DeepEqual(again, c) {
		t.Error("EnsureDefaults is not idempotent")
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Default() does not validate: %v", err)
	}
}

func TestDefaultValues(t *testing.T) {
	d := Default()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"domain", d.Domain, "localhost"},
		{"data_dir", d.DataDir, "./data"},
		{"listen.c2s", d.Listen.C2S, "0.0.0.0:5222"},
		{"listen.c2s_tls", d.Listen.C2STLS, "0.0.0.0:5223"},
		{"listen.component", d.Listen.Component, "0.0.0.0:5275"},
		{"listen.http", d.Listen.HTTP, "0.0.0.0:5280"},
		{"listen.admin", d.Listen.Admin, "127.0.0.1:5281"},
		{"tls.starttls", d.TLS.StartTLS, StartTLSOptional},
		{"auth.plain_in_clear", d.Auth.PlainInClear, false},
		{"auth.scram_iterations", d.Auth.SCRAMIterations, 4096},
		{"auth.max_failures_per_ip_per_minute", d.Auth.MaxFailuresPerIPPerMinute, 10},
		{"registration.mode", d.Registration.Mode, RegistrationLoopback},
		{"registration.rate_per_ip_per_hour", d.Registration.RatePerIPPerHour, 10},
		{"limits.max_stanza_size", d.Limits.MaxStanzaSize, 262144},
		{"limits.max_connections", d.Limits.MaxConnections, 100000},
		{"limits.max_connections_per_ip", d.Limits.MaxConnectionsPerIP, 1000},
		{"limits.auth_timeout", d.Limits.AuthTimeout, 30 * time.Second},
		{"limits.idle_timeout", d.Limits.IdleTimeout, time.Duration(0)},
		{"limits.ping_interval", d.Limits.PingInterval, 5 * time.Minute},
		{"limits.ping_timeout", d.Limits.PingTimeout, 60 * time.Second},
		{"limits.max_outbound_bytes", d.Limits.MaxOutboundBytes, 1048576},
		{"offline.max_messages_per_user", d.Offline.MaxMessagesPerUser, 1000},
		{"log.level", d.Log.Level, LogInfo},
		{"log.format", d.Log.Format, LogText},
		{"event_loops", d.EventLoops, 0},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if d.Domains != nil || d.Components != nil || d.AdminToken != "" || d.TLS.CertFile != "" || d.TLS.KeyFile != "" {
		t.Errorf("Default() sets options that have no default: %+v", d)
	}
}

func TestHosts(t *testing.T) {
	for i, tc := range []struct {
		domain  string
		domains []string
		want    []string
	}{
		{"localhost", nil, []string{"localhost"}},
		{"Example.ORG", []string{"chat.example.org", "example.org"}, []string{"example.org", "chat.example.org"}},
		{"", []string{"a.example", "b.example"}, []string{"a.example", "b.example"}},
		{"a@b", []string{"ok.example"}, []string{"ok.example"}}, // invalid ones left to Validate
	} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			c := Config{Domain: tc.domain, Domains: tc.domains}
			if got := c.Hosts(); !slices.Equal(got, tc.want) {
				t.Errorf("Hosts() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSlogLevel(t *testing.T) {
	for l, want := range map[LogLevel]slog.Level{
		LogDebug: slog.LevelDebug, LogInfo: slog.LevelInfo, LogWarn: slog.LevelWarn, LogError: slog.LevelError, "": slog.LevelInfo,
	} {
		if got := l.SlogLevel(); got != want {
			t.Errorf("%q.SlogLevel() = %v, want %v", l, got, want)
		}
	}
}

func TestSelfSignedDir(t *testing.T) {
	c := Default()
	if got, want := c.SelfSignedDir(), "data/tls"; got != want {
		t.Errorf("SelfSignedDir() = %q, want %q", got, want)
	}
}
