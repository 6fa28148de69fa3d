package component

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"xmppd/codec"
	"xmppd/engine"
	"xmppd/engine/session"
	"xmppd/internal/jid"
)

// The component stream runs on the c2s engine's reactor.
var (
	_ engine.Stream        = (*stream)(nil)
	_ engine.Authenticated = (*stream)(nil)
	_ engine.UnsentHandler = (*stream)(nil)
	_ sink                 = (*stream)(nil)
)

// fakeInbound stands in for the session server: it records the stanzas it
// is given and refuses those whose 'to' it has a condition for.
type fakeInbound struct {
	got    []string
	refuse map[string]string // to -> condition
	panics string            // a 'to' that makes it panic
}

func (f *fakeInbound) RouteExternal(e codec.Element) string {
	to := string(e.Attr("to"))
	if f.panics != "" && to == f.panics {
		panic("fake inbound: " + to)
	}
	f.got = append(f.got, string(e.Raw()))
	return f.refuse[to]
}

// fakeTransport records what a stream sends and what is queued for it.
type fakeTransport struct {
	out    strings.Builder
	closed bool
	queued [][]byte // Enqueue (tests use one goroutine)
	full   bool     // Enqueue refuses, as over the cap
}

func (f *fakeTransport) Send(b []byte) { f.out.WriteString(string(b)) }
func (f *fakeTransport) Close()        { f.closed = true }
func (f *fakeTransport) Enqueue(b []byte) bool {
	if f.closed || f.full {
		return false
	}
	f.queued = append(f.queued, b)
	return true
}
func (f *fakeTransport) EnqueueAt(b []byte, _ int64) bool        { return f.Enqueue(b) }
func (f *fakeTransport) ReadAt() int64                           { return 0 }
func (f *fakeTransport) StanzaCounters() *session.StanzaCounters { return nil }
func (f *fakeTransport) StartTLS() error                         { return errors.New("fake: no TLS") }
func (f *fakeTransport) ResetStream()                            {}
func (f *fakeTransport) Post(func()) bool                        { return false }
func (f *fakeTransport) Resume()                                 {}
func (f *fakeTransport) Info() session.TransportInfo {
	return session.TransportInfo{Remote: netip.MustParseAddr("192.0.2.1")}
}

type streamHarness struct {
	t   *testing.T
	r   *Router
	in  *fakeInbound
	ft  *fakeTransport
	s   *stream
	dec *codec.Decoder
	env *env
}

func newStreamHarness(t *testing.T) *streamHarness {
	t.Helper()
	r := newTestRouter(t, BySender)
	in := &fakeInbound{refuse: map[string]string{}}
	e := &env{router: r, in: in, domain: "localhost", log: slog.New(slog.DiscardHandler), stats: &Stats{}, limits: codec.Limits{}.EnsureDefaults()}
	ft := &fakeTransport{}
	h := &streamHarness{t: t, r: r, in: in, ft: ft, env: e, dec: codec.NewDecoder(e.limits)}
	h.s = newStream(e, ft)
	return h
}

// feed decodes input and hands it to the stream, as a connection does.
func (h *streamHarness) feed(input string) {
	h.t.Helper()
	p := []byte(input)
	for len(p) > 0 && !h.s.IsClosed() {
		ev, n, err := h.dec.Next(p)
		if err != nil {
			h.s.HandleDecodeError(err)
			return
		}
		p = p[n:]
		switch ev {
		case codec.EventStreamStart:
			h.s.HandleHeader(h.dec.Header())
		case codec.EventElement:
			h.s.HandleElement(h.dec.Element())
		case codec.EventStreamEnd:
			h.s.HandleStreamEnd()
		}
	}
}

// output returns and forgets what the stream sent so far.
func (h *streamHarness) output() string {
	s := h.ft.out.String()
	h.ft.out.Reset()
	return s
}

func header(to string) string {
	return "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='" + to + "'>"
}

