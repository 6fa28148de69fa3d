package component

import (
	"strings"
	"testing"

	"xmppd/internal/jid"
)

// Stanzas still queued for a connection that closed go to the domain's
// other connections; what none takes bounces to its sender.
func TestReroute(t *testing.T) {
	h := newStreamHarness(t)
	lp := &loop{l: &Listener{}, env: h.env}
	to := jid.MustParse("icq-1@" + gw)
	items := func() []queued {
		return []queued{
			{to, []byte("<message from='alice@localhost/r' to='icq-1@gw.example' id='m1' type='chat'><body>1</body></message>")},
			{to, []byte("<presence from='alice@localhost/r' to='icq-1@gw.example'/>")},
			{to, []byte("<iq from='alice@localhost/r' to='icq-1@gw.example' id='q1' type='get'><query xmlns='jabber:iq:version'/></iq>")},
			{to, []byte("<iq from='alice@localhost/r' to='icq-1@gw.example' id='q2' type='result'/>")},
			{to, []byte("<message from='alice@localhost/r' to='icq-1@gw.example' type='error'/>")},
		}
	}

	other := &fakeSink{name: "other"}
	m, _ := h.r.attach(gw, other)
	lp.reroute(items())
	if other.count() != 5 || lp.l.Stats.Rerouted.Load() != 5 || len(h.in.got) != 0 {
		t.Fatalf("rerouted %d, bounced %q", other.count(), h.in.got)
	}

	h.r.detach(m)
	lp.reroute(items())
	want := []string{
		"<message type='error' id='m1' from='icq-1@gw.example' to='alice@localhost/r'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
		"<iq type='error' id='q1' from='icq-1@gw.example' to='alice@localhost/r'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
	}
	if strings.Join(h.in.got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("bounced:\n%s\nwant:\n%s", strings.Join(h.in.got, "\n"), strings.Join(want, "\n"))
	}
	if lp.l.Stats.Bounced.Load() != 2 {
		t.Fatalf("Bounced = %d", lp.l.Stats.Bounced.Load())
	}
}
