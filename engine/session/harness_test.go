package session

import (
	"bytes"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/storage/memstore"
)

// fakeTransport records what a session sends and runs posted functions
// when the test pumps them, standing in for an event loop.
type fakeTransport struct {
	mu      sync.Mutex // guards enq and posted
	out     bytes.Buffer
	enq     [][]byte
	posted  chan func()
	closed  bool
	reset   bool
	secure  bool
	canTLS  bool
	remote  netip.Addr
	kind    TransportKind
	resumed int
}

func newFakeTransport() *fakeTransport {
	return &fakeTransport{posted: make(chan func(), 64), remote: netip.MustParseAddr("127.0.0.1")}
}

func (f *fakeTransport) Send(b []byte) { f.out.Write(b) }
func (f *fakeTransport) Enqueue(b []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.enq = append(f.enq, b)
	return true
}
func (f *fakeTransport) EnqueueAt(b []byte, _ int64) bool { return f.Enqueue(b) }
func (f *fakeTransport) ReadAt() int64                    { return 0 }
func (f *fakeTransport) StanzaCounters() *StanzaCounters  { return nil }
func (f *fakeTransport) StartTLS() error                  { f.secure = true; return nil }
func (f *fakeTransport) ResetStream()                     { f.reset = true }
func (f *fakeTransport) Close()                           { f.closed = true }
func (f *fakeTransport) Post(fn func()) bool              { f.posted <- fn; return true }
func (f *fakeTransport) Resume()                          { f.resumed++ }
func (f *fakeTransport) Info() TransportInfo {
	return TransportInfo{Remote: f.remote, Kind: f.kind, Secure: f.secure, CanStartTLS: f.canTLS && !f.secure}
}

func (f *fakeTransport) enqueued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []string
	for _, b := range f.enq {
		s = append(s, string(b))
	}
	f.enq = nil
	return s
}

// client drives one session through the real decoder, as the engine does.
type client struct {
	t   *testing.T
	s   *Session
	ft  *fakeTransport
	dec *codec.Decoder

	backlog []string // delivered stanzas not yet matched by waitEnqueued
}

func newTestServer(t *testing.T, mod func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		Domains:           []string{"localhost"},
		Store:             memstore.New(),
		Router:            router.New(),
		AllowPlainInClear: true,
		ScramIterations:   4096,
		Workers:           2,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func (srv *Server) testClient(t *testing.T) *client {
	ft := newFakeTransport()
	return &client{t: t, s: srv.New(ft), ft: ft, dec: codec.NewDecoder(codec.Limits{})}
}

// send feeds xml, running posted worker results while the session is busy.
func (c *client) send(xml string) {
	c.t.Helper()
	p := []byte(xml)
	for len(p) > 0 && !c.ft.closed {
		for c.s.Busy() {
			c.pump()
		}
		ev, n, err := c.dec.Next(p)
		if err != nil {
			c.s.HandleDecodeError(err)
			return
		}
		p = p[n:]
		switch ev {
		case codec.EventStreamStart:
			c.s.HandleHeader(c.dec.Header())
		case codec.EventElement:
			c.s.HandleElement(c.dec.Element())
		case codec.EventStreamEnd:
			c.s.HandleStreamEnd()
		}
		if c.ft.reset {
			c.ft.reset = false
			c.dec.Reset()
		}
		if ev == codec.EventNone {
			break
		}
	}
	for c.s.Busy() {
		c.pump()
	}
}

// pump runs one posted function, failing after a generous upper bound.
func (c *client) pump() {
	c.t.Helper()
	select {
	case fn := <-c.ft.posted:
		fn()
		if c.ft.reset {
			c.ft.reset = false
			c.dec.Reset()
		}
	case <-time.After(10 * time.Second):
		c.t.Fatal("no worker result posted within 10s")
	}
}

// expect checks that the output so far contains every want, then clears it.
func (c *client) expect(want ...string) string {
	c.t.Helper()
	got := c.ft.out.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			c.t.Fatalf("output lacks %q:\n%s", w, got)
		}
	}
	c.ft.out.Reset()
	return got
}

const openStream = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

func plainAuth(user, pass string) string {
	return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + b64("\x00"+user+"\x00"+pass) + "</auth>"
}

// login registers (when pass is new), authenticates and binds res.
func (c *client) login(user, pass, res string) {
	c.t.Helper()
	c.send(openStream)
	c.expect("<stream:features>")
	c.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>" + user + "</username><password>" + pass + "</password></query></iq>")
	out := c.expect("id='reg'")
	if !strings.Contains(out, "type='result'") && !strings.Contains(out, "<conflict") {
		c.t.Fatalf("registration failed: %s", out)
	}
	c.send(plainAuth(user, pass))
	c.expect("<success")
	c.send(openStream)
	c.expect("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>")
	c.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + res + "</resource></bind></iq>")
	c.expect("<jid>" + user + "@localhost/" + res + "</jid>")
}

// pumpFor runs posted functions for up to ms milliseconds.
func (c *client) pumpFor(ms int) {
	deadline := time.After(time.Duration(ms) * time.Millisecond)
	for {
		select {
		case fn := <-c.ft.posted:
			fn()
			return
		case <-deadline:
			return
		}
	}
}

// expectEventually runs posted worker results until the output contains
// every want (bounded; for replies computed on a worker), then clears it.
func (c *client) expectEventually(want ...string) string {
	c.t.Helper()
	for range 400 {
		got := c.ft.out.String()
		all := true
		for _, w := range want {
			if !strings.Contains(got, w) {
				all = false
				break
			}
		}
		if all {
			c.ft.out.Reset()
			return got
		}
		c.pumpFor(5)
	}
	return c.expect(want...)
}