var streamIDRE = regexp.MustCompile(`<stream:stream [^>]*id='([0-9a-f]+)'`)

// open sends the header for gw and returns the stream id the server chose.
func (h *streamHarness) open() string {
	h.t.Helper()
	h.feed(header(gw))
	out := h.output()
	m := streamIDRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "xmlns='jabber:component:accept'") || !strings.Contains(out, "from='"+gw+"'") {
		h.t.Fatalf("header answer: %q", out)
	}
	return m[1]
}

func digest(id, secret string) string {
	sum := sha1.Sum([]byte(id + secret))
	return hex.EncodeToString(sum[:])
}

// established runs the handshake with the right secret.
func (h *streamHarness) established() {
	h.t.Helper()
	id := h.open()
	h.feed("<handshake>" + digest(id, "s3cret") + "</handshake>")
	if out := h.output(); out != "<handshake/>" || !h.s.Bound() {
		h.t.Fatalf("handshake answer %q, ready=%v", out, h.s.Bound())
	}
}

func (h *streamHarness) expectStreamError(cond string) {
	h.t.Helper()
	out := h.output()
	if !strings.Contains(out, "<stream:error><"+cond+" xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>") ||
		!strings.HasSuffix(out, "</stream:stream>") || !h.ft.closed || !h.s.IsClosed() {
		h.t.Fatalf("want stream error %s and close; got %q (closed=%v)", cond, out, h.ft.closed)
	}
}

func TestHandshakeDigest(t *testing.T) {
	// Computed independently: python3 -c "import hashlib;
	// print(hashlib.sha1(b'3BF96D32sNaIl').hexdigest())".
	if got := handshakeDigest("3BF96D32", "sNaIl"); got != "4ee59336f273e82d993ea83bc6a012c5788a872a" {
		t.Fatalf("got %s", got)
	}
}

func TestHandshake(t *testing.T) {
	t.Run("accepted", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		if h.r.Connections(gw) != 1 || h.env.stats.Authenticated.Load() != 1 {
			t.Fatal("not attached to the router")
		}
		h.feed("</stream:stream>")
		if out := h.output(); out != "</stream:stream>" || !h.ft.closed {
			t.Fatalf("close answer %q", out)
		}
		if h.r.Connections(gw) != 0 {
			t.Fatal("still attached after closing")
		}
	})
	t.Run("upper-case hex and white space", func(t *testing.T) {
		h := newStreamHarness(t)
		id := h.open()
		h.feed("<handshake>\n " + strings.ToUpper(digest(id, "s3cret")) + " </handshake>")
		if out := h.output(); out != "<handshake/>" {
			t.Fatalf("got %q", out)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		h := newStreamHarness(t)
		id := h.open()
		h.feed("<handshake>" + digest(id, "guess") + "</handshake>")
		h.expectStreamError("not-authorized")
		if h.r.Connections(gw) != 0 || h.env.stats.AuthFailed.Load() != 1 {
			t.Fatal("a failed handshake attached")
		}
	})
	t.Run("another stream's id", func(t *testing.T) {
		h := newStreamHarness(t)
		h.open()
		h.feed("<handshake>" + digest("0123456789abcdef", "s3cret") + "</handshake>")
		h.expectStreamError("not-authorized")
	})
	t.Run("empty", func(t *testing.T) {
		h := newStreamHarness(t)
		h.open()
		h.feed("<handshake/>")
		h.expectStreamError("not-authorized")
	})
	t.Run("stanza before the handshake", func(t *testing.T) {
		h := newStreamHarness(t)
		h.open()
		h.feed("<message from='gw.example' to='alice@localhost'><body>x</body></message>")
		h.expectStreamError("not-authorized")
		if len(h.in.got) != 0 {
			t.Fatal("routed before the handshake")
		}
	})
	t.Run("unknown domain", func(t *testing.T) {
		h := newStreamHarness(t)
		h.feed(header("nope.example"))
		out := h.ft.out.String()
		if !strings.HasPrefix(out, "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'") || !strings.Contains(out, "from='localhost'") {
			t.Fatalf("no header before the error: %q", out)
		}
		h.expectStreamError("host-unknown")
	})
	t.Run("a JID is not a domain", func(t *testing.T) {
		h := newStreamHarness(t)
		h.feed(header("user@" + gw))
		h.expectStreamError("host-unknown")
	})
	t.Run("domain in another case", func(t *testing.T) {
		h := newStreamHarness(t)
		h.feed(header("GW.Example"))
		if out := h.output(); !strings.Contains(out, "from='gw.example'") || h.s.phase != phHandshake {
			t.Fatalf("got %q", out)
		}
	})
	t.Run("client namespace", func(t *testing.T) {
		h := newStreamHarness(t)
		h.feed("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='" + gw + "'>")
		h.expectStreamError("invalid-namespace")
	})
	t.Run("malformed", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		h.feed("<message><body></message>")
		h.expectStreamError("not-well-formed")
		if h.r.Connections(gw) != 0 {
			t.Fatal("still attached")
		}
	})
}

