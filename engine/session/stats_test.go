package session

import (
	"fmt"
	"sync"
	"testing"

	"xmppd/codec"
)

// kindCounts reads the counters of one direction.
func kindCounts(st *Stats, d Direction) [NumStanzaKinds]int64 {
	var n [NumStanzaKinds]int64
	for k := range NumStanzaKinds {
		n[k] = st.Stanzas(d, k)
	}
	return n
}

func sub(a, b [NumStanzaKinds]int64) [NumStanzaKinds]int64 {
	for i := range a {
		a[i] -= b[i]
	}
	return a
}

func TestStanzaCountsByKind(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("romeo", "pw", "orchard")
	b := srv.testClient(t)
	b.login("juliet", "pw", "balcony")
	st := &srv.Stats
	in0, out0, routed0 := kindCounts(st, DirIn), kindCounts(st, DirOut), kindCounts(st, DirRouted)

	for i := range 3 {
		a.send(fmt.Sprintf("<message to='juliet@localhost/balcony' id='m%d'><body>hi</body></message>", i))
	}
	for i := range 2 {
		a.send(fmt.Sprintf("<iq type='get' to='juliet@localhost/balcony' id='q%d'><ping xmlns='urn:xmpp:ping'/></iq>", i))
	}
	a.send("<presence to='juliet@localhost/balcony'/>")
	// An iq to a missing resource: in, not routed, and an error goes out.
	a.send("<iq type='get' to='juliet@localhost/gone' id='q9'><ping xmlns='urn:xmpp:ping'/></iq>")
	a.expect("id='q9'", "<service-unavailable")
	if got := b.ft.enqueued(); len(got) != 6 {
		t.Fatalf("juliet got %d stanzas, want 6: %q", len(got), got)
	}

	msg, pres, iq := KindMessage, KindPresence, KindIQ
	want := func(name string, got [NumStanzaKinds]int64, m, p, q int64) {
		t.Helper()
		if got[msg] != m || got[pres] != p || got[iq] != q {
			t.Errorf("%s: message %d presence %d iq %d; want %d %d %d", name, got[msg], got[pres], got[iq], m, p, q)
		}
	}
	want("in", sub(kindCounts(st, DirIn), in0), 3, 1, 3)
	want("routed", sub(kindCounts(st, DirRouted), routed0), 3, 1, 2)
	want("out", sub(kindCounts(st, DirOut), out0), 3, 1, 3) // 6 routed, 1 error
	if st.StanzaTotal(DirIn) != st.Stanzas(DirIn, msg)+st.Stanzas(DirIn, pres)+st.Stanzas(DirIn, iq) {
		t.Error("StanzaTotal is not the sum of the kinds")
	}
}

func TestKindOfOutput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind StanzaKind
		ok   bool
	}{
		{"<message to='a'/>", KindMessage, true},
		{"<message>", KindMessage, true},
		{"<presence/>", KindPresence, true},
		{"<iq type='result' id='x'/>", KindIQ, true},
		{"<iq>", KindIQ, true},
		{"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 0, false},
		{"<mechanisms/>", 0, false},
		{"<iqx/>", 0, false},
		{"<stream:features>", 0, false},
		{"</stream:stream>", 0, false},
		{"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", 0, false},
		{"<m", 0, false},
		{"", 0, false},
	} {
		k, ok := kindOfOutput([]byte(tc.in))
		if ok != tc.ok || (ok && k != tc.kind) {
			t.Errorf("kindOfOutput(%q) = %v, %v; want %v, %v", tc.in, k, ok, tc.kind, tc.ok)
		}
	}
}

