package bosh

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"xmppd/internal/jid"
)

const wait = 60 * time.Second

func TestCreate(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	c := e.client()
	r := c.create(" ack='1'")
	for name, want := range map[string]string{
		"wait": "60", "hold": "1", "requests": "2", "inactivity": "60", "polling": "2",
		"maxpause": "120", "ver": "1.6", "from": "localhost", "xmpp:version": "1.0",
		"xmpp:restartlogic": "true", "ack": "1000", "secure": "true", "charsets": "UTF-8",
	} {
		if got := r.attr(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(c.sid) < 32 || r.attr("authid") == "" || r.terminated() {
		t.Errorf("sid %q authid %q: %s", c.sid, r.attr("authid"), r.raw)
	}
	if !strings.Contains(r.raw, "xmlns:stream='http://etherx.jabber.org/streams'") || !strings.Contains(r.raw, "<stream:features><mechanisms") {
		t.Errorf("no stream features: %s", r.raw)
	}
	if strings.Contains(r.raw, "<stream:stream") || strings.Contains(r.raw, "<?xml") {
		t.Errorf("stream header leaked into the body: %s", r.raw)
	}
	if e.srv.Count() != 1 {
		t.Errorf("%d sessions", e.srv.Count())
	}
}

func TestCreateErrors(t *testing.T) {
	e := newEnv(t, true, func(c *Config) { c.MaxWait = 30 * time.Second }, nil)
	for _, tc := range []struct {
		name, body, cond string
		status           int
	}{
		{"unknown host", "<body xmlns='" + nsHTTPBind + "' rid='1' to='nowhere' ver='1.11'/>", condHostUnknown, 200},
		{"no to", "<body xmlns='" + nsHTTPBind + "' rid='1' ver='1.11'/>", condImproperAddressing, 200},
		{"route elsewhere", "<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost' route='xmpp:elsewhere.net:5222' ver='1.11'/>", condHostUnknown, 200},
		{"route not xmpp", "<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost' route='http:localhost:80' ver='1.11'/>", condHostUnknown, 200},
		{"no rid", "<body xmlns='" + nsHTTPBind + "' to='localhost' ver='1.11'/>", condBadRequest, 400},
		{"rid too big", "<body xmlns='" + nsHTTPBind + "' rid='9007199254740992' to='localhost' ver='1.11'/>", condBadRequest, 400},
		{"bad ver", "<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost' ver='one'/>", condBadRequest, 400},
		{"bad content", "<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost' content='a&#10;b'/>", condBadRequest, 400},
		{"not a body", "<message xmlns='jabber:client'/>", condBadRequest, 400},
		{"wrong namespace", "<body xmlns='jabber:client' rid='1' to='localhost'/>", condBadRequest, 400},
		{"not xml", "hello", condBadRequest, 400},
		{"two bodies", "<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost'/><body xmlns='" + nsHTTPBind + "'/>", condBadRequest, 400},
		{"entity", "<!DOCTYPE body [<!ENTITY x 'y'>]><body xmlns='" + nsHTTPBind + "' rid='1' to='localhost'/>", condBadRequest, 400},
		{"legacy unknown host", "<body xmlns='" + nsHTTPBind + "' rid='1' to='nowhere'/>", condHostUnknown, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.client().do(tc.body)
			if r.status != tc.status || !r.terminated() || r.attr("condition") != tc.cond {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.status, tc.cond)
			}
		})
	}
	if e.srv.Count() != 0 {
		t.Fatalf("%d sessions left", e.srv.Count())
	}
	t.Run("wait capped, polling", func(t *testing.T) {
		c := e.client()
		r := c.create(" wait='600'")
		if r.attr("wait") != "30" {
			t.Fatalf("wait %s", r.attr("wait"))
		}
		c2 := e.client()
		r = c2.do("<body xmlns='" + nsHTTPBind + "' rid='5' to='localhost' wait='0' hold='1' ver='1.11' xmpp:version='1.0' xmlns:xmpp='" + nsXBOSH + "'/>")
		if r.attr("hold") != "0" || r.attr("requests") != "1" {
			t.Fatalf("polling session: %s", r.raw)
		}
	})
	t.Run("no xmpp:version", func(t *testing.T) {
		r := e.client().do("<body xmlns='" + nsHTTPBind + "' rid='5' to='localhost' ver='1.11'/>")
		if r.attr("condition") != condRemoteStreamError || !strings.Contains(r.raw, "<unsupported-version") {
			t.Fatalf("%s", r.raw)
		}
	})
}

