package component

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"xmppd/codec"
	"xmppd/engine"
	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/internal/jid"
	"xmppd/storage"
	"xmppd/storage/memstore"
)

// Integration: the component listener, the c2s engine and a real session
// server on loopback, driven by raw sockets.

const gwDomain = "gw.localhost"

type system struct {
	comp   *Listener
	c2s    *engine.Listener
	srv    *session.Server
	router *Router
	store  *memstore.Store
}

func startSystem(t *testing.T, mod func(*Config)) *system {
	t.Helper()
	cr, err := NewRouter(RouterConfig{Secrets: map[string]string{gwDomain: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	srv, err := session.NewServer(session.Config{
		Domains:           []string{"localhost"},
		Store:             store,
		Router:            router.New(),
		AllowPlainInClear: true,
		Workers:           2,
		Components:        cr,
		ScramIterations:   64, // tests log in many users; strength is not the point here

		RegistrationsPerIPPerHour: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	c2s, err := engine.Start(engine.Config{Addr: "127.0.0.1:0", Sessions: srv, Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Addr: "127.0.0.1:0", Router: cr, Server: srv, Domain: "localhost", Loops: 2}
	if mod != nil {
		mod(&cfg)
	}
	comp, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := comp.Shutdown(ctx); err != nil {
			t.Errorf("component shutdown: %v", err)
		}
		if err := c2s.Shutdown(ctx); err != nil {
			t.Errorf("c2s shutdown: %v", err)
		}
		srv.Close()
		if n := comp.Stats.Panics.Load(); n != 0 {
			t.Errorf("%d panics", n)
		}
	})
	return &system{comp: comp, c2s: c2s, srv: srv, router: cr, store: store}
}

// peer speaks XML by hand over a socket; reads are bounded by a deadline so
// a broken server fails the test instead of hanging it.
type peer struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex // guards seen (read by waitFor, filled by readers)
	seen strings.Builder
}

func dialPeer(t *testing.T, addr string) *peer {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &peer{t: t, conn: c, r: bufio.NewReader(c)}
}

func (p *peer) send(s string) {
	p.t.Helper()
	if _, err := p.conn.Write([]byte(s)); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// waitFor reads until the input holds want and returns everything up to
// and including it; the rest stays for the next call.
func (p *peer) waitFor(want string) string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 4096)
	for !strings.Contains(p.seen.String(), want) {
		_ = p.conn.SetReadDeadline(deadline)
		n, err := p.r.Read(buf)
		p.seen.Write(buf[:n])
		if err != nil {
			p.t.Fatalf("waiting for %q: %v; got %q", want, err, p.seen.String())
		}
	}
	out := p.seen.String()
	i := strings.Index(out, want) + len(want)
	p.seen.Reset()
	p.seen.WriteString(out[i:])
	return out[:i]
}

// quiet reads for d and returns what arrived (nothing, usually).
func (p *peer) quiet(d time.Duration) string {
	buf := make([]byte, 4096)
	_ = p.conn.SetReadDeadline(time.Now().Add(d))
	for {
		n, err := p.r.Read(buf)
		p.seen.Write(buf[:n])
		if err != nil {
			out := p.seen.String()
			p.seen.Reset()
			return out
		}
	}
}

// waitClosed reads until the server closes the connection.
func (p *peer) waitClosed() string {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, err := p.r.Read(buf)
		p.seen.Write(buf[:n])
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				p.t.Fatalf("connection not closed; got %q", p.seen.String())
			}
			return p.seen.String()
		}
	}
}

var idRE = regexp.MustCompile(`id='([0-9a-f]+)'`)

// component connects an instance of the gateway and completes the
// handshake.
func (s *system) component(t *testing.T) *peer {
	t.Helper()
	p := dialPeer(t, s.comp.Addr())
	p.send(header(gwDomain))
	hd := p.waitFor("'>")
	m := idRE.FindStringSubmatch(hd)
	if m == nil {
		t.Fatalf("header without an id: %q", hd)
	}
	p.send("<handshake>" + digest(m[1], "secret") + "</handshake>")
	p.waitFor("<handshake/>")
	return p
}

// waitConnections waits until the router has n connections for the
// gateway: attaching and detaching happen on the server's loops.
func (s *system) waitConnections(t *testing.T, n int) {
	t.Helper()
	for range 1000 {
		if s.router.Connections(gwDomain) == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%d gateway connections, want %d", s.router.Connections(gwDomain), n)
}

const c2sHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

// user registers user in-band, authenticates with PLAIN and binds res.
func (s *system) user(t *testing.T, user, res string) *peer {
	t.Helper()
	p := dialPeer(t, s.c2s.Addr())
	p.send(c2sHeader)
	p.waitFor("</stream:features>")
	p.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>" + user + "</username><password>pw</password></query></iq>")
	p.waitFor("id='reg'")
	p.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00pw")) + "</auth>")
	p.waitFor("<success")
	p.send(c2sHeader)
	p.waitFor("</stream:features>")
	p.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + res + "</resource></bind></iq>")
	p.waitFor("</iq>")
	return p
}

