package bosh

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/engine/sasl"
	"xmppd/engine/session"
	"xmppd/storage"
	"xmppd/storage/memstore"
)

// fakeClock is a Clock whose time moves only when the test says so.
type fakeClock struct {
	mu     sync.Mutex // guards the following fields
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	clk *fakeClock
	at  time.Time
	c   chan time.Time
	off bool // fired or stopped
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clk: c, at: c.now.Add(d), c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := !t.off
	t.off = true
	return was
}

// Advance moves time on and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	live := c.timers[:0]
	for _, t := range c.timers {
		if t.off {
			continue
		}
		if !t.at.After(c.now) {
			t.off = true
			t.c <- c.now
			continue
		}
		live = append(live, t)
	}
	c.timers = live
}

// waitHeld waits until exactly n requests are held.
func (e *env) waitHeld(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Stats.Held.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests held, want %d", e.srv.Stats.Held.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitPending waits until n requests in all wait for their turn (they
// overtook one with a lower rid), so that a test can send the missing one
// knowing the others arrived first.
func (e *env) waitPending(t *testing.T, n int) {
	t.Helper()
	pending := func() int {
		e.srv.mu.RLock()
		defer e.srv.mu.RUnlock()
		k := 0
		for _, b := range e.srv.sessions {
			b.mu.Lock()
			k += len(b.pend)
			b.mu.Unlock()
		}
		return k
	}
	deadline := time.Now().Add(5 * time.Second)
	for pending() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests waiting for their turn, want %d", pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// advance moves the fake clock on and runs the sweep, which answers held
// requests whose 'wait' is up.
func (e *env) advance(d time.Duration) {
	e.clk.Advance(d)
	e.srv.sweep(e.clk.Now())
}

// env is a session server with a store and router, and a BOSH server.
type env struct {
	t     testing.TB
	store *memstore.Store
	rt    *router.Router
	ss    *session.Server
	srv   *Server
	clk   *fakeClock // nil with the real clock
}

func newEnv(t testing.TB, fake bool, mod func(*Config), smod func(*session.Config)) *env {
	t.Helper()
	e := &env{t: t, store: memstore.New(), rt: router.New()}
	scfg := session.Config{
		Domains:           []string{"localhost", "example.org"},
		Store:             e.store,
		Router:            e.rt,
		AllowPlainInClear: true,
		ScramIterations:   4096,
		Workers:           2,
	}
	if smod != nil {
		smod(&scfg)
	}
	ss, err := session.NewServer(scfg)
	if err != nil {
		t.Fatal(err)
	}
	e.ss = ss
	cfg := Config{Sessions: ss, Users: e.store}
	if fake {
		e.clk = newFakeClock()
		cfg.Clock = e.clk
		cfg.SweepInterval = time.Hour // tests sweep by hand
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ss.Close()
	})
	return e
}

// addUser creates an account with password pass.
func (e *env) addUser(name, pass string) {
	e.t.Helper()
	c1, c256, err := sasl.NewCredentials(pass, 4096)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.CreateUser(storage.User{Name: name, SHA1: storage.ScramKeys(c1), SHA256: storage.ScramKeys(c256)}); err != nil {
		e.t.Fatal(err)
	}
}

// resp is a decoded response.
type resp struct {
	status int
	raw    string
	attrs  map[string]string
}

func (r resp) attr(name string) string { return r.attrs[name] }

func (r resp) terminated() bool { return r.attrs["type"] == "terminate" }

func parseResp(t testing.TB, status int, raw []byte) resp {
	t.Helper()
	dec := codec.NewFragmentDecoder(codec.Limits{MaxStanzaSize: 1 << 24}, "")
	ev, _, err := dec.Next(raw)
	if err != nil || ev != codec.EventElement {
		t.Fatalf("response is not one element (%v, %v): %q", ev, err, raw)
	}
	body := dec.Element()
	if !body.Is("body", nsHTTPBind) {
		t.Fatalf("response is not an httpbind body: %q", raw)
	}
	r := resp{status: status, raw: string(raw), attrs: map[string]string{}}
	for a := range body.Attrs() {
		if !a.IsNSDecl() {
			r.attrs[string(a.QName())] = string(a.Value())
		}
	}
	// Every payload must make sense on its own: decode each child again
	// without the wrapper's declarations, as a client's DOM would move it.
	for c := range body.Children() {
		if strings.HasPrefix(string(c.QName()), "stream:") {
			continue
		}
		d2 := codec.NewFragmentDecoder(codec.Limits{MaxStanzaSize: 1 << 24}, "")
		if ev, _, err := d2.Next(c.Copy()); err != nil || ev != codec.EventElement {
			t.Fatalf("payload %q does not stand alone: %v", c.Raw(), err)
		}
		if len(d2.Element().NS()) == 0 {
			t.Fatalf("payload %q has no namespace of its own", c.Raw())
		}
	}
	return r
}

// client speaks BOSH to an env, through dispatch (no HTTP) or through a
// transport set by the HTTP tests.
type client struct {
	t    testing.TB
	e    *env
	sid  string
	rid  uint64
	post func(body string) (int, []byte) // nil: dispatch
}

func (e *env) client() *client {
	return &client{t: e.t, e: e, rid: 1000}
}

func (c *client) do(body string) resp {
	c.t.Helper()
	var st int
	var raw []byte
	if c.post != nil {
		st, raw = c.post(body)
	} else {
		var ctype string
		raw, st, ctype = c.e.srv.serve([]byte(body), netip.MustParseAddr("127.0.0.1"), false)
		if ctype == "" {
			c.t.Fatal("no content type")
		}
	}
	return parseResp(c.t, st, raw)
}

// next returns a request wrapper with the next rid and extra attributes.
func (c *client) next(attrs, payload string) string {
	c.rid++
	return c.wrap(c.rid, attrs, payload)
}

func (c *client) wrap(rid uint64, attrs, payload string) string {
	s := fmt.Sprintf("<body xmlns='%s' xmlns:xmpp='%s' rid='%d' sid='%s'%s", nsHTTPBind, nsXBOSH, rid, c.sid, attrs)
	if payload == "" {
		return s + "/>"
	}
	return s + ">" + payload + "</body>"
}

// create opens a session with extra creation attributes.
func (c *client) create(attrs string) resp {
	c.t.Helper()
	for _, d := range []string{"wait='60'", "hold='1'", "ver='1.6'"} {
		if !strings.Contains(attrs, d[:strings.IndexByte(d, '=')+1]) {
			attrs += " " + d
		}
	}
	r := c.do(fmt.Sprintf("<body xmlns='%s' xmlns:xmpp='%s' rid='%d' to='localhost' xml:lang='en' xmpp:version='1.0' %s/>", nsHTTPBind, nsXBOSH, c.rid, attrs))
	c.sid = r.attr("sid")
	return r
}

// send posts payload with the next rid and returns the response.
func (c *client) send(payload string) resp {
	c.t.Helper()
	return c.do(c.next("", payload))
}

// login creates a session, authenticates with PLAIN, restarts and binds
// res; it returns the full JID.
func (c *client) login(user, pass, res string) string {
	c.t.Helper()
	r := c.create("")
	if !strings.Contains(r.raw, "<mechanism>PLAIN</mechanism>") {
		c.t.Fatalf("no PLAIN in %s", r.raw)
	}
	return c.login2(user, pass, res)
}

// login2 is login on a session already created.
func (c *client) login2(user, pass, res string) string {
	c.t.Helper()
	var r resp
	r = c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)) + "</auth>")
	if !strings.Contains(r.raw, "<success") {
		c.t.Fatalf("auth: %s", r.raw)
	}
	r = c.do(c.next(" xmpp:restart='true' to='localhost'", ""))
	if !strings.Contains(r.raw, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>") {
		c.t.Fatalf("restart: %s", r.raw)
	}
	r = c.send("<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + res + "</resource></bind></iq>")
	want := "<jid>" + user + "@localhost/" + res + "</jid>"
	if !strings.Contains(r.raw, want) {
		c.t.Fatalf("bind: %s", r.raw)
	}
	return user + "@localhost/" + res
}

// async runs a request on its own goroutine (it may be held).
func (c *client) async(body string) <-chan resp {
	ch := make(chan resp, 1)
	go func() { ch <- c.do(body) }()
	return ch
}

func recv(t *testing.T, ch <-chan resp) resp {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no response within 10s")
	}
	return resp{}
}

func notYet(t *testing.T, ch <-chan resp) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("answered too early: %s", r.raw)
	case <-time.After(30 * time.Millisecond):
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