func TestLoginAndHold(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	e.addUser("alice", "secret")
	e.addUser("bob", "secret")
	a := e.client()
	a.login("alice", "secret", "web")
	b := e.client()
	b.rid = 5000
	b.login("bob", "secret", "web")

	// An empty request is held until a stanza arrives for the session.
	held := a.async(a.next("", ""))
	e.waitHeld(t, 1)
	notYet(t, held)
	// Sending a message yields nothing for the sender: that request is
	// held in turn.
	bobHeld := b.async(b.next("", "<message xmlns='jabber:client' to='alice@localhost/web' type='chat'><body>hi</body></message>"))
	got := recv(t, held)
	if !strings.Contains(got.raw, "<message") || !strings.Contains(got.raw, "from='bob@localhost/web'") || !strings.Contains(got.raw, "<body>hi</body>") {
		t.Fatalf("held request: %s", got.raw)
	}

	// Empty at 'wait'.
	held = a.async(a.next("", ""))
	e.waitHeld(t, 2) // bob's held request and this one
	notYet(t, held)
	e.advance(wait)
	if got = recv(t, held); got.raw != string(emptyBody) {
		t.Fatalf("at wait: %s", got.raw)
	}
	if r := recv(t, bobHeld); strings.Contains(r.raw, "<message") {
		t.Fatalf("the sender got its own message: %s", r.raw)
	}

	// A newer request pushes the held one out, empty.
	first := a.async(a.next("", ""))
	e.waitHeld(t, 1)
	e.clk.Advance(3 * time.Second) // two empty requests closer than 'polling' are overactivity
	second := a.async(a.next("", ""))
	if got = recv(t, first); got.raw != string(emptyBody) {
		t.Fatalf("pushed out: %s", got.raw)
	}
	notYet(t, second)
	// The response to a request that sends a stanza goes to the oldest
	// held request (rid order), the new one is held.
	third := a.async(a.next("", "<iq xmlns='jabber:client' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"))
	got = recv(t, second)
	if !strings.Contains(got.raw, "id='p1'") || !strings.Contains(got.raw, "type='result'") {
		t.Fatalf("ping result not on the oldest request: %s", got.raw)
	}
	notYet(t, third)
	e.advance(wait)
	recv(t, third)
}

