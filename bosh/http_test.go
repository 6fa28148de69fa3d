package bosh

import (
	"bufio"
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"xmppd/engine"
	"xmppd/engine/session"
	"xmppd/internal/jid"
	"xmppd/internal/selfcert"
)

// httpEnv is an env served over HTTP on a loopback port.
type httpEnv struct {
	*env
	url string
	hc  *http.Client
}

func newHTTPEnv(t *testing.T, mod func(*Config), smod func(*session.Config)) *httpEnv {
	t.Helper()
	e := newEnv(t, false, mod, smod)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.Serve(ln) }()
	scheme := "http"
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}
	if e.srv.cfg.TLS != nil {
		scheme = "https"
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	h := &httpEnv{env: e, url: scheme + "://" + ln.Addr().String() + DefaultPath, hc: &http.Client{Transport: tr, Timeout: 90 * time.Second}}
	t.Cleanup(tr.CloseIdleConnections)
	return h
}

// request does one HTTP request and returns the response with its body.
func (h *httpEnv) request(method, body string, hdr map[string]string) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return res, b
}

func (h *httpEnv) client() *client {
	c := h.env.client()
	c.post = func(body string) (int, []byte) {
		res, b := h.request("POST", body, nil)
		if ct := res.Header.Get("Content-Type"); ct != defaultContentType {
			h.t.Errorf("Content-Type %q", ct)
		}
		return res.StatusCode, b
	}
	return c
}

func TestHTTP(t *testing.T) {
	h := newHTTPEnv(t, func(c *Config) { c.AllowedOrigins = []string{"https://portal.example"} }, nil)
	h.addUser("alice", "secret")

	t.Run("login over HTTP", func(t *testing.T) {
		c := h.client()
		c.login("alice", "secret", "web")
		if r := c.send("<iq xmlns='jabber:client' type='get' id='v' to='localhost'><query xmlns='jabber:iq:version'/></iq>"); !strings.Contains(r.raw, "<name>xmppd</name>") {
			t.Fatal(r.raw)
		}
	})
	t.Run("methods and paths", func(t *testing.T) {
		if res, _ := h.request("GET", "", nil); res.StatusCode != 405 || res.Header.Get("Allow") != "POST, OPTIONS" {
			t.Fatalf("GET: %d %v", res.StatusCode, res.Header)
		}
		req, _ := http.NewRequest("POST", strings.TrimSuffix(h.url, DefaultPath)+"/other", nil)
		if res, err := h.hc.Do(req); err != nil || res.StatusCode != 404 {
			t.Fatalf("other path: %v %v", res, err)
		}
	})
	t.Run("malformed bodies are 400", func(t *testing.T) {
		for _, body := range []string{"", "<body", "<html/>", "not xml", "<body xmlns='" + nsHTTPBind + "' rid='x'/>"} {
			res, b := h.request("POST", body, nil)
			if res.StatusCode != 400 || !bytes.Contains(b, []byte("condition='bad-request'")) {
				t.Errorf("%q: %d %s", body, res.StatusCode, b)
			}
		}
	})
	t.Run("CORS", func(t *testing.T) {
		res, _ := h.request("OPTIONS", "", map[string]string{"Origin": "https://portal.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://portal.example" ||
			!strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
			t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
		}
		if res, _ := h.request("OPTIONS", "", map[string]string{"Origin": "https://evil.example"}); res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight from a foreign origin: %d %v", res.StatusCode, res.Header)
		}
		res, _ = h.request("POST", "<body xmlns='"+nsHTTPBind+"' rid='1' to='localhost' ver='1.11' xmpp:version='1.0' xmlns:xmpp='"+nsXBOSH+"'/>", map[string]string{"Origin": "https://portal.example"})
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://portal.example" || !slices.Contains(res.Header.Values("Vary"), "Origin") {
			t.Fatalf("POST: %d %v", res.StatusCode, res.Header)
		}
		if res, _ := h.request("POST", "<body/>", map[string]string{"Origin": "https://evil.example"}); res.StatusCode != 403 {
			t.Fatalf("POST from a foreign origin: %d", res.StatusCode)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		c := h.client()
		c.login("alice", "secret", "gz")
		big := strings.Repeat("lorem ipsum dolor sit amet ", 200)
		body := c.next("", "<message xmlns='jabber:client' to='alice@localhost/gz'><body>"+big+"</body></message>")
		res, raw := h.request("POST", body, map[string]string{"Accept-Encoding": "gzip, deflate"})
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("not compressed: %v", res.Header)
		}
		zr, err := stdgzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Contains(plain, []byte(big)) || len(raw) > len(plain)/4 {
			t.Fatalf("gzip body: %v, %d of %d bytes", err, len(raw), len(plain))
		}
		// Small responses go as they are.
		res, raw = h.request("POST", c.next("", "<iq xmlns='jabber:client' type='get' id='s'><ping xmlns='urn:xmpp:ping'/></iq>"), map[string]string{"Accept-Encoding": "gzip"})
		if res.Header.Get("Content-Encoding") != "" || !bytes.Contains(raw, []byte("id='s'")) {
			t.Fatalf("small response: %v %s", res.Header, raw)
		}
		// A gzip request body (the 'accept' of the creation response).
		var zb bytes.Buffer
		zw := stdgzip.NewWriter(&zb)
		zw.Write([]byte(c.next("", "<iq xmlns='jabber:client' type='get' id='z'><ping xmlns='urn:xmpp:ping'/></iq>")))
		zw.Close()
		res, raw = h.request("POST", zb.String(), map[string]string{"Content-Encoding": "gzip"})
		if res.StatusCode != 200 || !bytes.Contains(raw, []byte("id='z'")) {
			t.Fatalf("gzip request: %d %s", res.StatusCode, raw)
		}
	})
}

