package sasl

import (
	"encoding/base64"
	"testing"
)

// oneUser is a CredentialLookup holding "user".
type oneUser struct{ sha1, sha256 Credentials }

func (u oneUser) Lookup(name string) (Credentials, Credentials, error) {
	if name != "user" {
		return Credentials{}, Credentials{}, ErrUnknownUser
	}
	return u.sha1, u.sha256, nil
}

// The worked examples of RFC 5802 §5 and RFC 7677 §3, byte for byte, with
// the server nonce pinned.
func TestRFCExamples(t *testing.T) {
	tests := []struct {
		name                string
		mech                string
		hash                Hash
		salt                string
		serverNonce         string
		c1, s1, c2, wantOut string
	}{
		{
			name: "RFC 5802", mech: ScramSHA1, hash: SHA1,
			salt:        "QSXCR+Q6sek8bf92",
			serverNonce: "3rfcNHYJY1ZVvWVs7j",
			c1:          "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
			s1:          "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			c2:          "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			wantOut:     "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		},
		{
			name: "RFC 7677", mech: ScramSHA256, hash: SHA256,
			salt:        "W22ZaJ0SNY7soEsUEjb6gQ==",
			serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
			c1:          "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
			s1:          "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			c2:          "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			wantOut:     "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			salt, _ := base64.StdEncoding.DecodeString(tt.salt)
			c, err := Derive("pencil", tt.hash, salt, 4096)
			if err != nil {
				t.Fatal(err)
			}
			var u oneUser
			if tt.hash == SHA1 {
				u.sha1 = c
			} else {
				u.sha256 = c
			}
			s, err := NewServer(Config{Domain: "example.com", Lookup: u})
			if err != nil {
				t.Fatal(err)
			}
			s.nonce = func() string { return tt.serverNonce }
			m, err := s.Start(tt.mech, Channel{})
			if err != nil {
				t.Fatal(err)
			}
			out, done, err := m.Step([]byte(tt.c1))
			if err != nil || done || string(out) != tt.s1 {
				t.Fatalf("server-first = %q, %v, %v; want %q", out, done, err, tt.s1)
			}
			out, done, err = m.Step([]byte(tt.c2))
			if err != nil || !done || string(out) != tt.wantOut {
				t.Fatalf("server-final = %q, %v, %v; want %q", out, done, err, tt.wantOut)
			}
			if m.Username() != "user" {
				t.Errorf("Username = %q", m.Username())
			}

			// PLAIN checks the same stored record.
			p, _ := s.Start(Plain, Channel{TLS: true})
			if _, done, err := p.Step([]byte("\x00user\x00pencil")); err != nil || !done {
				t.Errorf("PLAIN against the RFC credentials: %v", err)
			}
		})
	}
}
