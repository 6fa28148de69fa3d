package sasl_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/xdg-go/scram"

	"xmppd/engine/sasl"
)

var hashes = []struct {
	name string
	gen  scram.HashGeneratorFcn
}{
	{sasl.ScramSHA1, scram.SHA1},
	{sasl.ScramSHA256, scram.SHA256},
}

// clientKind is how the client side of a test conversation is built.
type clientKind int

const (
	flagN        clientKind = iota // no binding support: "n"
	flagY                          // supports binding, saw no -PLUS: "y"
	bindOwn                        // "p=tls-exporter" with this connection's binding
	bindOther                      // "p=tls-exporter" with another connection's binding
	bindEndpoint                   // "p=tls-server-end-point"
)

func TestSCRAM(t *testing.T) {
	ts := newTLSSetup(t)
	clear := sasl.Channel{}

	tests := []struct {
		name     string
		plus     bool
		ch       sasl.Channel
		client   clientKind
		user     string
		pass     string
		authzid  string
		tamper   func(step int, msg string) string
		want     sasl.Condition
		wantText string
		wantUser string
	}{
		{name: "in the clear", ch: clear},
		{name: "TLS 1.2 without binding", ch: ts.tls12},
		{name: "y flag when no -PLUS was offered", ch: ts.tls12, client: flagY},
		{name: "PLUS with tls-exporter", plus: true, ch: ts.tls13, client: bindOwn},
		{name: "n flag while -PLUS offered", ch: ts.tls13},
		{name: "case-folded username", user: "JuLiEt", ch: ts.tls13, client: bindOwn, plus: true},
		{name: "authzid localpart", authzid: "juliet", ch: ts.tls13, client: bindOwn, plus: true},
		{name: "authzid bare JID", authzid: "juliet@example.com", ch: ts.tls13, client: bindOwn, plus: true},
		{name: "authzid bare JID upper case", authzid: "Juliet@EXAMPLE.com", ch: clear},

		{name: "y flag downgrade", ch: ts.tls13, client: flagY,
			want: sasl.NotAuthorized, wantText: "server-does-support-channel-binding"},
		{name: "PLUS without binding flag", plus: true, ch: ts.tls13, client: flagN,
			want: sasl.NotAuthorized, wantText: "server-does-support-channel-binding"},
		{name: "PLUS with y flag", plus: true, ch: ts.tls13, client: flagY,
			want: sasl.NotAuthorized, wantText: "server-does-support-channel-binding"},
		{name: "p flag with non-PLUS mechanism", ch: ts.tls13, client: bindOwn,
			want: sasl.MalformedRequest, wantText: "*"},
		{name: "p flag with nothing to bind", ch: ts.tls12, client: bindOwn,
			want: sasl.MalformedRequest, wantText: "*"},
		{name: "binding of another connection", plus: true, ch: ts.tls13, client: bindOther,
			want: sasl.NotAuthorized, wantText: "channel-bindings-dont-match"},
		{name: "unsupported binding type", plus: true, ch: ts.tls13, client: bindEndpoint,
			want: sasl.NotAuthorized, wantText: "unsupported-channel-binding-type"},
		{name: "binding data stripped", plus: true, ch: ts.tls13, client: bindOwn,
			tamper: replaceField(2, "c", base64.StdEncoding.EncodeToString([]byte("p=tls-exporter,,"))),
			want:   sasl.NotAuthorized, wantText: "channel-bindings-dont-match"},
		{name: "wrong password", pass: "r0m30", ch: ts.tls13, client: bindOwn, plus: true,
			want: sasl.NotAuthorized},
		{name: "unknown user", user: "mercutio", ch: ts.tls13, client: bindOwn, plus: true,
			want: sasl.NotAuthorized},
		{name: "authzid of another user", authzid: "romeo", ch: clear,
			want: sasl.InvalidAuthzid},
		{name: "authzid on another domain", authzid: "juliet@example.org", ch: clear,
			want: sasl.InvalidAuthzid},
		{name: "authzid full JID", authzid: "juliet@example.com/balcony", ch: clear,
			want: sasl.InvalidAuthzid},
		{name: "authzid with wrong password", authzid: "romeo", pass: "nope", ch: clear,
			want: sasl.NotAuthorized},
		{name: "nonce mismatch", ch: clear,
			tamper: replaceField(2, "r", "fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"),
			want:   sasl.NotAuthorized},
		{name: "proof tampered", ch: clear,
			tamper: func(step int, msg string) string {
				if step != 2 {
					return msg
				}
				i := strings.LastIndex(msg, ",p=") + 3
				b := []byte(msg)
				b[i] = 'A' // still base64, a different proof
				if msg[i] == 'A' {
					b[i] = 'B'
				}
				return string(b)
			},
			want: sasl.NotAuthorized},
	}
	for _, h := range hashes {
		for _, tt := range tests {
			mech := h.name
			if tt.plus {
				mech += "-PLUS"
			}
			t.Run(mech+"/"+tt.name, func(t *testing.T) {
				srv, _ := newTestServer(t, nil)
				user, pass := tt.user, tt.pass
				if user == "" {
					user = "juliet"
				}
				if pass == "" {
					pass = julietPass
				}
				client, err := h.gen.NewClient(user, pass, tt.authzid)
				if err != nil {
					t.Fatal(err)
				}
				var cc *scram.ClientConversation
				switch tt.client {
				case flagN:
					cc = client.NewConversation()
				case flagY:
					cc = client.NewConversationAdvertisingChannelBinding()
				case bindOwn:
					cc = client.NewConversationWithChannelBinding(ts.clientCB)
				case bindOther:
					cc = client.NewConversationWithChannelBinding(ts.otherCB)
				case bindEndpoint:
					cc = client.NewConversationWithChannelBinding(ts.endpointCB)
				}
				m, err := srv.Start(mech, tt.ch)
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
				if m.Name() != mech {
					t.Errorf("Name = %q, want %q", m.Name(), mech)
				}
				err = exchange(t, m, cc, tt.tamper)
				wantErr(t, err, tt.want, tt.wantText)
				wantUser := ""
				if tt.want == "" {
					wantUser = "juliet"
				}
				if m.Username() != wantUser {
					t.Errorf("Username = %q, want %q", m.Username(), wantUser)
				}
				if _, _, err := m.Step([]byte("n,,n=juliet,r=abc")); !errors.Is(err, sasl.ErrMalformedRequest) {
					t.Errorf("Step after the end = %v, want malformed-request", err)
				}
			})
		}
	}
}

