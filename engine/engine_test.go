package engine

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/engine/tlspipe"
	"xmppd/internal/jid"
	"xmppd/internal/selfcert"
	"xmppd/storage/memstore"
)

type testServer struct {
	l   *Listener
	srv *session.Server
}

func startServer(t testing.TB, mod func(*Config), smod func(*session.Config)) *testServer {
	t.Helper()
	scfg := session.Config{
		Domains:           []string{"localhost"},
		Store:             memstore.New(),
		Router:            router.New(),
		AllowPlainInClear: true,
		Workers:           2,
	}
	if smod != nil {
		smod(&scfg)
	}
	srv, err := session.NewServer(scfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Addr: "127.0.0.1:0", Sessions: srv, Loops: 2}
	if mod != nil {
		mod(&cfg)
	}
	l, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		srv.Close()
	})
	return &testServer{l: l, srv: srv}
}

func tlsConfig(t *testing.T) *tlspipe.Config {
	t.Helper()
	cert, _, err := selfcert.LoadOrCreate(selfcert.Options{Dir: t.TempDir(), Names: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	return &tlspipe.Config{
		TLS:        &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Handshaker: tlspipe.NewHandshaker(4, 1024),
	}
}

// rawClient speaks XMPP by hand over a socket; reads are bounded by a
// deadline so a broken server fails the test instead of hanging it.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	seen strings.Builder
}

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawClient{t: t, conn: c, r: bufio.NewReader(c)}
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// waitFor reads until the accumulated input contains want.
func (c *rawClient) waitFor(want string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 4096)
	for !strings.Contains(c.seen.String(), want) {
		c.conn.SetReadDeadline(deadline)
		n, err := c.r.Read(buf)
		c.seen.Write(buf[:n])
		if err != nil {
			c.t.Fatalf("waiting for %q: %v; got %q", want, err, c.seen.String())
		}
	}
	out := c.seen.String()
	i := strings.Index(out, want) + len(want)
	c.seen.Reset()
	c.seen.WriteString(out[i:])
	return out[:i]
}

// waitClosed reads until the server closes the connection.
func (c *rawClient) waitClosed() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, err := c.r.Read(buf)
		c.seen.Write(buf[:n])
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.t.Fatalf("connection not closed; got %q", c.seen.String())
			}
			return c.seen.String()
		}
	}
}

const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// login registers user, authenticates with PLAIN and binds res.
func (c *rawClient) login(user, pass, res string) {
	c.t.Helper()
	c.send(header)
	c.waitFor("</stream:features>")
	c.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>" + user + "</username><password>" + pass + "</password></query></iq>")
	c.waitFor("id='reg'")
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + b64("\x00"+user+"\x00"+pass) + "</auth>")
	c.waitFor("<success")
	c.send(header)
	c.waitFor("</stream:features>")
	c.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + res + "</resource></bind></iq>")
	c.waitFor("</iq>")
}

func TestLoginAndMessageAcrossConnections(t *testing.T) {
	ts := startServer(t, nil, nil)
	a := dial(t, ts.l.Addr())
	a.login("alice", "pw", "a")
	b := dial(t, ts.l.Addr())
	b.login("bob", "pw", "b")
	a.send("<message to='bob@localhost/b' type='chat' id='m1'><body>hello bob</body></message>")
	got := b.waitFor("</message>")
	if !strings.Contains(got, "from='alice@localhost/a'") || !strings.Contains(got, "hello bob") {
		t.Fatalf("bob got %q", got)
	}
	b.send("<message to='alice@localhost/a' type='chat' id='m2'><body>hi alice</body></message>")
	if got := a.waitFor("</message>"); !strings.Contains(got, "hi alice") {
		t.Fatalf("alice got %q", got)
	}
	a.send("</stream:stream>")
	if out := a.waitClosed(); !strings.Contains(out, "</stream:stream>") {
		t.Fatalf("no closing tag: %q", out)
	}
}