func TestSessionsByTransportAndState(t *testing.T) {
	srv := newTestServer(t, nil)
	st := &srv.Stats
	check := func(tr TransportKind, connected, authenticated, bound int64) {
		t.Helper()
		got := [NumSessionStates]int64{}
		for s := range NumSessionStates {
			got[s] = st.Sessions[tr][s].Load()
		}
		if got != [NumSessionStates]int64{connected, authenticated, bound} {
			t.Errorf("%v: connected/authenticated/bound = %v, want [%d %d %d]", tr, got, connected, authenticated, bound)
		}
	}
	c := srv.testClient(t)
	check(TransportC2S, 1, 0, 0)
	c.send(openStream)
	c.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>ann</username><password>pw</password></query></iq>")
	c.send(plainAuth("ann", "pw"))
	c.expect("<success")
	check(TransportC2S, 0, 1, 0)
	c.send(openStream)
	c.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
	c.expect("<jid>")
	check(TransportC2S, 0, 0, 1)

	ft := newFakeTransport()
	ft.kind = TransportBOSH
	bs := srv.New(ft)
	check(TransportBOSH, 1, 0, 0)
	check(TransportC2S, 0, 0, 1)

	c.s.HandleClosed()
	c.s.HandleClosed() // the engine tells again after a stream error closed it
	check(TransportC2S, 0, 0, 0)
	bs.StreamError("system-shutdown", "")
	bs.HandleClosed()
	check(TransportBOSH, 0, 0, 0)
	if n := st.BoundSessions(); n != 0 {
		t.Errorf("Bound = %d", n)
	}
}