func TestForwardedFor(t *testing.T) {
	for _, trust := range []bool{false, true} {
		h := newHTTPEnv(t, func(c *Config) { c.TrustForwardedFor = trust }, nil)
		res, b := h.request("POST", "<body xmlns='"+nsHTTPBind+"' rid='1' to='localhost' ver='1.11' xmpp:version='1.0' xmlns:xmpp='"+nsXBOSH+"'/>",
			map[string]string{"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
		r := parseResp(t, res.StatusCode, b)
		s := h.srv.lookup([]byte(r.attr("sid")))
		want := "127.0.0.1"
		if trust {
			want = "203.0.113.9"
		}
		if got := s.Info().Remote.String(); got != want {
			t.Errorf("trust=%v: remote %s, want %s", trust, got, want)
		}
		// In-band registration is loopback-only by default: behind a
		// trusted proxy it is closed to the client.
		if reg := strings.Contains(r.raw, "iq-register"); reg == trust {
			t.Errorf("trust=%v: registration offered=%v", trust, reg)
		}
	}
}

func TestHTTPS(t *testing.T) {
	cert, _, err := selfcert.LoadOrCreate(selfcert.Options{Dir: t.TempDir(), Names: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHTTPEnv(t, func(c *Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}, func(c *session.Config) { c.AllowPlainInClear = false })
	h.addUser("alice", "secret")
	c := h.client()
	// PLAIN is offered only because the session knows it is encrypted.
	c.login("alice", "secret", "tls")
}

// tcpClient is a raw c2s client for the engine's TCP listener.
type tcpClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	seen strings.Builder
}

func dialTCP(t *testing.T, addr, user, pass, res string) *tcpClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &tcpClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	const hdr = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
	c.send(hdr)
	c.waitFor("</stream:features>")
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)) + "</auth>")
	c.waitFor("<success")
	c.send(hdr)
	c.waitFor("</stream:features>")
	c.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" + res + "</resource></bind></iq>")
	c.waitFor("</iq>")
	c.send("<presence/>")
	return c
}

func (c *tcpClient) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// waitFor reads until the input holds want and returns it up to there.
func (c *tcpClient) waitFor(want string) string {
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
	s := c.seen.String()
	i := strings.Index(s, want) + len(want)
	c.seen.Reset()
	c.seen.WriteString(s[i:])
	return s[:i]
}