func TestRIDWindow(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	e.addUser("alice", "secret")
	e.addUser("bob", "secret")
	b := e.client()
	b.rid = 7000
	b.login("bob", "secret", "web")
	bobHeld := b.async(b.next("", ""))

	a := e.client()
	a.login("alice", "secret", "web")

	t.Run("out of order", func(t *testing.T) {
		msg := func(n string) string {
			return "<message xmlns='jabber:client' to='bob@localhost/web'><body>" + n + "</body></message>"
		}
		late := a.async(a.wrap(a.rid+2, "", msg("two")))
		e.waitPending(t, 1)
		notYet(t, late)
		early := a.async(a.wrap(a.rid+1, "", msg("one")))
		a.rid += 2
		recv(t, early)
		e.advance(wait)
		recv(t, late)
		got := recv(t, bobHeld).raw
		if !strings.Contains(got, "two") {
			got += b.send("").raw // queued already: answered at once
		}
		i, j := strings.Index(got, "one"), strings.Index(got, "two")
		if i < 0 || j < 0 || i > j {
			t.Fatalf("payloads out of rid order: %s", got)
		}
	})

	t.Run("resend gets the cached response", func(t *testing.T) {
		body := a.next("", "<iq xmlns='jabber:client' type='get' id='r1'><ping xmlns='urn:xmpp:ping'/></iq>")
		r1 := a.do(body)
		if !strings.Contains(r1.raw, "id='r1'") {
			t.Fatalf("%s", r1.raw)
		}
		r2 := a.do(body)
		if r2.raw != r1.raw {
			t.Fatalf("resend: %s, first %s", r2.raw, r1.raw)
		}
		if e.srv.Stats.Resends.Load() == 0 {
			t.Fatal("resend not counted")
		}
	})

	t.Run("resend of a held request takes its place", func(t *testing.T) {
		body := a.next("", "")
		first := a.async(body)
		e.waitHeld(t, 1)
		second := a.async(body)
		if got := recv(t, first); got.raw != string(emptyBody) {
			t.Fatalf("%s", got.raw)
		}
		notYet(t, second)
		e.advance(wait)
		recv(t, second)
	})

	t.Run("beyond the window is terminal", func(t *testing.T) {
		r := a.do(a.wrap(a.rid+3, "", ""))
		if !r.terminated() || r.attr("condition") != condItemNotFound {
			t.Fatalf("%s", r.raw)
		}
		r = a.do(a.wrap(a.rid+1, "", ""))
		if r.attr("condition") != condItemNotFound {
			t.Fatalf("session survived: %s", r.raw)
		}
		if e.rt.Lookup(jid.MustParse("alice@localhost/web")) != nil {
			t.Fatal("the resource is still bound")
		}
	})

	t.Run("old rid out of the cache is terminal", func(t *testing.T) {
		c := e.client()
		c.create("")
		for range 3 {
			c.send("<iq xmlns='jabber:client' type='get' id='x'><ping xmlns='urn:xmpp:ping'/></iq>")
		}
		if r := c.do(c.wrap(c.rid-2, "", "")); r.attr("condition") != condItemNotFound {
			t.Fatalf("%s", r.raw)
		}
	})
}

