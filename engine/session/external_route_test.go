package session

import (
	"strings"
	"sync"
	"testing"

	"xmppd/codec"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// fakeGateway stands in for engine/component: one component domain that
// records what it is sent.
type fakeGateway struct {
	mu  sync.Mutex
	got []string
}

func (g *fakeGateway) Serves(d string) bool { return d == "gw.localhost" }
func (g *fakeGateway) Domains() []string    { return []string{"gw.localhost"} }
func (g *fakeGateway) Deliver(to jid.JID, b []byte) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, string(b))
	return true
}

func (g *fakeGateway) waitFor(t *testing.T, c *client, want string) string {
	t.Helper()
	for range 400 {
		g.mu.Lock()
		for i, m := range g.got {
			if strings.Contains(m, want) {
				g.got = append(g.got[:i:i], g.got[i+1:]...)
				g.mu.Unlock()
				return m
			}
		}
		g.mu.Unlock()
		c.pumpFor(5)
	}
	t.Fatalf("gateway never got %q (got %q)", want, g.got)
	return ""
}

func external(t *testing.T, srv *Server, xml string) string {
	t.Helper()
	d := codec.NewFragmentDecoder(codec.Limits{}, NSClient)
	if _, _, err := d.Next([]byte(xml)); err != nil {
		t.Fatal(err)
	}
	return srv.RouteExternal(d.Element())
}

func TestGatewayLoginFlow(t *testing.T) {
	gw := &fakeGateway{}
	srv := newTestServer(t, func(c *Config) { c.Components = gw })
	c := srv.testClient(t)
	c.login("jaques", "pw", "r")
	if _, err := srv.cfg.Store.PutRosterItem(storage.RosterItem{Owner: "jaques", Contact: "gw.localhost", Subscription: storage.SubscriptionBoth}); err != nil {
		t.Fatal(err)
	}
	// Initial presence reaches the gateway, with a probe of it.
	c.send("<presence><status>on</status></presence>")
	gw.waitFor(t, c, "<status>on</status>")
	gw.waitFor(t, c, "type='probe'")

	// The gateway's messages reach the user; its probes are answered.
	if cond := external(t, srv, "<message from='icq-123@gw.localhost' to='jaques@localhost' type='chat'><body>from ICQ</body></message>"); cond != "" {
		t.Fatalf("message refused: %s", cond)
	}
	waitEnqueued(t, c, "from ICQ")
	external(t, srv, "<presence type='probe' from='gw.localhost' to='jaques@localhost'/>")
	gw.waitFor(t, c, "<status>on</status>")

	// Messages the user sends to the gateway's users go to the gateway.
	c.send("<message to='icq-123@gw.localhost' type='chat' id='g1'><body>to ICQ</body></message>")
	if m := gw.waitFor(t, c, "to ICQ"); !strings.Contains(m, "from='jaques@localhost/r'") {
		t.Fatalf("not stamped: %q", m)
	}
	// Logging out tells the gateway.
	c.send("<presence type='unavailable'/>")
	gw.waitFor(t, c, "type='unavailable'")
	c.send("<iq type='get' id='items' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
	c.expect("<item jid='gw.localhost'/>")
	if cond := external(t, srv, "<iq type='get' id='x' from='gw.localhost' to='nobody@localhost'><query xmlns='jabber:iq:version'/></iq>"); cond != "service-unavailable" {
		t.Fatalf("iq to a missing user: %q", cond)
	}
}

// TestSubscriptionToGateway: subscribing to a gateway records it in the
// user's roster and forwards the request to the component; the gateway's
// answer completes the subscription.
func TestSubscriptionToGateway(t *testing.T) {
	gw := &fakeGateway{}
	srv := newTestServer(t, func(c *Config) { c.Components = gw })
	c := srv.testClient(t)
	c.login("orsino", "pw", "r")
	c.send("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>")
	c.expect("id='g'")
	c.send("<presence to='gw.localhost' type='subscribe'/>")
	gw.waitFor(t, c, "type='subscribe'")
	waitEnqueued(t, c, "ask='subscribe'")
	if cond := external(t, srv, "<presence type='subscribed' from='gw.localhost' to='orsino@localhost'/>"); cond != "" {
		t.Fatal(cond)
	}
	waitEnqueued(t, c, "subscription='to'")
	// Directed presence to a gateway ends with the session.
	c.send("<presence to='icq-9@gw.localhost'/>")
	gw.waitFor(t, c, "to='icq-9@gw.localhost'")
	c.send("<presence/>")
	c.send("<presence type='unavailable'/>")
	gw.waitFor(t, c, "type='unavailable'")
}