// replaceField rewrites attribute k of client message step.
func replaceField(step int, k, v string) func(int, string) string {
	return func(s int, msg string) string {
		if s != step {
			return msg
		}
		fields := strings.Split(msg, ",")
		for i, f := range fields {
			if strings.HasPrefix(f, k+"=") {
				fields[i] = k + "=" + v
			}
		}
		return strings.Join(fields, ",")
	}
}

// An unknown user must look like a wrong password from the outside: same
// server-first shape, a salt stable across probes, the same failure.
func TestSCRAMUnknownUserIndistinguishable(t *testing.T) {
	for _, h := range hashes {
		t.Run(h.name, func(t *testing.T) {
			srv, _ := newTestServer(t, nil)
			first := func(user string) []byte {
				t.Helper()
				m, err := srv.Start(h.name, sasl.Channel{})
				if err != nil {
					t.Fatal(err)
				}
				out, _, err := m.Step([]byte("n,,n=" + user + ",r=abcdefgh"))
				if err != nil {
					t.Fatalf("client-first for %s: %v", user, err)
				}
				return out
			}
			_, realSalt, realIters := serverFirst(t, first("juliet"))
			_, fake1, fakeIters := serverFirst(t, first("mercutio"))
			_, fake2, _ := serverFirst(t, first("Mercutio"))
			_, other, _ := serverFirst(t, first("tybalt"))
			if fakeIters != realIters {
				t.Errorf("iterations: unknown %s, real %s", fakeIters, realIters)
			}
			if len(fake1) != len(realSalt) {
				t.Errorf("salt length: unknown %q, real %q", fake1, realSalt)
			}
			if fake1 != fake2 {
				t.Errorf("fake salt not stable per user: %q vs %q", fake1, fake2)
			}
			if fake1 == other {
				t.Errorf("two unknown users share the fake salt %q", fake1)
			}

			// A second server with the same key hands out the same salt.
			srv2, _ := newTestServer(t, nil)
			m, _ := srv2.Start(h.name, sasl.Channel{})
			out, _, _ := m.Step([]byte("n,,n=mercutio,r=xyz"))
			if _, s, _ := serverFirst(t, out); s != fake1 {
				t.Errorf("fake salt differs across servers with one key: %q vs %q", s, fake1)
			}

			run := func(user, pass string) error {
				client, _ := h.gen.NewClient(user, pass, "")
				m, _ := srv.Start(h.name, sasl.Channel{})
				return exchange(t, m, client.NewConversation(), nil)
			}
			wrong := run("juliet", "not it")
			unknown := run("mercutio", "not it")
			var ew, eu *sasl.Error
			if !errors.As(wrong, &ew) || !errors.As(unknown, &eu) {
				t.Fatalf("errors: %v, %v", wrong, unknown)
			}
			if ew.Condition != eu.Condition || ew.Text != eu.Text {
				t.Errorf("wire failure differs: wrong password %s/%q, unknown user %s/%q",
					ew.Condition, ew.Text, eu.Condition, eu.Text)
			}
			if !errors.Is(unknown, sasl.ErrUnknownUser) || errors.Is(wrong, sasl.ErrUnknownUser) {
				t.Errorf("log cause: unknown=%v wrong=%v", unknown, wrong)
			}
		})
	}
}