func TestMalformedXMLThenNewConnection(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := dial(t, ts.l.Addr())
	c.send(header + "<message><body>unclosed</message>")
	if out := c.waitClosed(); !strings.Contains(out, "<not-well-formed") {
		t.Fatalf("got %q", out)
	}
	d := dial(t, ts.l.Addr())
	d.send(header)
	d.waitFor("</stream:features>")
}

func TestStartTLS(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.TLS = tlsConfig(t) }, nil)
	c := dial(t, ts.l.Addr())
	c.send(header)
	c.waitFor("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	c.waitFor("</stream:features>")
	c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	c.waitFor("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
	if err := tc.HandshakeContext(context.Background()); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	sc := &rawClient{t: t, conn: tc, r: bufio.NewReader(tc)}
	sc.login("carol", "pw", "tls")
	sc.send("<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
	sc.waitFor("id='p'")
}

func TestDirectTLS(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.TLS = tlsConfig(t); c.DirectTLS = true }, nil)
	raw, err := net.DialTimeout("tcp", ts.l.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
	c := &rawClient{t: t, conn: tc, r: bufio.NewReader(tc)}
	c.login("dave", "pw", "direct")
	c.send("<iq type='get' id='v' to='localhost'><query xmlns='jabber:iq:version'/></iq>")
	c.waitFor("<name>xmppd</name>")
}

func TestAuthTimeout(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.AuthTimeout = 200 * time.Millisecond; c.TimerResolution = 20 * time.Millisecond }, nil)
	c := dial(t, ts.l.Addr())
	c.send(header)
	if out := c.waitClosed(); !strings.Contains(out, "<connection-timeout") {
		t.Fatalf("got %q", out)
	}
}

func TestKeepalivePing(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.PingInterval = 200 * time.Millisecond
		c.PingTimeout = 300 * time.Millisecond
		c.TimerResolution = 20 * time.Millisecond
	}, nil)
	c := dial(t, ts.l.Addr())
	c.login("erin", "pw", "r")
	got := c.waitFor("<ping xmlns='urn:xmpp:ping'/></iq>")
	i := strings.Index(got, "id='ping-")
	id := got[i+4 : i+4+strings.Index(got[i+4:], "'")]
	c.send("<iq type='result' id='" + id + "' to='localhost'/>")
	// Answered pings keep the stream; an unanswered one ends it.
	c.waitFor("<ping xmlns='urn:xmpp:ping'/></iq>")
	if out := c.waitClosed(); !strings.Contains(out, "<connection-timeout") {
		t.Fatalf("got %q", out)
	}
}

func TestSlowConsumerClosed(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxOutbound = 64 << 10 }, nil)
	reader := dial(t, ts.l.Addr())
	reader.login("slow", "pw", "r")
	writer := dial(t, ts.l.Addr())
	writer.login("fast", "pw", "w")
	body := strings.Repeat("x", 8000)
	// The reader never reads; the server must close it, not buffer forever.
	deadline := time.Now().Add(20 * time.Second)
	for ts.l.Stats.SlowClosed.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("slow consumer never closed")
		}
		writer.send("<message to='slow@localhost/r'><body>" + body + "</body></message>")
	}
	writer.send("<iq type='get' id='alive' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
	writer.waitFor("id='alive'")
}

func TestConnectionLimits(t *testing.T) {
	adm := &Admission{MaxConnsPerIP: 2}
	ts := startServer(t, func(c *Config) { c.Admission = adm }, nil)
	a := dial(t, ts.l.Addr())
	a.send(header)
	a.waitFor("</stream:features>")
	b := dial(t, ts.l.Addr())
	b.send(header)
	b.waitFor("</stream:features>")
	c := dial(t, ts.l.Addr())
	c.waitClosed()
	if ts.l.Stats.Refused.Load() != 1 {
		t.Fatalf("refused %d", ts.l.Stats.Refused.Load())
	}
}