// startTCP starts the engine's c2s listener on the env's session server.
func startTCP(t *testing.T, e *env) string {
	t.Helper()
	l, err := engine.Start(engine.Config{Addr: "127.0.0.1:0", Sessions: e.ss, Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Shutdown(ctx)
	})
	return l.Addr()
}

func TestBOSHAndTCP(t *testing.T) {
	h := newHTTPEnv(t, nil, nil)
	h.addUser("alice", "secret")
	h.addUser("bob", "secret")
	addr := startTCP(t, h.env)
	tc := dialTCP(t, addr, "bob", "secret", "tcp")

	a := h.client()
	a.login("alice", "secret", "web")

	// TCP -> BOSH: the held request returns as soon as the message lands.
	held := a.async(a.next("", "<presence xmlns='jabber:client'/>"))
	h.env.waitHeld(t, 1)
	notYet(t, held)
	tc.send("<message to='alice@localhost/web' type='chat' id='m1'><body>from tcp</body></message>")
	r := recv(t, held)
	if !strings.Contains(r.raw, "<message xmlns='jabber:client' to='alice@localhost/web' type='chat' id='m1' from='bob@localhost/tcp'><body>from tcp</body></message>") {
		t.Fatalf("BOSH side got %s", r.raw)
	}
	// BOSH -> TCP.
	held = a.async(a.next("", ""))
	a.async(a.next("", "<message xmlns='jabber:client' to='bob@localhost/tcp' type='chat' id='m2'><body>from bosh</body></message>"))
	got := tc.waitFor("</message>")
	if !strings.Contains(got, "id='m2'") || !strings.Contains(got, "from='alice@localhost/web'") || !strings.Contains(got, "from bosh") {
		t.Fatalf("TCP side got %s", got)
	}
	recv(t, held) // pushed out by the message request

	// Terminate: the BOSH resource goes away as a TCP disconnect would,
	// and a message to it waits offline for the next login, over BOSH.
	a.do(a.next(" type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>"))
	if h.rt.Lookup(jid.MustParse("alice@localhost/web")) != nil {
		t.Fatal("the terminated session is still bound")
	}
	tc.send("<message to='alice@localhost/web' type='chat' id='m3'><body>while you were away</body></message>")
	a2 := h.client()
	a2.rid = 9000
	a2.login("alice", "secret", "web2")
	held = a2.async(a2.next("", "<presence xmlns='jabber:client'/>"))
	got2 := recv(t, held).raw
	if !strings.Contains(got2, "while you were away") {
		got2 += recv(t, a2.async(a2.next("", ""))).raw
	}
	if !strings.Contains(got2, "while you were away") {
		t.Fatalf("no offline delivery over BOSH: %s", got2)
	}
}

// TestRoundTripLatency measures a message from a TCP client to a BOSH
// client and the BOSH client's answer back, over loopback.
func TestRoundTripLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("latency measurement")
	}
	h := newHTTPEnv(t, nil, nil)
	h.addUser("alice", "secret")
	h.addUser("bob", "secret")
	tc := dialTCP(t, startTCP(t, h.env), "bob", "secret", "tcp")
	a := h.client()
	a.login("alice", "secret", "web")
	const n = 1000
	lat := make([]time.Duration, 0, n)
	held := a.async(a.next("", ""))
	for i := range n {
		start := time.Now()
		tc.send("<message to='alice@localhost/web' type='chat'><body>ping</body></message>")
		if r := recv(t, held); !strings.Contains(r.raw, "ping") {
			t.Fatalf("round %d: %s", i, r.raw)
		}
		held = a.async(a.next("", "<message xmlns='jabber:client' to='bob@localhost/tcp' type='chat'><body>pong</body></message>"))
		tc.waitFor("pong</body></message>")
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	t.Logf("TCP->BOSH->TCP round trip over %d messages: p50 %v p90 %v p99 %v max %v",
		n, lat[n/2], lat[n*9/10], lat[n*99/100], lat[n-1])
}
