package sasl

import (
	"errors"
	"testing"
)

type fakeExternal struct {
	pass map[string]string
	err  error
	got  []string
}

func (f *fakeExternal) VerifyPlain(user, password string) (bool, error) {
	f.got = append(f.got, user)
	if f.err != nil {
		return false, f.err
	}
	return f.pass[user] == password, nil
}

type fakeTokens map[string]string

func (f fakeTokens) VerifyToken(user, token string) bool { return f[user] == token }

type noUsers struct{}

func (noUsers) Lookup(string) (Credentials, Credentials, error) {
	return Credentials{}, Credentials{}, ErrUnknownUser
}

func TestExternalPlain(t *testing.T) {
	ext := &fakeExternal{pass: map[string]string{"portaluser": "s3cret"}}
	srv, err := NewServer(Config{Domain: "localhost", Lookup: noUsers{}, External: ext, Tokens: fakeTokens{"portaluser": "tok-123"}})
	if err != nil {
		t.Fatal(err)
	}
	tls := Channel{TLS: true}
	if m := srv.Mechanisms(tls); len(m) != 1 || m[0] != Plain {
		t.Fatalf("mechanisms with external auth: %v", m)
	}
	if _, err := srv.Start(ScramSHA256, tls); !errors.Is(err, ErrInvalidMechanism) {
		t.Fatalf("SCRAM with external auth: %v", err)
	}
	step := func(msg string) (string, error) {
		m, err := srv.Start(Plain, tls)
		if err != nil {
			t.Fatal(err)
		}
		_, done, err := m.Step([]byte(msg))
		if done != (err == nil) {
			t.Fatalf("done %v with err %v", done, err)
		}
		return m.Username(), err
	}
	if u, err := step("\x00PortalUser\x00s3cret"); err != nil || u != "portaluser" {
		t.Fatalf("right password: %q %v", u, err)
	}
	if ext.got[0] != "portaluser" {
		t.Fatalf("verifier got %q, want the normalised name", ext.got[0])
	}
	if _, err := step("\x00portaluser\x00wrong"); !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("wrong password: %v", err)
	}
	if u, err := step("\x00portaluser\x00tok-123"); err != nil || u != "portaluser" {
		t.Fatalf("token: %q %v", u, err)
	}
	ext.err = errors.New("portal down")
	if _, err := step("\x00portaluser\x00s3cret"); !errors.Is(err, ErrTemporaryAuthFailure) {
		t.Fatalf("portal down: %v", err)
	}
	if u, err := step("\x00portaluser\x00tok-123"); err != nil || u != "portaluser" {
		t.Fatalf("a token works while the portal is down: %q %v", u, err)
	}
}