func TestSystemShutdown(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := dial(t, ts.l.Addr())
	c.login("frank", "pw", "r")
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { done <- ts.l.Shutdown(ctx) }()
	if out := c.waitClosed(); !strings.Contains(out, "<system-shutdown") {
		t.Fatalf("got %q", out)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// It returned because the last connection closed, not because its
	// deadline passed.
	if ctx.Err() != nil {
		t.Fatalf("Shutdown waited out its deadline: %v", ctx.Err())
	}
}

// TestPanicClosesOnlyThatSession: a panic while handling one session's
// stanza closes that session; the others, on the same loops, go on.
func TestPanicClosesOnlyThatSession(t *testing.T) {
	ts := startServer(t, nil, func(c *session.Config) {
		c.Filter = func(_ jid.JID, e codec.Element) bool {
			if string(e.Attr("id")) == "boom" {
				panic("injected fault")
			}
			return true
		}
	})
	victim := dial(t, ts.l.Addr())
	victim.login("victim", "pw", "r")
	others := make([]*rawClient, 4)
	for i := range others {
		others[i] = dial(t, ts.l.Addr())
		others[i].login("other"+string(rune('a'+i)), "pw", "r")
	}
	victim.send("<message id='boom' to='othera@localhost/r'><body>x</body></message>")
	victim.waitClosed()
	if ts.l.Stats.Panics.Load() != 1 {
		t.Fatalf("panics counted: %d", ts.l.Stats.Panics.Load())
	}
	for i, c := range others {
		c.send("<iq type='get' id='alive' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
		c.waitFor("id='alive'")
		next := others[(i+1)%len(others)]
		c.send("<message to='" + "other" + string(rune('a'+(i+1)%len(others))) + "@localhost/r' id='m'><body>still here</body></message>")
		next.waitFor("still here")
	}
	d := dial(t, ts.l.Addr())
	d.login("newcomer", "pw", "r")
}

// TestScramPlusOverStartTLS: on TLS 1.3 the server offers SCRAM-SHA-256-PLUS
// and a real SCRAM client binds the exchange to the connection with
// tls-exporter (RFC 9266).
func TestScramPlusOverStartTLS(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.TLS = tlsConfig(t) }, nil)
	c := dial(t, ts.l.Addr())
	c.send(header)
	c.waitFor("</stream:features>")
	c.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>plus</username><password>pw</password></query></iq>")
	c.waitFor("id='reg'")
	c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	c.waitFor("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", MinVersion: tls.VersionTLS13})
	if err := tc.HandshakeContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	sc := &rawClient{t: t, conn: tc, r: bufio.NewReader(tc)}
	sc.send(header)
	if f := sc.waitFor("</stream:features>"); !strings.Contains(f, "<mechanism>SCRAM-SHA-256-PLUS</mechanism>") {
		t.Fatalf("no -PLUS offered over TLS 1.3: %s", f)
	}
	state := tc.ConnectionState()
	cb, err := scram.NewTLSExporterBinding(&state)
	if err != nil {
		t.Fatal(err)
	}
	client, err := scram.SHA256.NewClient("plus", "pw", "")
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversationWithChannelBinding(cb)
	first, err := conv.Step("")
	if err != nil {
		t.Fatal(err)
	}
	sc.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256-PLUS'>" + b64(first) + "</auth>")
	ch := sc.waitFor("</challenge>")
	chal := ch[strings.Index(ch, ">")+1 : strings.LastIndex(ch, "</challenge>")]
	raw, _ := base64.StdEncoding.DecodeString(chal)
	final, err := conv.Step(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	sc.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64(final) + "</response>")
	ok := sc.waitFor("</success>")
	v := ok[strings.Index(ok, ">")+1 : strings.LastIndex(ok, "</success>")]
	raw, _ = base64.StdEncoding.DecodeString(v)
	if _, err := conv.Step(string(raw)); err != nil || !conv.Valid() {
		t.Fatalf("server signature not verified: %v", err)
	}
}