func TestSCRAMMalformed(t *testing.T) {
	long := "n,,n=juliet,r=" + strings.Repeat("a", sasl.DefaultMaxMessageSize)
	firsts := []struct{ name, in string }{
		{"empty", ""},
		{"garbage", "hello"},
		{"gs2 header only", "n,,"},
		{"bad gs2 flag", "x,,n=juliet,r=abc"},
		{"authzid without a=", "n,juliet,n=juliet,r=abc"},
		{"missing username", "n,,r=abc,x=y"},
		{"bad name escape", "n,,n=jul=ZZiet,r=abc"},
		{"bad authzid escape", "n,a=x=1,n=juliet,r=abc"},
		{"extension", "n,,m=ext,n=juliet,r=abc"},
		{"missing nonce", "n,,n=juliet,x=abc"},
		{"not UTF-8", "n,,n=\xffjuliet,r=abc"},
		{"NUL", "n,,n=jul\x00iet,r=abc"},
		{"too long", long},
	}
	for _, tt := range firsts {
		t.Run("first/"+tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, nil)
			m, _ := srv.Start(sasl.ScramSHA256, sasl.Channel{})
			_, done, err := m.Step([]byte(tt.in))
			if done {
				t.Fatal("done")
			}
			wantErr(t, err, sasl.MalformedRequest, "*")
		})
	}

	finals := []struct{ name, in string }{
		{"empty", ""},
		{"garbage", "hello"},
		{"cbind only", "c=biws"},
		{"bad cbind base64", "c=!!!!,r=NONCE,p=AAAA"},
		{"missing proof", "c=biws,r=NONCE,x=1"},
		{"bad proof base64", "c=biws,r=NONCE,p=!!!"},
		{"not UTF-8", "c=biws,r=NONCE\xff,p=AAAA"},
		{"too long", "c=biws,r=NONCE,p=" + strings.Repeat("A", sasl.DefaultMaxMessageSize)},
	}
	for _, tt := range finals {
		t.Run("final/"+tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, nil)
			m, _ := srv.Start(sasl.ScramSHA256, sasl.Channel{})
			out, _, err := m.Step([]byte("n,,n=juliet,r=abc"))
			if err != nil {
				t.Fatal(err)
			}
			nonce, _, _ := serverFirst(t, out)
			_, done, err := m.Step([]byte(strings.ReplaceAll(tt.in, "NONCE", nonce)))
			if done {
				t.Fatal("done")
			}
			wantErr(t, err, sasl.MalformedRequest, "*")
		})
	}
}

func TestSCRAMLookupFailures(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want sasl.Condition
	}{
		{"storage down", errors.New("disk on fire"), sasl.TemporaryAuthFailure},
		{"account disabled", &sasl.Error{Condition: sasl.AccountDisabled}, sasl.AccountDisabled},
		{"credentials expired", &sasl.Error{Condition: sasl.CredentialsExpired, Text: "reset your password"}, sasl.CredentialsExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, st := newTestServer(t, nil)
			st.errs["juliet"] = tt.err
			m, _ := srv.Start(sasl.ScramSHA256, sasl.Channel{})
			_, _, err := m.Step([]byte("n,,n=juliet,r=abc"))
			wantErr(t, err, tt.want, "*")
		})
	}
}

// A user with only SHA-256 credentials fails SCRAM-SHA-1 like a stranger.
func TestSCRAMMissingHash(t *testing.T) {
	srv, st := newTestServer(t, nil)
	_, s256, err := sasl.NewCredentials("only256", 0)
	if err != nil {
		t.Fatal(err)
	}
	st.set("nurse", sasl.Credentials{}, s256)
	for _, h := range hashes {
		t.Run(h.name, func(t *testing.T) {
			client, _ := h.gen.NewClient("nurse", "only256", "")
			m, _ := srv.Start(h.name, sasl.Channel{})
			err := exchange(t, m, client.NewConversation(), nil)
			if h.name == sasl.ScramSHA1 {
				wantErr(t, err, sasl.NotAuthorized, "")
			} else {
				wantErr(t, err, "", "")
			}
		})
	}
}

// Step must not keep the caller's buffer: gnet-style callers reuse it.
func TestSCRAMDoesNotRetainInput(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	client, _ := scram.SHA256.NewClient("juliet", julietPass, "")
	cc := client.NewConversation()
	m, _ := srv.Start(sasl.ScramSHA256, sasl.Channel{})
	buf := make([]byte, 0, 512)
	c1, _ := cc.Step("")
	buf = append(buf[:0], c1...)
	s1, _, err := m.Step(buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	c2, _ := cc.Step(string(s1))
	buf = append(buf[:0], c2...)
	s2, done, err := m.Step(buf)
	if err != nil || !done {
		t.Fatalf("final: %v done=%v", err, done)
	}
	if !bytes.HasPrefix(s2, []byte("v=")) {
		t.Fatalf("server-final = %q", s2)
	}
}

// One Server serves many attempts at once (run with -race).
func TestConcurrentAttempts(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	errc := make(chan error, 16)
	for i := range 16 {
		go func() {
			h := hashes[i%2]
			client, _ := h.gen.NewClient("juliet", julietPass, "")
			m, err := srv.Start(h.name, sasl.Channel{TLS: true})
			if err == nil {
				err = exchange(t, m, client.NewConversation(), nil)
			}
			if err == nil && i%3 == 0 {
				p, _ := srv.Start(sasl.Plain, sasl.Channel{TLS: true})
				_, _, err = p.Step(plainMsg("", "romeo", romeoPass))
			}
			errc <- err
		}()
	}
	for range 16 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}
