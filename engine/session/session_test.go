package session

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"xmppd/engine/extauth"
)

func TestStreamHeaderErrors(t *testing.T) {
	tests := []struct {
		name, header, want string
	}{
		{"unknown host", "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>", "<host-unknown"},
		{"no to", "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>", "<host-unknown"},
		{"wrong content namespace", "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>", "<invalid-namespace"},
		{"no version", "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost'>", "<unsupported-version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestServer(t, nil).testClient(t)
			c.send(tc.header)
			out := c.expect("<stream:stream", tc.want, "</stream:stream>")
			if !c.ft.closed {
				t.Fatalf("stream not closed after %s", out)
			}
		})
	}
}

func TestFeaturesBeforeAuth(t *testing.T) {
	t.Run("loopback offers registration and SCRAM", func(t *testing.T) {
		c := newTestServer(t, nil).testClient(t)
		c.send(openStream)
		c.expect("<mechanism>SCRAM-SHA-256</mechanism>", "<mechanism>SCRAM-SHA-1</mechanism>", "<register xmlns='http://jabber.org/features/iq-register'/>")
	})
	t.Run("remote address gets no registration", func(t *testing.T) {
		c := newTestServer(t, nil).testClient(t)
		c.ft.remote = netip.MustParseAddr("192.0.2.1")
		c.send(openStream)
		if out := c.expect("<mechanisms"); strings.Contains(out, "iq-register") {
			t.Fatalf("registration offered to a remote address: %s", out)
		}
	})
	t.Run("required TLS hides SASL", func(t *testing.T) {
		c := newTestServer(t, func(cfg *Config) { cfg.TLS = TLSRequired }).testClient(t)
		c.ft.canTLS = true
		c.send(openStream)
		if out := c.expect("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"); strings.Contains(out, "<mechanisms") {
			t.Fatalf("SASL offered before required TLS: %s", out)
		}
		c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
		c.expect("<proceed")
		if !c.ft.secure {
			t.Fatal("transport not switched to TLS")
		}
		c.send(openStream)
		c.expect("<mechanisms", "<mechanism>PLAIN</mechanism>")
	})
}