func TestListenerHandshake(t *testing.T) {
	s := startSystem(t, func(c *Config) { c.AuthTimeout = 300 * time.Millisecond; c.TimerResolution = 20 * time.Millisecond })
	t.Run("accepted", func(t *testing.T) {
		p := s.component(t)
		s.waitConnections(t, 1)
		p.send("</stream:stream>")
		if out := p.waitClosed(); !strings.HasSuffix(out, "</stream:stream>") {
			t.Fatalf("got %q", out)
		}
		s.waitConnections(t, 0)
	})
	t.Run("wrong secret", func(t *testing.T) {
		p := dialPeer(t, s.comp.Addr())
		p.send(header(gwDomain))
		hd := p.waitFor("'>")
		p.send("<handshake>" + digest(idRE.FindStringSubmatch(hd)[1], "guess") + "</handshake>")
		if out := p.waitClosed(); !strings.Contains(out, "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>") {
			t.Fatalf("got %q", out)
		}
	})
	t.Run("unknown domain", func(t *testing.T) {
		p := dialPeer(t, s.comp.Addr())
		p.send(header("icq.localhost"))
		if out := p.waitClosed(); !strings.Contains(out, "<host-unknown") {
			t.Fatalf("got %q", out)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		p := dialPeer(t, s.comp.Addr())
		p.send(header(gwDomain))
		if out := p.waitClosed(); !strings.Contains(out, "<connection-timeout") {
			t.Fatalf("got %q", out)
		}
		if s.comp.Stats.Timeouts.Load() == 0 {
			t.Fatal("no timeout counted")
		}
	})
	t.Run("split into bytes", func(t *testing.T) {
		p := dialPeer(t, s.comp.Addr())
		in := header(gwDomain)
		for i := range len(in) {
			p.send(in[i : i+1])
		}
		hd := p.waitFor("'>")
		hs := "<handshake>" + digest(idRE.FindStringSubmatch(hd)[1], "secret") + "</handshake>"
		for i := range len(hs) {
			p.send(hs[i : i+1])
		}
		p.waitFor("<handshake/>")
	})
}

func TestRoutingBothWays(t *testing.T) {
	s := startSystem(t, nil)
	gwc := s.component(t)
	alice := s.user(t, "alice", "r")
	s.waitConnections(t, 1)

	// User to gateway: stamped, in the component namespace.
	alice.send("<message to='icq-1@gw.localhost' type='chat' id='m1'><body>to ICQ</body></message>")
	got := gwc.waitFor("</message>")
	if !strings.Contains(got, "from='alice@localhost/r'") || !strings.Contains(got, "to ICQ") || strings.Contains(got, "xmlns=") {
		t.Fatalf("gateway got %q", got)
	}
	// A stanza that declares jabber:client (BOSH clients do) loses it.
	alice.send("<message xmlns='jabber:client' to='icq-1@gw.localhost' id='m2'><body>declared</body></message>")
	if got := gwc.waitFor("</message>"); strings.Contains(got, "jabber:client") || !strings.Contains(got, "declared") {
		t.Fatalf("gateway got %q", got)
	}

	// Gateway to user.
	gwc.send("<message from='icq-1@gw.localhost' to='alice@localhost/r' type='chat'><body>from ICQ</body></message>")
	if got := alice.waitFor("</message>"); !strings.Contains(got, "from='icq-1@gw.localhost'") || !strings.Contains(got, "from ICQ") {
		t.Fatalf("alice got %q", got)
	}
	// With the component namespace declared: the client never sees it.
	gwc.send("<message xmlns='jabber:component:accept' from='icq-1@gw.localhost' to='alice@localhost/r'><body>declared too</body></message>")
	if got := alice.waitFor("</message>"); strings.Contains(got, "component") || !strings.Contains(got, "declared too") {
		t.Fatalf("alice got %q", got)
	}
	// An iq to a user who is not there bounces to the gateway.
	gwc.send("<iq type='get' id='v1' from='gw.localhost' to='nobody@localhost/x'><query xmlns='jabber:iq:version'/></iq>")
	if got := gwc.waitFor("</iq>"); !strings.Contains(got, "type='error'") || !strings.Contains(got, "<service-unavailable") || !strings.Contains(got, "id='v1'") {
		t.Fatalf("gateway got %q", got)
	}
	// A foreign 'from' ends the gateway's stream.
	gwc.send("<message from='bob@localhost' to='alice@localhost/r'><body>spoof</body></message>")
	if out := gwc.waitClosed(); !strings.Contains(out, "<invalid-from") {
		t.Fatalf("got %q", out)
	}
	if out := alice.quiet(200 * time.Millisecond); strings.Contains(out, "spoof") {
		t.Fatal("a spoofed stanza was delivered")
	}
	// No gateway: the user's stanza bounces.
	s.waitConnections(t, 0)
	alice.send("<message to='icq-1@gw.localhost' type='chat' id='m3'><body>nobody there</body></message>")
	if got := alice.waitFor("</message>"); !strings.Contains(got, "type='error'") || !strings.Contains(got, "<service-unavailable") {
		t.Fatalf("alice got %q", got)
	}
}

// received collects the senders of the stanzas a gateway instance gets.
type received struct {
	mu    sync.Mutex // guards from
	from  map[string]int
	total int
}

func readMessages(t *testing.T, p *peer, rec *received, done *sync.WaitGroup) {
	defer done.Done()
	fromRE := regexp.MustCompile(`<message[^>]* from='([^'/]+)`)
	buf := make([]byte, 8192)
	var acc string
	for {
		_ = p.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := p.conn.Read(buf)
		acc += string(buf[:n])
		for {
			i := strings.Index(acc, "</message>")
			if i < 0 {
				break
			}
			if m := fromRE.FindStringSubmatch(acc[:i]); m != nil {
				rec.mu.Lock()
				rec.from[m[1]]++
				rec.total++
				rec.mu.Unlock()
			}
			acc = acc[i+len("</message>"):]
		}
		if err != nil {
			return
		}
	}
}

// Three gateway instances: each user's stanzas stick to one instance;
// when one disconnects, exactly its users move to the other two.
func TestStickyBalancingAndRehash(t *testing.T) {
	s := startSystem(t, nil)
	const users = 30
	var gws []*peer
	recs := make([]*received, 3)
	var readers sync.WaitGroup
	for i := range 3 {
		g := s.component(t)
		gws = append(gws, g)
		recs[i] = &received{from: map[string]int{}}
		readers.Add(1)
		go readMessages(t, g, recs[i], &readers)
	}
	s.waitConnections(t, 3)
	clients := make([]*peer, users)
	for i := range users {
		clients[i] = s.user(t, fmt.Sprint("user", i), "r")
	}
	sendRound := func(round int) {
		for _, c := range clients {
			for k := range 3 {
				c.send(fmt.Sprintf("<message to='contact%d@gw.localhost' type='chat' id='r%d-%d'><body>round %d</body></message>", k, round, k, round))
			}
		}
	}
	waitTotal := func(want int) {
		for range 2000 {
			n := 0
			for _, r := range recs {
				r.mu.Lock()
				n += r.total
				r.mu.Unlock()
			}
			if n >= want {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("gateways got fewer than %d messages", want)
	}
	ownerOf := func() map[string]int {
		own := map[string]int{}
		for i, r := range recs {
			r.mu.Lock()
			for u := range r.from {
				if prev, ok := own[u]; ok && prev != i {
					t.Errorf("%s's messages reached instances %d and %d", u, prev, i)
				}
				own[u] = i
			}
			r.mu.Unlock()
		}
		return own
	}
	sendRound(1)
	waitTotal(users * 3)
	before := ownerOf()
	per := map[int]int{}
	for _, o := range before {
		per[o]++
	}
	if len(before) != users || len(per) != 3 {
		t.Fatalf("users per instance: %v (of %d users)", per, len(before))
	}
	for _, r := range recs {
		r.mu.Lock()
		for u, n := range r.from {
			if n != 3 {
				t.Errorf("%s: %d of its 3 messages on one instance", u, n)
			}
		}
		r.from = map[string]int{}
		r.total = 0
		r.mu.Unlock()
	}

	// Instance 0 goes away.
	gws[0].send("</stream:stream>")
	s.waitConnections(t, 2)
	sendRound(2)
	waitTotal(users * 3)
	after := ownerOf()
	for u, o := range after {
		switch {
		case o == 0:
			t.Errorf("%s still reached the departed instance", u)
		case before[u] != 0 && o != before[u]:
			t.Errorf("%s moved from instance %d to %d though its instance stayed", u, before[u], o)
		}
	}
	for _, c := range clients {
		c.conn.Close()
	}
	for _, g := range gws {
		g.conn.Close()
	}
	readers.Wait()
}

// A user with the gateway in the roster (subscription both) logs in: the
// gateway gets the initial presence and a probe (the login flow that
// connects the user to the legacy network), then unavailable on logout;
// the gateway's probe is answered.
func TestPresenceReachesGateway(t *testing.T) {
	s := startSystem(t, nil)
	gwc := s.component(t)
	s.waitConnections(t, 1)
	c := s.user(t, "jaques", "r")
	if _, err := s.store.PutRosterItem(storage.RosterItem{Owner: "jaques", Contact: gwDomain, Subscription: storage.SubscriptionBoth}); err != nil {
		t.Fatal(err)
	}
	c.send("<presence><status>on</status></presence>")
	got := gwc.waitFor("type='probe'")
	if !strings.Contains(got, "<status>on</status>") || !strings.Contains(got, "from='jaques@localhost/r'") || !strings.Contains(got, "to='gw.localhost'") {
		t.Fatalf("gateway got %q", got)
	}
	gwc.send("<presence from='icq-7@gw.localhost' to='jaques@localhost'><show>away</show></presence>")
	if got := c.waitFor("</presence>"); !strings.Contains(got, "from='icq-7@gw.localhost'") {
		t.Fatalf("user got %q", got)
	}
	gwc.send("<presence type='probe' from='gw.localhost' to='jaques@localhost'/>")
	if got := gwc.waitFor("</presence>"); !strings.Contains(got, "<status>on</status>") {
		t.Fatalf("probe answer %q", got)
	}
	c.send("</stream:stream>")
	c.waitClosed()
	if got := gwc.waitFor("/>"); !strings.Contains(got, "type='unavailable'") || !strings.Contains(got, "from='jaques@localhost/r'") {
		t.Fatalf("gateway got %q", got)
	}
}

// A component that stops reading is closed with policy-violation once its
// queue passes the cap, and its traffic goes to the other instance.
func TestSlowComponentClosed(t *testing.T) {
	s := startSystem(t, func(c *Config) {
		c.Limits = codec.Limits{MaxStanzaSize: 16 << 10}
		c.MaxOutbound = 64 << 10
	})
	slow := s.componentSmallBuffer(t)
	s.waitConnections(t, 1)
	body := strings.Repeat("x", 8000)
	to := jid.MustParse("icq@" + gwDomain)
	sent := 0
	for s.router.Connections(gwDomain) == 1 && sent < 64<<20 {
		b := []byte("<message from='alice@localhost/r' to='icq@gw.localhost'><body>" + body + "</body></message>")
		if !s.router.Deliver(to, b) {
			break
		}
		sent += len(b)
	}
	s.waitConnections(t, 0)
	if out := slow.waitClosed(); !strings.Contains(out, "<policy-violation") {
		t.Fatalf("no policy-violation in the last bytes: %q", out[max(0, len(out)-300):])
	}
	if s.comp.Stats.SlowClosed.Load() != 1 {
		t.Fatalf("SlowClosed = %d", s.comp.Stats.SlowClosed.Load())
	}
}

// componentSmallBuffer connects an instance whose socket receive buffer is
// small, so that a component that does not read backs up quickly.
func (s *system) componentSmallBuffer(t *testing.T) *peer {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", s.comp.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &peer{t: t, conn: c, r: bufio.NewReader(c)}
	p.send(header(gwDomain))
	hd := p.waitFor("'>")
	p.send("<handshake>" + digest(idRE.FindStringSubmatch(hd)[1], "secret") + "</handshake>")
	p.waitFor("<handshake/>")
	return p
}

func TestShutdown(t *testing.T) {
	s := startSystem(t, nil)
	gwc := s.component(t)
	s.waitConnections(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.comp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if out := gwc.waitClosed(); !strings.Contains(out, "<system-shutdown") {
		t.Fatalf("got %q", out)
	}
	if s.router.Connections(gwDomain) != 0 {
		t.Fatal("attached after shutdown")
	}
}

// A panic while serving one component connection closes that connection
// only.
func TestPanicIsolation(t *testing.T) {
	cr, _ := NewRouter(RouterConfig{Secrets: map[string]string{gwDomain: "secret"}})
	// One loop: the fake is not safe for concurrent use.
	in := &fakeInbound{panics: "boom@localhost"}
	l, err := Start(Config{Addr: "127.0.0.1:0", Router: cr, Server: in, Domain: "localhost", Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown(context.Background())
	s := &system{comp: l, router: cr}
	a := s.component(t)
	b := s.component(t)
	s.waitConnections(t, 2)
	a.send("<message from='gw.localhost' to='boom@localhost'/>")
	a.waitClosed()
	s.waitConnections(t, 1)
	b.send("<message from='gw.localhost' to='fine@localhost' id='ok'/><iq type='get' id='x' from='gw.localhost'/>")
	if got := b.waitFor("</iq>"); !strings.Contains(got, "<bad-request") {
		t.Fatalf("the other connection got %q", got)
	}
	if l.Stats.Panics.Load() != 1 {
		t.Fatalf("Panics = %d", l.Stats.Panics.Load())
	}
}
