package component

import (
	"strings"
	"testing"

	"xmppd/internal/jid"
)

// Stanzas for the component are queued on the transport, without a
// jabber:client declaration; a full queue refuses them.
func TestEnqueue(t *testing.T) {
	h := newStreamHarness(t)
	h.established()
	to := jid.MustParse("icq-1@" + gw)
	if !h.r.Deliver(to, []byte("<message xmlns='jabber:client' from='alice@localhost/r' to='icq-1@gw.example'/>")) {
		t.Fatal("refused")
	}
	if len(h.ft.queued) != 1 || string(h.ft.queued[0]) != "<message from='alice@localhost/r' to='icq-1@gw.example'/>" {
		t.Fatalf("queued %q", h.ft.queued)
	}
	h.ft.full = true
	if h.r.Deliver(to, []byte("<message to='icq-1@gw.example'/>")) {
		t.Fatal("a full queue took a stanza")
	}
	if n := h.env.stats.StanzasOut.Load(); n != 1 {
		t.Fatalf("StanzasOut = %d", n)
	}
}

// Stanzas still queued for a connection that closed go to the domain's
// other connections; what none takes bounces to its sender.
func TestReroute(t *testing.T) {
	h := newStreamHarness(t)
	h.established()
	items := func() [][]byte {
		return [][]byte{
			[]byte("<message from='alice@localhost/r' to='icq-1@gw.example' id='m1' type='chat'><body>1</body></message>"),
			[]byte("<presence from='alice@localhost/r' to='icq-1@gw.example'/>"),
			[]byte("<iq from='alice@localhost/r' to='icq-1@gw.example' id='q1' type='get'><query xmlns='jabber:iq:version'/></iq>"),
			[]byte("<iq from='alice@localhost/r' to='icq-1@gw.example' id='q2' type='result'/>"),
			[]byte("<message from='alice@localhost/r' to='icq-1@gw.example' type='error'/>"),
		}
	}
	stats := h.env.stats

	// The stream leaves the Router before it reroutes, even when it was
	// not told of the close (a panic): nothing comes back to it.
	other := &fakeSink{name: "other"}
	m, _ := h.r.attach(gw, other)
	h.s.HandleUnsent(items())
	if other.count() != 5 || stats.Rerouted.Load() != 5 || len(h.in.got) != 0 || len(h.ft.queued) != 0 {
		t.Fatalf("rerouted %d, bounced %q, queued to itself %d", other.count(), h.in.got, len(h.ft.queued))
	}
	if !h.s.IsClosed() || h.r.Connections(gw) != 1 {
		t.Fatalf("closed %v, %d connections", h.s.IsClosed(), h.r.Connections(gw))
	}

	h.r.detach(m)
	h.s.HandleUnsent(items())
	want := []string{
		"<message type='error' id='m1' from='icq-1@gw.example' to='alice@localhost/r'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
		"<iq type='error' id='q1' from='icq-1@gw.example' to='alice@localhost/r'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
	}
	if strings.Join(h.in.got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("bounced:\n%s\nwant:\n%s", strings.Join(h.in.got, "\n"), strings.Join(want, "\n"))
	}
	if stats.Bounced.Load() != 2 {
		t.Fatalf("Bounced = %d", stats.Bounced.Load())
	}
}
