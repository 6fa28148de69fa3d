package sasl_test

import (
	"errors"
	"strings"
	"testing"

	"xmppd/engine/sasl"
)

func plainMsg(authzid, authcid, passwd string) []byte {
	return []byte(authzid + "\x00" + authcid + "\x00" + passwd)
}

func TestPLAIN(t *testing.T) {
	long := strings.Repeat("a", 256)
	tests := []struct {
		name     string
		in       []byte
		want     sasl.Condition
		wantText string
		wantUser string
	}{
		{name: "ok", in: plainMsg("", "juliet", julietPass), wantUser: "juliet"},
		{name: "case-folded username", in: plainMsg("", "JULIET", julietPass), wantUser: "juliet"},
		{name: "width-folded username", in: plainMsg("", "ｊｕｌｉｅｔ", julietPass), wantUser: "juliet"},
		{name: "authzid localpart", in: plainMsg("juliet", "juliet", julietPass), wantUser: "juliet"},
		{name: "authzid bare JID", in: plainMsg("juliet@example.com", "juliet", julietPass), wantUser: "juliet"},
		{name: "authzid bare JID mixed case", in: plainMsg("Juliet@Example.COM", "juliet", julietPass), wantUser: "juliet"},
		{name: "authzid bare JID trailing dot", in: plainMsg("juliet@example.com.", "juliet", julietPass), wantUser: "juliet"},
		{name: "password non-ASCII space mapped", in: plainMsg("", "romeo", "pass\u00a0word"), wantUser: "romeo"},
		{name: "max length fields", in: plainMsg(long[:255], "juliet", julietPass), want: sasl.InvalidAuthzid},

		{name: "authzid other user", in: plainMsg("romeo", "juliet", julietPass), want: sasl.InvalidAuthzid},
		{name: "authzid other domain", in: plainMsg("juliet@example.org", "juliet", julietPass), want: sasl.InvalidAuthzid},
		{name: "authzid full JID", in: plainMsg("juliet@example.com/balcony", "juliet", julietPass), want: sasl.InvalidAuthzid},
		{name: "authzid domain only", in: plainMsg("@example.com", "juliet", julietPass), want: sasl.InvalidAuthzid},
		{name: "authzid empty domain", in: plainMsg("juliet@", "juliet", julietPass), want: sasl.InvalidAuthzid},
		{name: "authzid with wrong password", in: plainMsg("romeo", "juliet", "nope"), want: sasl.NotAuthorized},

		{name: "wrong password", in: plainMsg("", "juliet", "r0m30"), want: sasl.NotAuthorized},
		{name: "password case matters", in: plainMsg("", "juliet", strings.ToUpper(julietPass)), want: sasl.NotAuthorized},
		{name: "unknown user", in: plainMsg("", "mercutio", julietPass), want: sasl.NotAuthorized},
		{name: "username PRECIS rejects", in: plainMsg("", "jul iet", julietPass), want: sasl.NotAuthorized},
		{name: "password PRECIS rejects", in: plainMsg("", "juliet", "bell\x07"), want: sasl.NotAuthorized},

		{name: "empty", in: []byte{}, want: sasl.MalformedRequest, wantText: "*"},
		{name: "nil", in: nil, want: sasl.MalformedRequest, wantText: "*"},
		{name: "no NUL", in: []byte("juliet"), want: sasl.MalformedRequest, wantText: "*"},
		{name: "one NUL", in: []byte("juliet\x00" + julietPass), want: sasl.MalformedRequest, wantText: "*"},
		{name: "three NULs", in: []byte("\x00juliet\x00" + julietPass + "\x00"), want: sasl.MalformedRequest, wantText: "*"},
		{name: "only NULs", in: []byte("\x00\x00"), want: sasl.MalformedRequest, wantText: "*"},
		{name: "empty authcid", in: plainMsg("", "", julietPass), want: sasl.MalformedRequest, wantText: "*"},
		{name: "empty password", in: plainMsg("", "juliet", ""), want: sasl.MalformedRequest, wantText: "*"},
		{name: "not UTF-8", in: plainMsg("", "juliet", "\xff\xfe"), want: sasl.MalformedRequest, wantText: "*"},
		{name: "authzid over 255", in: plainMsg(long, "juliet", julietPass), want: sasl.MalformedRequest, wantText: "*"},
		{name: "authcid over 255", in: plainMsg("", long, julietPass), want: sasl.MalformedRequest, wantText: "*"},
		{name: "password over 255", in: plainMsg("", "juliet", long), want: sasl.MalformedRequest, wantText: "*"},
		{name: "over MaxMessageSize", in: []byte(strings.Repeat("\x00", sasl.DefaultMaxMessageSize+1)), want: sasl.MalformedRequest, wantText: "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, nil)
			m, err := srv.Start(sasl.Plain, sasl.Channel{TLS: true})
			if err != nil {
				t.Fatal(err)
			}
			out, done, err := m.Step(tt.in)
			wantErr(t, err, tt.want, tt.wantText)
			if done != (tt.want == "") || out != nil {
				t.Errorf("out=%q done=%v", out, done)
			}
			if m.Username() != tt.wantUser {
				t.Errorf("Username = %q, want %q", m.Username(), tt.wantUser)
			}
			if _, _, err := m.Step(plainMsg("", "juliet", julietPass)); !errors.Is(err, sasl.ErrMalformedRequest) {
				t.Errorf("second Step = %v, want malformed-request", err)
			}
		})
	}
}

