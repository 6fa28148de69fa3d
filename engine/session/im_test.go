package session

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"xmppd/storage"
)

func TestRosterGetSetRemove(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("ann", "pw", "one")
	b := srv.testClient(t)
	b.login("ann", "pw", "two")
	b.send("<iq type='get' id='r0'><query xmlns='jabber:iq:roster'/></iq>")
	b.expect("id='r0'", "<query xmlns='jabber:iq:roster'></query>")

	a.send("<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='Nurse@Localhost' name='Nurse'><group>Servants</group></item></query></iq>")
	a.expect("type='result'", "id='s1'")
	// b asked for the roster, so it gets the push; a did not.
	pushes := b.ft.enqueued()
	if len(pushes) != 1 || !strings.Contains(pushes[0], "jid='nurse@localhost'") || !strings.Contains(pushes[0], "<group>Servants</group>") || !strings.Contains(pushes[0], "ver='1'") {
		t.Fatalf("push: %q", pushes)
	}
	if got := a.ft.enqueued(); len(got) != 0 {
		t.Fatalf("uninterested resource got %q", got)
	}
	b.send("<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>")
	b.expect("ver='1'", "name='Nurse'", "subscription='none'")
	b.send("<iq type='get' id='r2'><query xmlns='jabber:iq:roster' ver='1'/></iq>")
	if out := b.expect("id='r2'"); strings.Contains(out, "<item") {
		t.Fatalf("unchanged roster must come back empty: %s", out)
	}
	a.send("<iq type='set' id='s2'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost' subscription='remove'/></query></iq>")
	a.expect("type='result'", "id='s2'")
	if p := b.ft.enqueued(); len(p) != 1 || !strings.Contains(p[0], "subscription='remove'") {
		t.Fatalf("remove push: %q", p)
	}
	a.send("<iq type='set' id='s3'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost' subscription='remove'/></query></iq>")
	a.expect("id='s3'", "<item-not-found")
}

func TestRosterSetErrors(t *testing.T) {
	c := newTestServer(t, nil).testClient(t)
	c.login("bert", "pw", "r")
	tests := []struct{ name, item, want string }{
		{"two items", "<item jid='a@localhost'/><item jid='b@localhost'/>", "<bad-request"},
		{"full JID", "<item jid='a@localhost/res'/>", "<jid-malformed"},
		{"bad JID", "<item jid='a@b@c'/>", "<jid-malformed"},
		{"empty group", "<item jid='a@localhost'><group></group></item>", "<not-acceptable"},
		{"duplicate group", "<item jid='a@localhost'><group>x</group><group>x</group></item>", "<bad-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.send("<iq type='set' id='x'><query xmlns='jabber:iq:roster'>" + tc.item + "</query></iq>")
			c.expect("type='error'", tc.want)
		})
	}
}

