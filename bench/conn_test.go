package bench

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"xmppd/codec"
)

func login(t *testing.T, s *fakeServer, tlsMode TLSMode, a *Account) (*Conn, error) {
	t.Helper()
	d := &Dialer{Addr: s.addr(), Domain: s.domain, TLS: tlsMode}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return d.Login(ctx, a)
}

func TestLogin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		direct bool
		tls    TLSMode
		mech   Mech
	}{
		{"plain", false, TLSNone, MechPLAIN},
		{"scram-sha-1", false, TLSNone, MechSCRAMSHA1},
		{"scram-sha-256", false, TLSNone, MechSCRAMSHA256},
		{"starttls-scram-sha-256", false, TLSStartTLS, MechSCRAMSHA256},
		{"starttls-plain", false, TLSStartTLS, MechPLAIN},
		{"direct-tls-scram-sha-1", true, TLSDirect, MechSCRAMSHA1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, tc.direct)
			s.addUsers("u", 1, "secret")
			c, err := login(t, s, tc.tls, &Account{User: "u0", Password: "secret", Mech: tc.mech, Resource: "r", Roster: true, Presence: true})
			if err != nil {
				t.Fatalf("login: %v (reason %s)", err, Reason(err))
			}
			defer c.Close()
			if c.JID != "u0@example.test/r" {
				t.Errorf("JID = %q", c.JID)
			}
		})
	}
}

func TestLoginFailureReasons(t *testing.T) {
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	for _, tc := range []struct {
		name   string
		setup  func(s *fakeServer)
		tls    TLSMode
		acct   Account
		reason string
	}{
		{name: "bad password", acct: Account{User: "u0", Password: "wrong", Mech: MechPLAIN}, reason: "auth:not-authorized"},
		{name: "scram bad password", acct: Account{User: "u0", Password: "wrong", Mech: MechSCRAMSHA256}, reason: "auth:not-authorized"},
		{name: "no such user", acct: Account{User: "nobody", Password: "secret", Mech: MechSCRAMSHA1}, reason: "auth:not-authorized"},
		{name: "mechanism not offered", setup: func(s *fakeServer) { s.mechs = []string{"PLAIN"} },
			acct: Account{User: "u0", Password: "secret", Mech: MechSCRAMSHA256}, reason: "auth:no-mechanism"},
		{name: "silent server", setup: func(s *fakeServer) { s.silent = true },
			acct: Account{User: "u0", Password: "secret", Mech: MechPLAIN}, reason: "stream:timeout"},
		{name: "kicked after bind", setup: func(s *fakeServer) { s.kickOnBind = "policy-violation" },
			acct: Account{User: "u0", Password: "secret", Mech: MechPLAIN, Roster: true}, reason: "roster:stream-error/policy-violation"},
		{name: "refused", setup: func(s *fakeServer) { s.ln.Close() },
			acct: Account{User: "u0", Password: "secret", Mech: MechPLAIN}, reason: "dial:refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, false)
			s.addUsers("u", 1, "secret")
			addr := s.addr()
			if tc.setup != nil {
				tc.setup(s)
			}
			if tc.reason == "dial:refused" {
				addr = refused()
			}
			d := &Dialer{Addr: addr, Domain: s.domain, TLS: tc.tls}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			c, err := d.Login(ctx, &tc.acct)
			if err == nil {
				c.Close()
				t.Fatal("login succeeded")
			}
			if got := Reason(err); got != tc.reason {
				t.Errorf("Reason = %q, want %q (err %v)", got, tc.reason, err)
			}
		})
	}
}

