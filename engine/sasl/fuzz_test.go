package sasl_test

import (
	"errors"
	"testing"

	"github.com/xdg-go/scram"

	"xmppd/engine/sasl"
)

// fuzzServer keeps derivations cheap: one PBKDF2 iteration.
func fuzzServer(f *testing.F) *sasl.Server {
	st := newStore()
	s1, s256, err := sasl.NewCredentials(julietPass, 1)
	if err != nil {
		f.Fatal(err)
	}
	st.set("juliet", s1, s256)
	srv, err := sasl.NewServer(sasl.Config{Domain: testDomain, Lookup: st, Iterations: 1, AllowPlainInClear: true})
	if err != nil {
		f.Fatal(err)
	}
	return srv
}

// checkStep holds Step to its contract on arbitrary input.
func checkStep(t *testing.T, out []byte, done bool, err error) {
	t.Helper()
	if err != nil {
		var e *sasl.Error
		if !errors.As(err, &e) || e.Condition == "" {
			t.Fatalf("error %v is not a *sasl.Error", err)
		}
		if done || out != nil {
			t.Fatalf("error with out=%q done=%v", out, done)
		}
	}
}

func FuzzPLAIN(f *testing.F) {
	srv := fuzzServer(f)
	for _, s := range []string{"", "\x00juliet\x00" + julietPass, "juliet@example.com\x00juliet\x00x", "\x00\x00", "\xff\x00a\x00b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, _ := srv.Start(sasl.Plain, sasl.Channel{})
		out, done, err := m.Step(in)
		checkStep(t, out, done, err)
		if done != (m.Username() != "") {
			t.Fatalf("done=%v Username=%q", done, m.Username())
		}
	})
}

func FuzzSCRAM(f *testing.F) {
	srv := fuzzServer(f)
	client, _ := scram.SHA256.NewClient("juliet", julietPass, "")
	client.WithMinIterations(1)
	cc := client.NewConversation()
	c1, _ := cc.Step("")
	m, _ := srv.Start(sasl.ScramSHA256, sasl.Channel{})
	s1, _, err := m.Step([]byte(c1))
	if err != nil {
		f.Fatal(err)
	}
	c2, _ := cc.Step(string(s1))
	f.Add([]byte(c1), []byte(c2))
	f.Add([]byte("y,,n=juliet,r=abc"), []byte("c=eSws,r=abc,p=AAAA"))
	f.Add([]byte("p=tls-exporter,,n=juliet,r=abc"), []byte(""))
	f.Add([]byte("n,a=juliet,n=ju=2Cliet,r=abc,ext=1"), []byte("c=biws,r=abc,x=1,p="))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		for _, ch := range []sasl.Channel{{}, {TLS: true, Exporter: make([]byte, 32)}} {
			for _, mech := range srv.Mechanisms(ch) {
				if mech == sasl.Plain {
					continue
				}
				m, err := srv.Start(mech, ch)
				if err != nil {
					t.Fatal(err)
				}
				out, done, err := m.Step(first)
				checkStep(t, out, done, err)
				if err != nil || done {
					continue
				}
				out, done, err = m.Step(final)
				checkStep(t, out, done, err)
			}
		}
	})
}