func TestStanzasFromComponent(t *testing.T) {
	t.Run("routed", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		in := "<message from='icq-1@gw.example/r' to='alice@localhost' type='chat' id='m1'><body>hi</body></message>"
		h.feed(in)
		if len(h.in.got) != 1 || h.in.got[0] != in || h.output() != "" {
			t.Fatalf("routed %q", h.in.got)
		}
		h.feed("<presence from='gw.example' to='alice@localhost' type='probe'/>")
		if len(h.in.got) != 2 {
			t.Fatal("presence not routed")
		}
	})
	t.Run("foreign from", func(t *testing.T) {
		for _, from := range []string{"alice@localhost", "x@sub.gw.example", "gw.example.evil", "other.example", "not@@valid", ""} {
			t.Run(from, func(t *testing.T) {
				h := newStreamHarness(t)
				h.established()
				h.feed("<message from='" + from + "' to='alice@localhost'><body>x</body></message>")
				h.expectStreamError("invalid-from")
				if len(h.in.got) != 0 {
					t.Fatal("routed")
				}
			})
		}
	})
	t.Run("from in another case", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		h.feed("<message from='ICQ-1@GW.EXAMPLE' to='alice@localhost'><body>x</body></message>")
		if len(h.in.got) != 1 || h.s.IsClosed() {
			t.Fatal("refused a from that normalises to the domain")
		}
	})
	t.Run("no from is stamped", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		h.feed("<iq type='get' id='v1' to='alice@localhost'><query xmlns='jabber:iq:version'/></iq>")
		if len(h.in.got) != 1 || h.in.got[0] != "<iq type='get' id='v1' to='alice@localhost' from='gw.example'><query xmlns='jabber:iq:version'/></iq>" {
			t.Fatalf("routed %q", h.in.got)
		}
	})
	t.Run("no to bounces bad-request", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		h.feed("<message from='icq-1@gw.example' id='m2'><body>x</body></message>")
		out := h.output()
		if len(h.in.got) != 0 || !strings.HasPrefix(out, "<message type='error' id='m2' from='localhost' to='icq-1@gw.example'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>") {
			t.Fatalf("routed %q, sent %q", h.in.got, out)
		}
		h.feed("<message from='icq-1@gw.example' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")
		if out := h.output(); out != "" {
			t.Fatalf("an error was answered: %q", out)
		}
	})
	t.Run("refused bounces with the condition", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		h.in.refuse["nobody@localhost"] = "service-unavailable"
		h.feed("<iq type='get' id='q1' from='icq-1@gw.example/x' to='nobody@localhost'><query xmlns='jabber:iq:version'/></iq>")
		want := "<iq type='error' id='q1' from='nobody@localhost' to='icq-1@gw.example/x'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
		if out := h.output(); out != want {
			t.Fatalf("got  %s\nwant %s", out, want)
		}
		h.in.refuse["bad"] = "jid-malformed"
		h.feed("<message id='q2' from='icq-1@gw.example' to='bad'/>")
		if out := h.output(); !strings.Contains(out, "<error type='modify'><jid-malformed") {
			t.Fatalf("got %s", out)
		}
		h.feed("<iq type='error' id='q3' from='icq-1@gw.example' to='nobody@localhost'/>")
		if out := h.output(); out != "" {
			t.Fatalf("an error was answered: %q", out)
		}
		if h.s.IsClosed() {
			t.Fatal("a refused stanza closed the stream")
		}
	})
	t.Run("other namespaces and elements", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		h.feed("<message xmlns='jabber:server' from='gw.example' to='alice@localhost'/>")
		h.expectStreamError("invalid-namespace")
		h = newStreamHarness(t)
		h.established()
		h.feed("<handshake/>")
		h.expectStreamError("unsupported-stanza-type")
	})
	t.Run("jabber:client accepted", func(t *testing.T) {
		h := newStreamHarness(t)
		h.established()
		in := "<message xmlns='jabber:client' from='gw.example' to='alice@localhost'><body>x</body></message>"
		h.feed(in)
		if len(h.in.got) != 1 || h.in.got[0] != in {
			t.Fatalf("routed %q", h.in.got)
		}
	})
}