func TestServeAnswersPings(t *testing.T) {
	s := newFakeServer(t, false)
	s.addUsers("u", 1, "secret")
	s.pingOnBind = true
	c, err := login(t, s, TLSNone, &Account{User: "u0", Password: "secret", Mech: MechPLAIN, Resource: "r"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Serve(nil, nil) }()
	deadline := time.Now().Add(3 * time.Second)
	for s.pongCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s.pongCount() != 1 {
		t.Fatalf("server got %d ping results, want 1", s.pongCount())
	}
	c.Close()
	if err := <-done; err == nil {
		t.Fatal("Serve returned nil")
	}
}

func TestRegister(t *testing.T) {
	s := newFakeServer(t, false)
	d := &Dialer{Addr: s.addr(), Domain: s.domain}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := d.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Register("alice", "pw"); err != nil {
		t.Fatal(err)
	}
	err = c.Register("alice", "pw")
	var se *StanzaError
	if !errors.As(err, &se) || se.Cond != "conflict" || Reason(err) != "register:conflict" {
		t.Fatalf("second registration: %v (reason %q)", err, Reason(err))
	}
}

func TestServeHandsOverMessagesAndFlushes(t *testing.T) {
	s := newFakeServer(t, false)
	s.addUsers("u", 2, "pw")
	a, err := login(t, s, TLSNone, &Account{User: "u0", Password: "pw", Mech: MechPLAIN, Resource: "r"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := login(t, s, TLSNone, &Account{User: "u1", Password: "pw", Mech: MechPLAIN, Resource: "r"})
	if err != nil {
		t.Fatal(err)
	}
	// Tiny buffer: every message is split across reads.
	b.ResizeReadBuffer(7)
	const n = 50
	got := make(chan string, n)
	errDone := errors.New("done")
	flushes := 0
	go func() {
		count := 0
		_ = b.Serve(func(e codec.Element) error {
			got <- string(e.Child("body", nsClient).Text())
			count++
			if count == n {
				return errDone
			}
			return nil
		}, func() error { flushes++; return nil })
	}()
	buf := a.beginWrite()
	for i := range n {
		buf = append(buf, "<message type='chat' to='u1@example.test/r'><body>m"...)
		buf = append(buf, itoa(i)...)
		buf = append(buf, "&amp;</body></message>"...)
	}
	if err := a.endWrite(buf); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		select {
		case m := <-got:
			if want := "m" + itoa(i) + "&"; m != want {
				t.Fatalf("message %d = %q, want %q", i, m, want)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("message %d not delivered", i)
		}
	}
	if flushes == 0 {
		t.Error("flush never called")
	}
}

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&StepError{StepAuth, &SASLError{Cond: "not-authorized"}}, "auth:not-authorized"},
		{&StepError{StepBind, &StanzaError{Type: "cancel", Cond: "conflict"}}, "bind:conflict"},
		{&StepError{StepSession, &StreamError{Cond: "conflict"}}, "session:stream-error/conflict"},
		{&StepError{StepStream, context.DeadlineExceeded}, "stream:timeout"},
		{&StepError{StepStream, ErrStreamClosed}, "stream:closed"},
		{&StepError{StepTLS, ErrNoStartTLS}, "tls:no-starttls"},
		{errors.New("x"), "error:other"},
		{stepErr(StepAuth, stepErr(StepBind, ErrNoBind)), "bind:no-bind"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestParseMsgID(t *testing.T) {
	b := append([]byte(nil), "1f-"...)
	b = append(b, "deadbeef"...)
	seq, ts, ok := parseMsgID(b)
	if !ok || seq != 0x1f || ts != 0xdeadbeef {
		t.Fatalf("got %x %x %v", seq, ts, ok)
	}
	for _, bad := range []string{"", "1f", "-1", "1-", "1-g", "12345678901234567-1"} {
		if _, _, ok := parseMsgID([]byte(bad)); ok {
			t.Errorf("parseMsgID(%q) ok", bad)
		}
	}
}

func TestSendAllocations(t *testing.T) {
	s := newFakeServer(t, false)
	s.addUsers("u", 1, "pw")
	c, err := login(t, s, TLSNone, &Account{User: "u0", Password: "pw", Mech: MechPLAIN, Resource: "r"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() { _ = c.Serve(nil, nil) }()
	m := &msgRun{base: time.Now(), body: "hello"}
	x := &chatter{conn: c, prefix: []byte("<message type='chat' to='nobody@example.test/r' id='")}
	_ = m.send(x, 10) // grow the buffer
	if n := testing.AllocsPerRun(100, func() { _ = m.send(x, 10) }); n != 0 {
		t.Errorf("send allocates %v times per batch", n)
	}
}

func TestSCRAMCache(t *testing.T) {
	s := newFakeServer(t, false)
	s.addUsers("u", 1, "pw")
	d := &Dialer{Addr: s.addr(), Domain: s.domain, CacheSCRAM: true}
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := d.Login(ctx, &Account{User: "u0", Password: "pw", Mech: MechSCRAMSHA1, Resource: "r"})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	n := 0
	d.scramClients.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d cached SCRAM clients, want 1", n)
	}
}
