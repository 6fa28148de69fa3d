package sasl_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"

	"xmppd/engine/sasl"
)

func TestConfigValidate(t *testing.T) {
	st := newStore()
	tests := []struct {
		name    string
		cfg     sasl.Config
		wantErr string
	}{
		{"ok", sasl.Config{Domain: "example.com", Lookup: st}, ""},
		{"no domain", sasl.Config{Lookup: st}, "Domain"},
		{"no lookup", sasl.Config{Domain: "example.com"}, "Lookup"},
		{"negative iterations", sasl.Config{Domain: "example.com", Lookup: st, Iterations: -1}, "Iterations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate = %v, want error containing %q", err, tt.wantErr)
			}
			if _, err := sasl.NewServer(tt.cfg); (err == nil) != (tt.wantErr == "") {
				t.Fatalf("NewServer = %v", err)
			}
		})
	}
	var c sasl.Config
	c.EnsureDefaults()
	if c.Iterations != sasl.DefaultIterations || c.MaxMessageSize != sasl.DefaultMaxMessageSize {
		t.Errorf("EnsureDefaults: %+v", c)
	}
}

func TestMechanisms(t *testing.T) {
	binding := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name         string
		plainInClear bool
		ch           sasl.Channel
		want         []string
	}{
		{"clear", false, sasl.Channel{}, []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}},
		{"clear, PLAIN allowed", true, sasl.Channel{}, []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}},
		{"TLS without binding", false, sasl.Channel{TLS: true}, []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}},
		{"TLS 1.3", false, sasl.Channel{TLS: true, Exporter: binding},
			[]string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}},
		{"binding without TLS is ignored", false, sasl.Channel{Exporter: binding}, []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, func(c *sasl.Config) { c.AllowPlainInClear = tt.plainInClear })
			got := srv.Mechanisms(tt.ch)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Mechanisms = %q, want %q", got, tt.want)
			}
			// What is advertised can be started; nothing else can.
			for _, mech := range []string{"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS"} {
				_, err := srv.Start(mech, tt.ch)
				if offered := slices.Contains(got, mech); offered != (err == nil) {
					t.Errorf("Start(%s) = %v, offered %v", mech, err, offered)
				}
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name string
		mech string
		ch   sasl.Channel
		want sasl.Condition
	}{
		{"unknown mechanism", "DIGEST-MD5", sasl.Channel{TLS: true}, sasl.InvalidMechanism},
		{"empty name", "", sasl.Channel{TLS: true}, sasl.InvalidMechanism},
		{"lower case", "scram-sha-256", sasl.Channel{TLS: true}, sasl.InvalidMechanism},
		{"PLUS without binding", "SCRAM-SHA-256-PLUS", sasl.Channel{TLS: true}, sasl.InvalidMechanism},
		{"PLAIN in the clear", "PLAIN", sasl.Channel{}, sasl.EncryptionRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, nil)
			m, err := srv.Start(tt.mech, tt.ch)
			if m != nil {
				t.Errorf("mechanism %v returned with an error", m)
			}
			wantErr(t, err, tt.want, "*")
		})
	}
}

func TestPLAINInClearWhenAllowed(t *testing.T) {
	srv, _ := newTestServer(t, func(c *sasl.Config) { c.AllowPlainInClear = true })
	m, err := srv.Start(sasl.Plain, sasl.Channel{})
	if err != nil {
		t.Fatal(err)
	}
	if _, done, err := m.Step(plainMsg("", "juliet", julietPass)); err != nil || !done {
		t.Fatalf("Step: done=%v err=%v", done, err)
	}
}

func TestTLSChannel(t *testing.T) {
	s13, c13 := tlsPair(t, tls.VersionTLS13)
	s12, _ := tlsPair(t, tls.VersionTLS12)
	clientEKM, err := c13.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cs      *tls.ConnectionState
		want    sasl.Channel
		wantErr bool
	}{
		{"clear", nil, sasl.Channel{}, false},
		{"TLS 1.2", &s12, sasl.Channel{TLS: true}, false},
		{"TLS 1.3", &s13, sasl.Channel{TLS: true, Exporter: clientEKM}, false},
		{"handshake incomplete", &tls.ConnectionState{Version: tls.VersionTLS13}, sasl.Channel{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sasl.TLSChannel(tt.cs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got.TLS != tt.want.TLS || !bytes.Equal(got.Exporter, tt.want.Exporter) {
				t.Fatalf("TLSChannel = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	cause := errors.New("cause")
	err := error(&sasl.Error{Condition: sasl.NotAuthorized, Text: "t"})
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same condition", err, sasl.ErrNotAuthorized, true},
		{"other condition", err, sasl.ErrMalformedRequest, false},
		{"same text", err, &sasl.Error{Condition: sasl.NotAuthorized, Text: "t"}, true},
		{"other text", err, &sasl.Error{Condition: sasl.NotAuthorized, Text: "u"}, false},
		{"plain error", err, cause, false},
		{"wrapped", errors.Join(cause, err), sasl.ErrNotAuthorized, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Fatalf("errors.Is = %v, want %v", got, tt.want)
			}
		})
	}
	if got := err.Error(); got != "sasl: not-authorized: t" {
		t.Errorf("Error() = %q", got)
	}
}