func TestOveractivity(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	t.Run("too many requests", func(t *testing.T) {
		c := e.client()
		c.create("")
		h1 := c.async(c.next("", ""))
		e.waitHeld(t, 1)
		// rid+2 while rid+1 is missing: buffered, two outstanding, and
		// rid+1 would be a third.
		h3 := c.async(c.wrap(c.rid+2, "", "<presence xmlns='jabber:client'/>"))
		e.waitPending(t, 1)
		r := c.do(c.wrap(c.rid+1, "", "<presence xmlns='jabber:client'/>"))
		if r.attr("condition") != condPolicyViolation {
			t.Fatalf("%s", r.raw)
		}
		recv(t, h1)
		recv(t, h3)
	})
	t.Run("polling too fast", func(t *testing.T) {
		c := e.client()
		c.do("<body xmlns='" + nsHTTPBind + "' rid='1000' to='localhost' wait='0' ver='1.11' xmpp:version='1.0' xmlns:xmpp='" + nsXBOSH + "'/>")
		c.sid = ""
		r := c.create(" wait='0'")
		if r.attr("polling") != "2" {
			t.Fatal(r.raw)
		}
		if r = c.send(""); r.terminated() {
			t.Fatalf("first poll: %s", r.raw)
		}
		e.clk.Advance(3 * time.Second)
		if r = c.send(""); r.terminated() {
			t.Fatalf("poll after 3s: %s", r.raw)
		}
		e.clk.Advance(time.Second)
		if r = c.send(""); r.attr("condition") != condPolicyViolation {
			t.Fatalf("poll after 1s: %s", r.raw)
		}
	})
	t.Run("legacy client gets 403", func(t *testing.T) {
		c := e.client()
		r := c.do("<body xmlns='" + nsHTTPBind + "' rid='1000' to='localhost' wait='60' hold='1' xmpp:version='1.0' xmlns:xmpp='" + nsXBOSH + "'/>")
		c.sid = r.attr("sid")
		r = c.do(c.wrap(c.rid+1, " pause='100000'", ""))
		if r.status != 403 || r.attr("condition") != condPolicyViolation {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if r = c.do(c.wrap(c.rid+2, "", "")); r.status != 200 || r.attr("condition") != condItemNotFound {
			t.Fatalf("unknown sid: %d %s", r.status, r.raw)
		}
	})
}

func TestInactivityAndPause(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	e.addUser("alice", "secret")
	a := e.client()
	full := a.login("alice", "secret", "web")
	if e.rt.Lookup(jid.MustParse(full)) == nil {
		t.Fatal("not bound")
	}
	// Held requests keep the session alive.
	held := a.async(a.next("", ""))
	e.waitHeld(t, 1)
	e.clk.Advance(59 * time.Second)
	if n := e.srv.sweep(e.clk.Now()); n != 0 {
		t.Fatal("a session with a held request was swept")
	}
	e.advance(time.Second)
	recv(t, held)

	// A pause returns everything held at once and stretches inactivity.
	held = a.async(a.next("", ""))
	e.waitHeld(t, 1)
	r := a.do(a.next(" pause='100'", ""))
	if r.terminated() || r.raw != string(emptyBody) {
		t.Fatalf("pause: %s", r.raw)
	}
	recv(t, held)
	e.clk.Advance(90 * time.Second)
	if n := e.srv.sweep(e.clk.Now()); n != 0 {
		t.Fatal("swept during the pause")
	}
	e.clk.Advance(11 * time.Second)
	if n := e.srv.sweep(e.clk.Now()); n != 1 {
		t.Fatalf("swept %d after the pause", n)
	}
	if e.rt.Lookup(jid.MustParse(full)) != nil {
		t.Fatal("the resource is still bound after inactivity")
	}
	if r := a.send(""); r.attr("condition") != condItemNotFound {
		t.Fatalf("after inactivity: %s", r.raw)
	}

	t.Run("pause over maxpause", func(t *testing.T) {
		c := e.client()
		c.create("")
		if r := c.do(c.next(" pause='121'", "")); r.attr("condition") != condPolicyViolation {
			t.Fatalf("%s", r.raw)
		}
	})
	t.Run("plain inactivity", func(t *testing.T) {
		c := e.client()
		c.create("")
		e.clk.Advance(61 * time.Second)
		if n := e.srv.sweep(e.clk.Now()); n != 1 {
			t.Fatalf("swept %d", n)
		}
	})
}

func TestTerminate(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	e.addUser("alice", "secret")
	a := e.client()
	full := a.login("alice", "secret", "web")
	held := a.async(a.next("", ""))
	e.waitHeld(t, 1)
	r := a.do(a.next(" type='terminate'", "<presence xmlns='jabber:client' type='unavailable'/>"))
	if !r.terminated() || r.attr("condition") != "" {
		t.Fatalf("terminate: %s", r.raw)
	}
	if h := recv(t, held); !h.terminated() {
		t.Fatalf("held: %s", h.raw)
	}
	if e.rt.Lookup(jid.MustParse(full)) != nil || e.srv.Count() != 0 {
		t.Fatal("session survived its termination")
	}
}

func TestStreamError(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	c := e.client()
	c.create("")
	r := c.send("<message xmlns='jabber:client' to='x@localhost'><body>too early</body></message>")
	if r.attr("condition") != condRemoteStreamError || !strings.Contains(r.raw, "<stream:error><not-authorized") ||
		!strings.Contains(r.raw, "xmlns:stream=") || strings.Contains(r.raw, "</stream:stream>") {
		t.Fatalf("%s", r.raw)
	}
}

func TestHTTPBindNamespacedPayload(t *testing.T) {
	// A client that leaves xmlns off its stanzas gets them read as
	// jabber:client, and routed stanzas come back with their own xmlns.
	e := newEnv(t, true, nil, nil)
	e.addUser("alice", "secret")
	a := e.client()
	a.login("alice", "secret", "web")
	r := a.send("<iq type='get' id='noxmlns'><ping xmlns='urn:xmpp:ping'/></iq>")
	if !strings.Contains(r.raw, "<iq xmlns='jabber:client' type='result' id='noxmlns'") {
		t.Fatalf("%s", r.raw)
	}
}

func TestAcks(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	e.addUser("alice", "secret")
	a := e.client()
	a.create(" ack='1'")
	a.login2("alice", "secret", "web")
	held := a.async(a.next("", ""))
	e.waitHeld(t, 1)
	heldRID := a.rid
	r := a.async(a.next("", "<iq xmlns='jabber:client' type='get' id='a1'><ping xmlns='urn:xmpp:ping'/></iq>"))
	h := recv(t, held)
	if h.attr("ack") != itoa(heldRID+1) {
		t.Fatalf("held response acks %q, want %d: %s", h.attr("ack"), heldRID+1, h.raw)
	}
	e.advance(wait)
	recv(t, r)
	// The client acknowledges only up to heldRID-1: the response to
	// heldRID has been out for more than reportAfter, so it is reported.
	e.clk.Advance(3 * time.Second)
	g := a.do(a.next(" ack='"+itoa(heldRID-1)+"'", ""))
	if g.attr("report") != itoa(heldRID) || g.attr("time") == "" {
		t.Fatalf("no report: %s", g.raw)
	}
}

func TestKeySequence(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	keys := make([]string, 5)
	k := "seed"
	for i := range keys {
		s := sha1.Sum([]byte(k))
		k = hex.EncodeToString(s[:])
		keys[i] = k
	}
	c := e.client()
	c.create(" newkey='" + keys[4] + "'")
	held := c.async(c.next(" key='"+keys[3]+"'", ""))
	e.waitHeld(t, 1)
	e.advance(wait)
	if r := recv(t, held); r.terminated() {
		t.Fatalf("good key: %s", r.raw)
	}
	held = c.async(c.next(" key='"+keys[2]+"'", ""))
	e.waitHeld(t, 1)
	e.clk.Advance(3 * time.Second)
	if r := c.do(c.next(" key='"+keys[2]+"'", "")); r.attr("condition") != condItemNotFound {
		t.Fatalf("replayed key: %s", r.raw)
	}
	if r := recv(t, held); r.attr("condition") != condItemNotFound {
		t.Fatalf("held request of a dead session: %s", r.raw)
	}
}

func TestPrebind(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	e.addUser("carol", "unused")
	if _, _, _, err := e.srv.Prebind("nobody"); err == nil {
		t.Fatal("prebind of an unknown user")
	}
	full, sid, rid, err := e.srv.Prebind("carol@localhost")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(full, "carol@localhost/") || e.rt.Lookup(jid.MustParse(full)) == nil {
		t.Fatalf("jid %q not bound", full)
	}
	c := e.client()
	c.sid, c.rid = sid, rid-1
	r := c.send("<iq xmlns='jabber:client' type='get' id='pre'><ping xmlns='urn:xmpp:ping'/></iq>")
	if !strings.Contains(r.raw, "id='pre'") || strings.Contains(r.raw, "<stream:features") || strings.Contains(r.raw, "<bind") {
		t.Fatalf("attached request: %s", r.raw)
	}
	// Unattached prebound sessions expire like any idle session.
	if _, _, _, err := e.srv.Prebind("carol"); err == nil {
		t.Fatal("prebind without a domain list should need a bare JID")
	}
}

func TestShutdown(t *testing.T) {
	e := newEnv(t, true, nil, nil)
	c := e.client()
	c.create("")
	held := c.async(c.next("", ""))
	e.waitHeld(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, held); r.attr("condition") != condSystemShutdown {
		t.Fatalf("%s", r.raw)
	}
	if r := e.client().create(""); r.attr("condition") != condSystemShutdown {
		t.Fatalf("created during shutdown: %s", r.raw)
	}
}

func TestOutboundOverflow(t *testing.T) {
	e := newEnv(t, true, func(c *Config) { c.MaxOutbound = 4096 }, nil)
	e.addUser("alice", "secret")
	a := e.client()
	full := a.login("alice", "secret", "web")
	peer := e.rt.Lookup(jid.MustParse(full))
	big := "<message xmlns='jabber:client' to='" + full + "'><body>" + strings.Repeat("x", 1000) + "</body></message>"
	for i := 0; i < 10; i++ {
		peer.Deliver([]byte(big))
	}
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.Count() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if e.srv.Count() != 0 || e.srv.Stats.Overflows.Load() == 0 {
		t.Fatal("a session over MaxOutbound survived")
	}
}
