package sasl_test

import (
	"testing"

	"github.com/xdg-go/scram"

	"xmppd/engine/sasl"
)

// BenchmarkSCRAMSHA256 is a full exchange, both sides. The client caches
// its PBKDF2 output per salt (as real clients do), so this is the per-login
// cost the server pays: lookup, two HMACs and a hash, the library's parsing.
func BenchmarkSCRAMSHA256(b *testing.B) {
	srv, _ := newTestServer(b, nil)
	client, err := scram.SHA256.NewClient("juliet", julietPass, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cc := client.NewConversation()
		m, err := srv.Start(sasl.ScramSHA256, sasl.Channel{TLS: true})
		if err != nil {
			b.Fatal(err)
		}
		c1, _ := cc.Step("")
		s1, _, err := m.Step([]byte(c1))
		if err != nil {
			b.Fatal(err)
		}
		c2, _ := cc.Step(string(s1))
		s2, done, err := m.Step([]byte(c2))
		if err != nil || !done {
			b.Fatal(err)
		}
		if _, err := cc.Step(string(s2)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPLAIN is dominated by PBKDF2-SHA-256 at 4096 iterations.
func BenchmarkPLAIN(b *testing.B) {
	srv, _ := newTestServer(b, nil)
	in := plainMsg("", "juliet", julietPass)
	b.ReportAllocs()
	for b.Loop() {
		m, _ := srv.Start(sasl.Plain, sasl.Channel{TLS: true})
		if _, done, err := m.Step(in); err != nil || !done {
			b.Fatal(err)
		}
	}
}