// seedBoth gives two users a mutual (both) subscription directly in the
// store.
func seedBoth(t *testing.T, srv *Server, a, b string) {
	t.Helper()
	for _, pair := range [][2]string{{a, b}, {b, a}} {
		if _, err := srv.cfg.Store.PutRosterItem(storage.RosterItem{Owner: pair[0], Contact: pair[1] + "@localhost", Subscription: storage.SubscriptionBoth}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitEnqueued returns the first delivered stanza containing want, running
// posted worker results meanwhile (bounded attempts, not a sleep); stanzas
// that do not match stay in the client's backlog for later waits.
func waitEnqueued(t *testing.T, c *client, want string) string {
	t.Helper()
	for range 400 {
		c.backlog = append(c.backlog, c.ft.enqueued()...)
		for i, m := range c.backlog {
			if strings.Contains(m, want) {
				c.backlog = append(c.backlog[:i:i], c.backlog[i+1:]...)
				return m
			}
		}
		select {
		case fn := <-c.ft.posted:
			fn()
		default:
			c.pumpFor(5)
		}
	}
	t.Fatalf("never delivered: %q (backlog %q)", want, c.backlog)
	return ""
}

func TestPresenceBroadcastProbeAndUnavailable(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("romeo", "pw", "orchard")
	b := srv.testClient(t)
	b.login("juliet", "pw", "balcony")
	seedBoth(t, srv, "romeo", "juliet")

	// Romeo comes online first: the probe of Juliet finds her offline.
	a.send("<presence/>")
	waitEnqueued(t, a, "type='unavailable' from='juliet@localhost'")
	// Juliet's initial presence reaches Romeo (from her full JID), and her
	// probe of Romeo is answered with his last presence.
	b.send("<presence><show>away</show></presence>")
	got := waitEnqueued(t, a, "from='juliet@localhost/balcony'")
	if !strings.Contains(got, "<show>away</show>") {
		t.Fatalf("broadcast: %q", got)
	}
	waitEnqueued(t, b, "from='romeo@localhost/orchard'")

	// Going offline: unavailable to the contact, last activity recorded.
	b.send("<presence type='unavailable'><status>gone</status></presence>")
	waitEnqueued(t, a, "type='unavailable'")
	// The last activity was recorded for later probes.
	for range 500 {
		if la, err := srv.cfg.Store.LastActivity("juliet"); err == nil && la.Status == "gone" {
			return
		}
		a.pumpFor(5)
	}
	t.Fatal("last activity not recorded")
}

func TestOfflineMessages(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("sender", "pw", "r")
	b := srv.testClient(t)
	b.login("receiver", "pw", "r")
	// receiver is bound but not available: messages to the bare JID are stored.
	a.send("<message to='receiver@localhost' type='chat' id='o1'><body>first</body></message>")
	a.send("<message to='receiver@localhost' id='o2'><body>second</body></message>")
	a.send("<message to='receiver@localhost' type='chat' id='o3'><active xmlns='http://jabber.org/protocol/chatstates'/></message>")
	a.send("<message to='receiver@localhost' type='headline' id='o4'><body>news</body></message>")
	for range 4 {
		select {
		case fn := <-a.ft.posted:
			fn()
		default:
		}
	}
	waitStored := func(n int) {
		for range 500 {
			if c, _ := srv.cfg.Store.OfflineCount("receiver"); c == n {
				return
			}
			a.pumpFor(5)
		}
		c, _ := srv.cfg.Store.OfflineCount("receiver")
		t.Fatalf("%d stored, want %d", c, n)
	}
	waitStored(2)
	b.send("<presence/>")
	first := waitEnqueued(t, b, "id='o1'")
	if !strings.Contains(first, "<delay xmlns='urn:xmpp:delay'") || !strings.Contains(first, "from='sender@localhost/r'") {
		t.Fatalf("offline message: %q", first)
	}
	waitStored(0)
	a.send("<message to='nobody@localhost' type='chat' id='o5'><body>x</body></message>")
	a.expectEventually("id='o5'", "<service-unavailable")
}

func TestVCardPrivateLast(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("viola", "pw", "r")
	b := srv.testClient(t)
	b.login("orsino", "pw", "r")
	steps := []struct {
		c    *client
		name string
		in   string
		want []string
	}{
		{a, "empty own vCard", "<iq type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>", []string{"id='v1'", "<vCard xmlns='vcard-temp'/>"}},
		{a, "publish", "<iq type='set' id='v2'><vCard xmlns='vcard-temp'><FN>Viola</FN><NICKNAME>Cesario</NICKNAME></vCard></iq>", []string{"type='result'", "id='v2'"}},
		{b, "someone else's", "<iq type='get' id='v3' to='viola@localhost'><vCard xmlns='vcard-temp'/></iq>", []string{"<FN>Viola</FN>", "from='viola@localhost'"}},
		{b, "cannot set another's", "<iq type='set' id='v4' to='viola@localhost'><vCard xmlns='vcard-temp'><FN>x</FN></vCard></iq>", []string{"<forbidden"}},
		{b, "unknown user", "<iq type='get' id='v5' to='nobody@localhost'><vCard xmlns='vcard-temp'/></iq>", []string{"<service-unavailable"}},
		{a, "private set", "<iq type='set' id='p1'><query xmlns='jabber:iq:private'><prefs xmlns='urn:example:prefs'><color>blue</color></prefs></query></iq>", []string{"type='result'"}},
		{a, "private get", "<iq type='get' id='p2'><query xmlns='jabber:iq:private'><prefs xmlns='urn:example:prefs'/></query></iq>", []string{"<color>blue</color>"}},
		{a, "private get missing", "<iq type='get' id='p3'><query xmlns='jabber:iq:private'><other xmlns='urn:example:other'/></query></iq>", []string{"<other xmlns='urn:example:other'/>"}},
		{a, "private reserved ns", "<iq type='set' id='p4'><query xmlns='jabber:iq:private'><x xmlns='jabber:client'/></query></iq>", []string{"<not-acceptable"}},
		{b, "private of another", "<iq type='get' id='p5' to='viola@localhost'><query xmlns='jabber:iq:private'><prefs xmlns='urn:example:prefs'/></query></iq>", []string{"<forbidden"}},
		{b, "last of a non-contact", "<iq type='get' id='l1' to='viola@localhost'><query xmlns='jabber:iq:last'/></iq>", []string{"<forbidden"}},
		{b, "server uptime", "<iq type='get' id='l2' to='localhost'><query xmlns='jabber:iq:last'/></iq>", []string{"seconds='"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.c.send(st.in)
			st.c.expect(st.want...)
		})
	}
	t.Run("last of a contact", func(t *testing.T) {
		seedBoth(t, srv, "viola", "orsino")
		if err := srv.cfg.Store.SetLastActivity("viola", storage.LastActivity{Time: srv.cfg.Clock().Add(-90 * time.Second), Status: "at sea"}); err != nil {
			t.Fatal(err)
		}
		b.send("<iq type='get' id='l3' to='viola@localhost'><query xmlns='jabber:iq:last'/></iq>")
		b.expect("seconds='9", "at sea")
		a.send("<presence/>")
		b.send("<iq type='get' id='l4' to='viola@localhost'><query xmlns='jabber:iq:last'/></iq>")
		b.expect("id='l4'", "seconds='0'")
	})
}

func TestBlocking(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("olivia", "pw", "r")
	b := srv.testClient(t)
	b.login("malvolio", "pw", "r")
	a2 := srv.testClient(t)
	a2.login("olivia", "pw", "phone")
	a2.send("<iq type='get' id='bl0'><blocklist xmlns='urn:xmpp:blocking'/></iq>")
	a2.expect("<blocklist xmlns='urn:xmpp:blocking'></blocklist>")

	a.send("<iq type='set' id='bl1'><block xmlns='urn:xmpp:blocking'><item jid='malvolio@localhost'/></block></iq>")
	a.expect("type='result'", "id='bl1'")
	waitEnqueued(t, a2, "<block xmlns='urn:xmpp:blocking'><item jid='malvolio@localhost'/></block>")

	t.Run("inbound dropped", func(t *testing.T) {
		b.send("<message to='olivia@localhost/r' id='x1'><body>letter</body></message>")
		b.expect("id='x1'", "<service-unavailable")
		b.send("<iq type='get' id='x2' to='olivia@localhost/r'><ping xmlns='urn:xmpp:ping'/></iq>")
		b.expect("id='x2'", "<service-unavailable")
		if got := a.ft.enqueued(); len(got) != 0 {
			t.Fatalf("blocked sender got through: %q", got)
		}
	})
	t.Run("outbound refused", func(t *testing.T) {
		a.send("<message to='malvolio@localhost' id='y1'><body>no</body></message>")
		a.expect("id='y1'", "<not-acceptable", "<blocked xmlns='urn:xmpp:blocking:errors'/>")
	})
	t.Run("not stored offline either", func(t *testing.T) {
		b.send("<message to='olivia@localhost' type='chat' id='x3'><body>again</body></message>")
		for range 20 {
			b.pumpFor(5)
		}
		if n, _ := srv.cfg.Store.OfflineCount("olivia"); n != 0 {
			t.Fatalf("%d stored from a blocked sender", n)
		}
	})
	t.Run("unblock all", func(t *testing.T) {
		a.send("<iq type='set' id='bl2'><unblock xmlns='urn:xmpp:blocking'/></iq>")
		a.expect("type='result'")
		waitEnqueued(t, a2, "<unblock xmlns='urn:xmpp:blocking'></unblock>")
		b.send("<message to='olivia@localhost/r' id='x4'><body>hello</body></message>")
		waitEnqueued(t, a, "id='x4'")
	})
}

func TestCarbons(t *testing.T) {
	srv := newTestServer(t, nil)
	phone := srv.testClient(t)
	phone.login("sebastian", "pw", "phone")
	desk := srv.testClient(t)
	desk.login("sebastian", "pw", "desk")
	friend := srv.testClient(t)
	friend.login("antonio", "pw", "r")
	desk.send("<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>")
	desk.expect("type='result'", "id='c1'")

	phone.send("<message to='antonio@localhost/r' type='chat' id='s1'><body>from my phone</body></message>")
	sent := waitEnqueued(t, desk, "<sent xmlns='urn:xmpp:carbons:2'>")
	if !strings.Contains(sent, "from='sebastian@localhost'") || !strings.Contains(sent, "from my phone") ||
		!strings.Contains(sent, "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'") {
		t.Fatalf("sent carbon: %q", sent)
	}
	friend.send("<message to='sebastian@localhost/phone' type='chat' id='s2'><body>to your phone</body></message>")
	waitEnqueued(t, desk, "<received xmlns='urn:xmpp:carbons:2'>")
	friend.send("<message to='sebastian@localhost/phone' type='chat' id='s3'><body>secret</body><private xmlns='urn:xmpp:carbons:2'/></message>")
	waitEnqueued(t, phone, "id='s3'")
	if got := desk.ft.enqueued(); len(got) != 0 {
		t.Fatalf("private message carbon-copied: %q", got)
	}
}

func TestClientStateIndication(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("feste", "pw", "r")
	b := srv.testClient(t)
	b.login("maria", "pw", "r")
	seedBoth(t, srv, "feste", "maria")
	a.send("<presence/>")
	waitEnqueued(t, a, "type='unavailable' from='maria@localhost'") // the probe's answer
	a.send("<inactive xmlns='urn:xmpp:csi:0'/>")
	b.send("<presence><show>away</show></presence>")
	b.send("<presence><show>dnd</show></presence>")
	b.send("<message to='feste@localhost/r' id='now'><body>sing</body></message>")
	waitEnqueued(t, a, "id='now'") // messages are not held
	held := func() string {
		c := a.s.csi.Load()
		c.mu.Lock()
		defer c.mu.Unlock()
		return strings.Join(func() []string {
			var s []string
			for _, b := range c.queue {
				s = append(s, string(b))
			}
			return s
		}(), "\n")
	}
	for i := 0; !strings.Contains(held(), "dnd"); i++ {
		if i > 400 {
			t.Fatalf("dnd presence never held; held %q", held())
		}
		b.pumpFor(5)
	}
	for _, m := range append(a.backlog, a.ft.enqueued()...) {
		if strings.Contains(m, "<show>") {
			t.Fatalf("presence delivered while inactive: %q", m)
		}
	}
	a.send("<active xmlns='urn:xmpp:csi:0'/>")
	got := a.ft.enqueued()
	if len(got) != 1 || !strings.Contains(got[0], "<show>dnd</show>") {
		t.Fatalf("flush on active: want only the latest presence, got %q", got)
	}
}

// TestSubscriptionHandshakeToBoth walks RFC 6121 §3.1 between two online
// users until both are subscribed to each other, checking the pushes and
// the presence that follows.
func TestSubscriptionHandshakeToBoth(t *testing.T) {
	srv := newTestServer(t, nil)
	r := srv.testClient(t)
	r.login("rosalind", "pw", "r")
	o := srv.testClient(t)
	o.login("orlando", "pw", "o")
	for _, c := range []*client{r, o} {
		c.send("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>")
		c.expect("id='g'")
		c.send("<presence/>")
	}
	r.pumpFor(20)
	o.pumpFor(20)
	r.ft.enqueued()
	o.ft.enqueued()

	r.send("<presence to='orlando@localhost' type='subscribe'/>")
	waitEnqueued(t, r, "ask='subscribe'") // push: none + pending out
	req := waitEnqueued(t, o, "type='subscribe'")
	if !strings.Contains(req, "from='rosalind@localhost'") {
		t.Fatalf("request not stamped with the bare JID: %q", req)
	}
	o.send("<presence to='rosalind@localhost' type='subscribed'/>")
	waitEnqueued(t, o, "subscription='from'")
	waitEnqueued(t, r, "subscription='to'")
	waitEnqueued(t, r, "from='orlando@localhost/o'") // presence after approval

	o.send("<presence to='rosalind@localhost' type='subscribe'/>")
	waitEnqueued(t, r, "type='subscribe'")
	r.send("<presence to='orlando@localhost' type='subscribed'/>")
	waitEnqueued(t, r, "subscription='both'")
	waitEnqueued(t, o, "subscription='both'")

	for _, pair := range [][2]string{{"rosalind", "orlando@localhost"}, {"orlando", "rosalind@localhost"}} {
		it, err := srv.cfg.Store.RosterItem(pair[0], pair[1])
		if err != nil || it.Subscription != storage.SubscriptionBoth || it.Ask || it.PendingIn {
			t.Fatalf("%s's item: %+v %v", pair[0], it, err)
		}
	}

	// Removing the item cancels both directions on the other side.
	r.send("<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='orlando@localhost' subscription='remove'/></query></iq>")
	r.expect("id='rm'")
	waitEnqueued(t, o, "subscription='none'")
}

func TestSubscriptionRequestStoredWhileOffline(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("celia", "pw", "r")
	b := srv.testClient(t)
	b.login("oliver", "pw", "r") // bound but not available
	a.send("<presence to='oliver@localhost' type='subscribe'><status>friends?</status></presence>")
	for range 200 {
		if it, err := srv.cfg.Store.RosterItem("oliver", "celia@localhost"); err == nil && it.PendingIn {
			break
		}
		a.pumpFor(5)
	}
	b.send("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>")
	if out := b.expect("id='g'"); strings.Contains(out, "celia") {
		t.Fatalf("a stranger's request must not list them in the roster: %s", out)
	}
	b.send("<presence/>") // initial presence redelivers the stored request
	got := waitEnqueued(t, b, "type='subscribe'")
	if !strings.Contains(got, "friends?") {
		t.Fatalf("stored request lost its status: %q", got)
	}
}

func TestPreApproval(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("audrey", "pw", "r")
	b := srv.testClient(t)
	b.login("touchstone", "pw", "r")
	a.send("<presence/>")
	b.send("<presence/>")
	// Audrey approves Touchstone before he asks (RFC 6121 §3.4)...
	a.send("<presence to='touchstone@localhost' type='subscribed'/>")
	for range 200 {
		if it, err := srv.cfg.Store.RosterItem("audrey", "touchstone@localhost"); err == nil && it.Approved {
			break
		}
		a.pumpFor(5)
	}
	// ...so his request is answered by the server at once.
	b.send("<presence to='audrey@localhost' type='subscribe'/>")
	for range 400 {
		if it, err := srv.cfg.Store.RosterItem("touchstone", "audrey@localhost"); err == nil && it.Subscription == storage.SubscriptionTo {
			return
		}
		b.pumpFor(5)
	}
	it, _ := srv.cfg.Store.RosterItem("touchstone", "audrey@localhost")
	t.Fatalf("pre-approved request not granted: %+v", it)
}

func TestOfflineOrder(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.Workers = 4 })
	a := srv.testClient(t)
	a.login("quince", "pw", "r")
	b := srv.testClient(t)
	b.login("bottom", "pw", "r")
	const n = 30
	for i := range n {
		a.send(fmt.Sprintf("<message to='bottom@localhost' type='chat' id='q%02d'><body>%d</body></message>", i, i))
	}
	for range 400 {
		if c, _ := srv.cfg.Store.OfflineCount("bottom"); c == n {
			break
		}
		a.pumpFor(5)
	}
	msgs, err := srv.cfg.Store.OfflineMessages("bottom")
	if err != nil || len(msgs) != n {
		t.Fatalf("%d stored: %v", len(msgs), err)
	}
	for i, m := range msgs {
		if !strings.Contains(string(m.Raw), fmt.Sprintf("id='q%02d'", i)) {
			t.Fatalf("message %d out of order: %s", i, m.Raw)
		}
	}
}

func TestWithToKeepsAnExistingTo(t *testing.T) {
	in := []byte("<presence type='subscribe' from='a@localhost' to='b@localhost'/>")
	if got := string(withTo(in, "b@localhost/r")); got != string(in) {
		t.Fatalf("got %s", got)
	}
	if got := string(withTo([]byte("<presence from='a@x/r'/>"), "b@x")); got != "<presence to='b@x' from='a@x/r'/>" {
		t.Fatalf("got %s", got)
	}
}