func TestLoginReasonsAndMechanisms(t *testing.T) {
	srv := newTestServer(t, func(cfg *Config) {
		cfg.MaxAuthAttempts = 100
		cfg.AuthFailuresPerIPPerMinute = 4
	})
	st := &srv.Stats
	c := srv.testClient(t)
	c.send(openStream)
	c.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>bo</username><password>pw</password></query></iq>")
	c.expect("type='result'")
	c.send(plainAuth("bo", "wrong"))
	c.expect("<not-authorized/>")
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-NONE'/>")
	c.expect("<invalid-mechanism/>")
	c.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>AAAA</response>")
	c.expect("<malformed-request/>")
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>")
	c.send("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
	c.expect("<aborted/>")
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!</auth>")
	c.expect("<incorrect-encoding/>")
	// Four failures from this address (aborts do not count): the next
	// attempt is refused before any check.
	c.send(plainAuth("bo", "pw"))
	c.expect("<temporary-auth-failure/>")

	tlsSrv := newTestServer(t, func(cfg *Config) { cfg.TLS = TLSRequired })
	r := tlsSrv.testClient(t)
	r.send(openStream)
	r.send(plainAuth("bo", "pw"))
	r.expect("<encryption-required/>")

	ok := newTestServer(t, nil).testClient(t)
	ok.login("cy", "pw", "r")
	okSt := &ok.s.srv.Stats

	for _, tc := range []struct {
		st   *Stats
		why  AuthFailure
		want int64
	}{
		{st, FailNotAuthorized, 1},
		{st, FailInvalidMechanism, 1},
		{st, FailMalformedRequest, 1},
		{st, FailAborted, 1},
		{st, FailIncorrectEncoding, 1},
		{st, FailRateLimited, 1},
		{st, FailTemporaryAuthFailure, 0},
		{&tlsSrv.Stats, FailEncryptionRequired, 1},
	} {
		if got := tc.st.AuthFailures[tc.why].Load(); got != tc.want {
			t.Errorf("%v: %d, want %d", tc.why, got, tc.want)
		}
	}
	var sum int64
	for i := range st.AuthFailures {
		sum += st.AuthFailures[i].Load()
	}
	if sum != st.AuthFailed.Load() || sum != 6 {
		t.Errorf("reasons add up to %d, AuthFailed %d, want 6", sum, st.AuthFailed.Load())
	}
	if got := okSt.AuthMechanisms[MechPlain].Load(); got != 1 || okSt.AuthOK.Load() != 1 {
		t.Errorf("PLAIN successes %d, AuthOK %d", got, okSt.AuthOK.Load())
	}

	ext := srv.testClient(t)
	ext.send(openStream)
	if err := ext.s.AuthenticateExternal("bo"); err != nil {
		t.Fatal(err)
	}
	if got := st.AuthMechanisms[MechExternal].Load(); got != 1 {
		t.Errorf("external successes %d", got)
	}
	if got := st.Sessions[TransportC2S][StateAuthenticated].Load(); got != 1 {
		t.Errorf("authenticated sessions %d", got)
	}
}

func TestFailureAndMechanismNames(t *testing.T) {
	for f := range NumAuthFailures {
		if f != FailRateLimited && failureOf(f.String()) != f {
			t.Errorf("failureOf(%q) = %v", f.String(), failureOf(f.String()))
		}
	}
	if failureOf("no-such-condition") != FailNotAuthorized {
		t.Error("unknown condition not counted as not-authorized")
	}
	for m := range MechExternal {
		if mechanismOf(m.String()) != m {
			t.Errorf("mechanismOf(%q) = %v", m.String(), mechanismOf(m.String()))
		}
	}
	if mechanismOf("X-OTHER") != MechOther {
		t.Error("unknown mechanism")
	}
}

// loopTransport stands for a connection on an event loop: it stamps what
// its session reads with readAt, records the stamps of what is enqueued
// to it, and counts on its loop's counters.
type loopTransport struct {
	fakeTransport
	readAt   int64
	counters *StanzaCounters
	mu       sync.Mutex // guards stamps
	stamps   []int64
}

func (tt *loopTransport) ReadAt() int64                   { return tt.readAt }
func (tt *loopTransport) StanzaCounters() *StanzaCounters { return tt.counters }
func (tt *loopTransport) EnqueueAt(b []byte, readAt int64) bool {
	tt.mu.Lock()
	tt.stamps = append(tt.stamps, readAt)
	tt.mu.Unlock()
	return tt.fakeTransport.Enqueue(b)
}

func (srv *Server) loopClient(t *testing.T, readAt int64, c *StanzaCounters) (*client, *loopTransport) {
	tt := &loopTransport{fakeTransport: *newFakeTransport(), readAt: readAt, counters: c}
	return &client{t: t, s: srv.New(tt), ft: &tt.fakeTransport, dec: codec.NewDecoder(codec.Limits{})}, tt
}

// TestLoopTransport: a stanza routed to a user's session is enqueued with
// the time its sender's transport read it, to a full JID and to a bare
// one, and counted on the sender's loop counters; what the server makes
// itself on a worker is neither timed nor counted there.
func TestLoopTransport(t *testing.T) {
	srv := newTestServer(t, nil)
	loopA, loopB := srv.Stats.NewStanzaCounters(), srv.Stats.NewStanzaCounters()
	a, _ := srv.loopClient(t, 1000, loopA)
	a.login("romeo", "pw", "orchard")
	b, bt := srv.loopClient(t, 2000, loopB)
	b.login("juliet", "pw", "balcony")
	b.send("<presence/>")
	a.send("<message to='juliet@localhost/balcony' id='m1'><body>1</body></message>")
	a.send("<message to='juliet@localhost' type='chat' id='m2'><body>2</body></message>")
	waitEnqueued(t, b, "id='m2'")
	bt.mu.Lock()
	if len(bt.stamps) != 2 || bt.stamps[0] != 1000 || bt.stamps[1] != 1000 {
		t.Errorf("stamps %v, want [1000 1000]", bt.stamps)
	}
	bt.mu.Unlock()
	for _, c := range []struct {
		name string
		got  int64
		want int64
	}{
		{"sender's loop, routed", loopA.n[DirRouted][KindMessage].Load(), 2},
		{"sender's loop, out", loopA.n[DirOut][KindMessage].Load(), 2},
		{"sender's loop, in", loopA.n[DirIn][KindMessage].Load(), 2},
		{"recipient's loop, in", loopB.n[DirIn][KindPresence].Load(), 1},
		{"shared, routed", srv.Stats.stanzas.n[DirRouted][KindMessage].Load(), 0},
		{"total routed", srv.Stats.Stanzas(DirRouted, KindMessage), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
}