func TestLoginAndBind(t *testing.T) {
	srv := newTestServer(t, nil)
	c := srv.testClient(t)
	c.login("alice", "secret", "phone")
	if !c.s.Bound() || c.s.JID().String() != "alice@localhost/phone" {
		t.Fatalf("bound %v as %s", c.s.Bound(), c.s.JID())
	}
	if srv.Router().Lookup(c.s.JID()) != c.s {
		t.Fatal("session not in the router")
	}
	c.send("<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
	c.expect("type='result'", "id='s1'")
}

func TestGeneratedResource(t *testing.T) {
	c := newTestServer(t, nil).testClient(t)
	c.send(openStream)
	c.send("<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>bob</username><password>pw</password></query></iq>")
	c.send(plainAuth("bob", "pw"))
	c.send(openStream)
	c.expect("<success")
	c.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
	c.expect("<jid>bob@localhost/xmppd-")
}

func TestAuthFailures(t *testing.T) {
	srv := newTestServer(t, nil)
	c := srv.testClient(t)
	c.send(openStream)
	c.send("<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>carol</username><password>right</password></query></iq>")
	c.expect("type='result'")
	c.send(plainAuth("carol", "wrong"))
	c.expect("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>")
	c.send(plainAuth("nobody", "x"))
	c.expect("<not-authorized/>") // the same answer for an unknown user
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!notbase64</auth>")
	c.expect("<incorrect-encoding/>", "<policy-violation")
	if !c.ft.closed {
		t.Fatal("stream must close after the retry limit")
	}
	c2 := srv.testClient(t)
	c2.send(openStream)
	c2.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X-UNKNOWN'/>")
	c2.expect("<invalid-mechanism/>")
}

func TestAuthNoInitialResponse(t *testing.T) {
	c := newTestServer(t, nil).testClient(t)
	c.send(openStream)
	c.send("<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>dave</username><password>pw</password></query></iq>")
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>")
	c.expect("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
	c.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64("\x00dave\x00pw") + "</response>")
	c.expect("<success")
}

func TestStanzaBeforeAuth(t *testing.T) {
	c := newTestServer(t, nil).testClient(t)
	c.send(openStream)
	c.send("<message to='x@localhost'><body>hi</body></message>")
	c.expect("<not-authorized")
	if !c.ft.closed {
		t.Fatal("not closed")
	}
}

func TestBindConflictReplacesOldSession(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("erin", "pw", "same")
	b := srv.testClient(t)
	b.login("erin", "pw", "same")
	a.pump() // the kick is posted to the old session's loop
	a.expect("<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>")
	if !a.ft.closed || srv.Router().Lookup(b.s.JID()) != b.s {
		t.Fatal("old session must be closed and the new one bound")
	}
}

func TestRouting(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("romeo", "pw", "orchard")
	b := srv.testClient(t)
	b.login("juliet", "pw", "balcony")

	t.Run("full JID, from stamped", func(t *testing.T) {
		a.send("<message to='juliet@localhost/balcony' type='chat' id='m1'><body>hi</body></message>")
		got := b.ft.enqueued()
		if len(got) != 1 || !strings.Contains(got[0], "from='romeo@localhost/orchard'") || !strings.Contains(got[0], "<body>hi</body>") {
			t.Fatalf("delivered %q", got)
		}
	})
	t.Run("bare JID needs available presence", func(t *testing.T) {
		// Bound but not available: the message waits in offline storage
		// and arrives with the initial presence.
		a.send("<message to='juliet@localhost' type='chat' id='m2'><body>1</body></message>")
		for n := 0; n == 0; n, _ = srv.cfg.Store.OfflineCount("juliet") {
			a.pumpFor(5)
		}
		b.send("<presence><priority>5</priority></presence>")
		waitEnqueued(t, b, "id='m2'")
		a.send("<message to='juliet@localhost' type='chat' id='m3'><body>2</body></message>")
		waitEnqueued(t, b, "id='m3'")
	})
	t.Run("iq to a missing resource", func(t *testing.T) {
		a.send("<iq type='get' id='q1' to='juliet@localhost/nowhere'><ping xmlns='urn:xmpp:ping'/></iq>")
		a.expect("type='error'", "id='q1'", "<service-unavailable")
	})
	t.Run("iq to an unknown user", func(t *testing.T) {
		a.send("<iq type='get' id='q2' to='ghost@localhost/x'><ping xmlns='urn:xmpp:ping'/></iq>")
		a.expect("id='q2'", "<service-unavailable")
	})
	t.Run("unserved domain", func(t *testing.T) {
		a.send("<message to='someone@example.org' id='m4'><body>x</body></message>")
		a.expect("id='m4'", "<remote-server-not-found")
	})
	t.Run("malformed to", func(t *testing.T) {
		a.send("<message to='a@b@c' id='m5'><body>x</body></message>")
		a.expect("id='m5'", "<jid-malformed")
	})
	t.Run("spoofed from", func(t *testing.T) {
		c := srv.testClient(t)
		c.login("mallory", "pw", "r")
		c.send("<message from='juliet@localhost' to='romeo@localhost/orchard'><body>x</body></message>")
		c.expect("<invalid-from")
	})
}

func TestServerIQs(t *testing.T) {
	c := newTestServer(t, nil).testClient(t)
	c.login("frank", "pw", "r")
	tests := []struct {
		name, in string
		want     []string
	}{
		{"ping", "<iq type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>", []string{"type='result'", "id='p'"}},
		{"disco info", "<iq type='get' id='d' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
			[]string{"category='server'", "var='urn:xmpp:ping'", "var='jabber:iq:version'", "var='jabber:iq:register'"}},
		{"disco items", "<iq type='get' id='i' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", []string{"type='result'"}},
		{"version", "<iq type='get' id='v' to='localhost'><query xmlns='jabber:iq:version'/></iq>", []string{"<name>xmppd</name>"}},
		{"unknown namespace", "<iq type='get' id='u' to='localhost'><query xmlns='urn:example:nothing'/></iq>", []string{"type='error'", "<service-unavailable"}},
		{"two payloads", "<iq type='get' id='t' to='localhost'><a xmlns='x'/><b xmlns='y'/></iq>", []string{"<bad-request"}},
		{"no id", "<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>", []string{"<bad-request"}},
		{"registration info", "<iq type='get' id='g'><query xmlns='jabber:iq:register'/></iq>", []string{"<registered/>", "<username>frank</username>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.send(tc.in)
			c.expect(tc.want...)
		})
	}
}

func TestPasswordChangeAndRemoval(t *testing.T) {
	srv := newTestServer(t, nil)
	c := srv.testClient(t)
	c.login("gina", "old", "r")
	c.send("<iq type='set' id='c'><query xmlns='jabber:iq:register'><username>gina</username><password>new</password></query></iq>")
	c.expect("type='result'", "id='c'")
	d := srv.testClient(t)
	d.send(openStream)
	d.send(plainAuth("gina", "new"))
	d.expect("<success")
	c.send("<iq type='set' id='x'><query xmlns='jabber:iq:register'><remove/></query></iq>")
	c.expect("type='result'", "<not-authorized")
	if _, err := srv.cfg.Store.User("gina"); err == nil {
		t.Fatal("account still exists")
	}
}

func TestRegistrationErrors(t *testing.T) {
	t.Run("duplicate", func(t *testing.T) {
		c := newTestServer(t, nil).testClient(t)
		c.send(openStream)
		c.send("<iq type='set' id='1'><query xmlns='jabber:iq:register'><username>hank</username><password>a</password></query></iq>")
		c.send("<iq type='set' id='2'><query xmlns='jabber:iq:register'><username>hank</username><password>b</password></query></iq>")
		c.expect("id='2'", "<conflict")
	})
	t.Run("missing fields", func(t *testing.T) {
		c := newTestServer(t, nil).testClient(t)
		c.send(openStream)
		c.send("<iq type='set' id='1'><query xmlns='jabber:iq:register'><username>x</username></query></iq>")
		c.expect("<not-acceptable")
	})
	t.Run("disabled", func(t *testing.T) {
		c := newTestServer(t, func(cfg *Config) { cfg.Registration = RegisterOff }).testClient(t)
		c.send(openStream)
		c.send("<iq type='set' id='1'><query xmlns='jabber:iq:register'><username>x</username><password>y</password></query></iq>")
		c.expect("<not-allowed")
	})
	t.Run("rate limited", func(t *testing.T) {
		srv := newTestServer(t, func(cfg *Config) { cfg.RegistrationsPerIPPerHour = 2 })
		c := srv.testClient(t)
		c.send(openStream)
		for i, u := range []string{"r1", "r2", "r3"} {
			c.send("<iq type='set' id='" + u + "'><query xmlns='jabber:iq:register'><username>" + u + "</username><password>p</password></query></iq>")
			out := c.expect("id='" + u + "'")
			if i < 2 && !strings.Contains(out, "type='result'") || i == 2 && !strings.Contains(out, "<resource-constraint") {
				t.Fatalf("registration %d: %s", i, out)
			}
		}
	})
}

// TestEmptyIQBeforeAuth: an iq with no child before authentication is a
// stream error, not a panic (found by the BOSH tests).
func TestEmptyIQBeforeAuth(t *testing.T) {
	c := newTestServer(t, nil).testClient(t)
	c.send(openStream)
	c.send("<iq type='get' id='e'/>")
	c.expect("<not-authorized")
}

type portalStub map[string]string

func (p portalStub) VerifyPlain(user, password string) (bool, error) { return p[user] == password, nil }

// TestExternalAuthAndTokens: with a portal verifier, PLAIN is the only
// mechanism and the portal decides; an SSO token works as the password.
func TestExternalAuthAndTokens(t *testing.T) {
	tokens, err := extauth.NewTokens([]byte("k"), time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, func(c *Config) {
		c.External = portalStub{"pat": "from-portal"}
		c.Tokens = tokens
	})
	c := srv.testClient(t)
	c.send(openStream)
	if out := c.expect("<mechanism>PLAIN</mechanism>"); strings.Contains(out, "SCRAM") {
		t.Fatalf("SCRAM offered with external auth: %s", out)
	}
	c.send(plainAuth("pat", "wrong"))
	c.expect("<not-authorized/>")
	c.send(plainAuth("pat", "from-portal"))
	c.expect("<success")
	tok, _ := tokens.Issue("sam")
	d := srv.testClient(t)
	d.send(openStream)
	d.send(plainAuth("sam", tok))
	d.expect("<success")
}

// A keepalive ping is outstanding until a result with its id arrives; a
// result with another id (an old ping's, or anything else) leaves it, and
// each ping has a new id.
func TestKeepalivePingIDs(t *testing.T) {
	srv := newTestServer(t, nil)
	c := srv.testClient(t)
	c.login("kim", "pw", "r")
	c.ft.out.Reset()
	id := c.s.SendPing()
	if id == "" || !c.s.PingOutstanding() {
		t.Fatalf("SendPing = %q, outstanding %v", id, c.s.PingOutstanding())
	}
	c.expect("<iq type='get' id='"+id+"'", "<ping xmlns='urn:xmpp:ping'/>")
	if again := c.s.SendPing(); again != "" {
		t.Fatalf("a second ping while one is outstanding: %q", again)
	}
	c.send("<iq type='result' id='" + id + "x'/>")
	if !c.s.PingOutstanding() {
		t.Fatal("a result with another id ended the ping")
	}
	c.send("<iq type='result' id='" + id + "'/>")
	if c.s.PingOutstanding() {
		t.Fatal("the ping's result did not end it")
	}
	if next := c.s.SendPing(); next == "" || next == id {
		t.Fatalf("the next ping's id %q (the last was %q)", next, id)
	}
}