func TestPLAINUnknownUserIndistinguishable(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	step := func(user, pass string) error {
		m, _ := srv.Start(sasl.Plain, sasl.Channel{TLS: true})
		_, _, err := m.Step(plainMsg("", user, pass))
		return err
	}
	wrong, unknown := step("juliet", "nope"), step("mercutio", "nope")
	var ew, eu *sasl.Error
	if !errors.As(wrong, &ew) || !errors.As(unknown, &eu) {
		t.Fatalf("errors: %v, %v", wrong, unknown)
	}
	if ew.Condition != eu.Condition || ew.Text != eu.Text {
		t.Errorf("wire failure differs: %s/%q vs %s/%q", ew.Condition, ew.Text, eu.Condition, eu.Text)
	}
	if !errors.Is(unknown, sasl.ErrUnknownUser) || errors.Is(wrong, sasl.ErrUnknownUser) {
		t.Errorf("log cause: unknown=%v wrong=%v", unknown, wrong)
	}
}

// One stored record serves PLAIN whichever hashes it holds.
func TestPLAINCredentialChoice(t *testing.T) {
	s1, s256, err := sasl.NewCredentials("secret", 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		sha1, s256 sasl.Credentials
		want       sasl.Condition
	}{
		{"both", s1, s256, ""},
		{"SHA-1 only", s1, sasl.Credentials{}, ""},
		{"SHA-256 only", sasl.Credentials{}, s256, ""},
		{"none", sasl.Credentials{}, sasl.Credentials{}, sasl.NotAuthorized},
		{"truncated key", sasl.Credentials{}, sasl.Credentials{Salt: s256.Salt, Iterations: 4096, StoredKey: s256.StoredKey[:8], ServerKey: s256.ServerKey}, sasl.NotAuthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, st := newTestServer(t, nil)
			st.set("nurse", tt.sha1, tt.s256)
			m, _ := srv.Start(sasl.Plain, sasl.Channel{TLS: true})
			_, _, err := m.Step(plainMsg("", "nurse", "secret"))
			wantErr(t, err, tt.want, "")
		})
	}
}

func TestPLAINLookupFailures(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want sasl.Condition
	}{
		{"storage down", errors.New("disk on fire"), sasl.TemporaryAuthFailure},
		{"wrapped unknown user", errors.Join(errors.New("not found"), sasl.ErrUnknownUser), sasl.NotAuthorized},
		{"account disabled", &sasl.Error{Condition: sasl.AccountDisabled}, sasl.AccountDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, st := newTestServer(t, nil)
			st.errs["juliet"] = tt.err
			m, _ := srv.Start(sasl.Plain, sasl.Channel{TLS: true})
			_, _, err := m.Step(plainMsg("", "juliet", julietPass))
			wantErr(t, err, tt.want, "*")
		})
	}
}