// Clients must never see the component namespace.
func TestNamespaceRewrite(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"declared on the stanza",
			"<message xmlns='jabber:component:accept' from='gw.example' to='alice@localhost'><body>x</body></message>",
			"<message from='gw.example' to='alice@localhost'><body>x</body></message>"},
		{"declared on a child",
			"<message from='gw.example' to='alice@localhost'><x xmlns='urn:x'><body xmlns='jabber:component:accept'>y</body></x></message>",
			"<message from='gw.example' to='alice@localhost'><x xmlns='urn:x'><body xmlns='jabber:client'>y</body></x></message>"},
		{"prefixed",
			"<c:message xmlns:c='jabber:component:accept' from='gw.example' to='alice@localhost'><c:body>z</c:body></c:message>",
			"<c:message xmlns:c='jabber:client' from='gw.example' to='alice@localhost'><c:body>z</c:body></c:message>"},
		{"behind a character reference, with from stamped",
			"<message xmlns='jabber&#58;component:accept' to='alice@localhost'><body>a &amp; b</body></message>",
			"<message to='alice@localhost' from='gw.example'><body>a &amp; b</body></message>"},
		{"mentioned in text only",
			"<message from='gw.example' to='alice@localhost'><body>jabber:component:accept &lt;3</body></message>",
			"<message from='gw.example' to='alice@localhost'><body>jabber:component:accept &lt;3</body></message>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newStreamHarness(t)
			h.established()
			h.feed(tc.in)
			if len(h.in.got) != 1 || h.in.got[0] != tc.want {
				t.Fatalf("routed %q\nwant     %q", h.in.got, tc.want)
			}
		})
	}
}

// The router holds the stream's connection only while it is authenticated.
func TestStreamAttachment(t *testing.T) {
	h := newStreamHarness(t)
	h.established()
	to := jid.MustParse("icq-1@" + gw)
	if !h.r.Deliver(to, []byte("<message to='icq-1@gw.example'/>")) {
		t.Fatal("not delivered to the connected stream")
	}
	if n := h.env.stats.Live.Load(); n != 1 {
		t.Fatalf("Live = %d while authenticated", n)
	}
	h.s.HandleClosed()
	h.s.HandleClosed()
	if h.r.Deliver(to, []byte("<message to='icq-1@gw.example'/>")) {
		t.Fatal("delivered after close")
	}
	if n := h.env.stats.Live.Load(); n != 0 {
		t.Fatalf("Live = %d after close", n)
	}
}
