package interop

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIM drives instant messaging (RFC 6121 and the XEPs that go with it)
// with slixmpp on one server, one script per subtest. As in TestSlixmpp,
// each script registers the fresh accounts it needs.
func TestIM(t *testing.T) {
	needClient(t)
	s := startServer(t)

	t.Run("subscription-handshake", func(t *testing.T) { testSubscriptionHandshake(t, s) })
	t.Run("presence-broadcast-and-probe", func(t *testing.T) { testPresenceBroadcast(t, s) })
	t.Run("unavailable", func(t *testing.T) { testUnavailable(t, s) })
	t.Run("bare-jid-priority", func(t *testing.T) { testBareJIDPriority(t, s) })
	t.Run("offline-delivery", func(t *testing.T) { testOffline(t, s) })
	t.Run("roster-500", func(t *testing.T) { testRoster500(t, s) })
	t.Run("vcard", func(t *testing.T) { testVCard(t, s) })
	t.Run("blocking", func(t *testing.T) { testBlocking(t, s) })
	t.Run("carbons", func(t *testing.T) { testCarbons(t, s) })
	t.Run("last-activity", func(t *testing.T) { testLastActivity(t, s) })
	t.Run("private-storage", func(t *testing.T) { testPrivateStorage(t, s) })
}

type rosterItem struct {
	JID          string   `json:"jid"`
	Name         string   `json:"name"`
	Subscription string   `json:"subscription"`
	Ask          string   `json:"ask"`
	Groups       []string `json:"groups"`
	Ver          string   `json:"ver"` // pushes only
}

// state is an item's subscription as "subscription[+ask=value]".
func (it rosterItem) state() string {
	if it.Ask != "" {
		return it.Subscription + "+ask=" + it.Ask
	}
	return it.Subscription
}

type delay struct {
	From  string `json:"from"`
	Stamp string `json:"stamp"`
}

// presence is what a script saw of a presence stanza; nil fields were
// absent.
type presence struct {
	From     string  `json:"from"`
	Type     string  `json:"type"` // "available" when the attribute is absent
	Show     *string `json:"show"`
	Status   *string `json:"status"`
	Priority *string `json:"priority"`
	Delay    *delay  `json:"delay"`
}

func (p presence) String() string {
	s := p.Type + " from " + p.From
	for _, f := range []struct {
		name string
		v    *string
	}{{"show", p.Show}, {"status", p.Status}, {"priority", p.Priority}} {
		if f.v != nil {
			s += fmt.Sprintf(" %s=%q", f.name, *f.v)
		}
	}
	if p.Delay != nil {
		s += " delay=" + p.Delay.Stamp
	}
	return s
}

// find returns the first presence from from of type typ.
func find(list []presence, from, typ string) (presence, bool) {
	for _, p := range list {
		if p.From == from && p.Type == typ {
			return p, true
		}
	}
	return presence{}, false
}

func deref(s *string) string {
	if s == nil {
		return "<absent>"
	}
	return *s
}

// bare returns the bare form of a full JID.
func bare(full string) string {
	b, _, _ := strings.Cut(full, "/")
	return b
}

// RFC 6121 §3.1: alice subscribes to bob and bob approves, then the other
// way round, all four stanzas exchanged while both are online. Each change
// of an item is pushed to the owner's interested resources (§2.1.6) with a
// new version (§2.6): alice sees bob go none+ask=subscribe (§3.1.2), to
// (§3.1.6), both; bob sees alice go from (§3.1.5), from+ask=subscribe,
// both. A pending inbound request alone is no roster change (an item has
// no attribute for it), so bob's first push comes with his approval.
// Approving sends the approver's available presence to the new subscriber
// (§3.1.5). In the end each roster holds the other with subscription both
// and no ask.
func testSubscriptionHandshake(t *testing.T, s *server) {
	var r struct {
		Alice         string       `json:"alice"`
		Bob           string       `json:"bob"`
		AlicePushes   []rosterItem `json:"alice_pushes"`
		BobPushes     []rosterItem `json:"bob_pushes"`
		AlicePresence []presence   `json:"alice_presence"`
		BobPresence   []presence   `json:"bob_presence"`
		AliceRoster   []rosterItem `json:"alice_roster"`
		BobRoster     []rosterItem `json:"bob_roster"`
	}
	s.runScript(t, &r, "subscribe.py")
	ja, jb := bare(r.Alice), bare(r.Bob)
	for _, side := range []struct {
		name, contact, contactFull string
		pushes                     []rosterItem
		want                       []string
		presence                   []presence
		roster                     []rosterItem
	}{
		{"alice", jb, r.Bob, r.AlicePushes, []string{"none+ask=subscribe", "to", "both"}, r.AlicePresence, r.AliceRoster},
		{"bob", ja, r.Alice, r.BobPushes, []string{"from", "from+ask=subscribe", "both"}, r.BobPresence, r.BobRoster},
	} {
		var got []string
		vers := map[string]bool{}
		for _, p := range side.pushes {
			if p.JID != side.contact {
				t.Errorf("%s: push of %q, want only %s", side.name, p.JID, side.contact)
				continue
			}
			got = append(got, p.state())
			if p.Ver == "" || vers[p.Ver] {
				t.Errorf("%s: push %s has ver %q, want a new version each time", side.name, p.state(), p.Ver)
			}
			vers[p.Ver] = true
		}
		if !slices.Equal(got, side.want) {
			t.Errorf("%s: roster pushes for %s: %v, want %v", side.name, side.contact, got, side.want)
		}
		if _, ok := find(side.presence, side.contactFull, "available"); !ok {
			t.Errorf("%s: no available presence from %s after its approval; got %v", side.name, side.contactFull, side.presence)
		}
		if len(side.roster) != 1 || side.roster[0].JID != side.contact || side.roster[0].state() != "both" {
			t.Errorf("%s: final roster %+v, want only %s with subscription both, no ask", side.name, side.roster, side.contact)
		}
	}
}

// RFC 6121 §4.2.2: initial presence goes to the contacts subscribed to
// the user, with its show, status and priority. §4.3.2: the probe sent
// for a user who comes online is answered with the contact's current
// presence; for an offline contact, with unavailable presence from the
// bare JID, stamped (SHOULD) with when the contact left.
func testPresenceBroadcast(t *testing.T, s *server) {
	var r struct {
		Alice       string     `json:"alice"`
		Bob         string     `json:"bob"`
		SeenByAlice []presence `json:"seen_by_alice"`
		SeenByBob   []presence `json:"seen_by_bob"`
	}
	s.runScript(t, &r, "presence.py")

	if p, ok := find(r.SeenByAlice, bare(r.Bob), "unavailable"); !ok {
		t.Errorf("alice: no unavailable presence from offline bob answering her probe; got %v", r.SeenByAlice)
	} else if p.Delay == nil {
		t.Errorf("alice: probe answer for offline bob (%v) has no delay stamp", p)
	}
	for _, c := range []struct {
		name, from         string
		seen               []presence
		show, status, prio string
	}{
		{"alice sees bob's initial presence", r.Bob, r.SeenByAlice, "dnd", "in a meeting", "3"},
		{"bob sees alice's presence answering his probe", r.Alice, r.SeenByBob, "away", "at lunch", "<absent>"},
	} {
		p, ok := find(c.seen, c.from, "available")
		if !ok {
			t.Errorf("%s: no available presence from %s; got %v", c.name, c.from, c.seen)
			continue
		}
		if deref(p.Show) != c.show || deref(p.Status) != c.status || deref(p.Priority) != c.prio {
			t.Errorf("%s: %v, want show=%q status=%q priority=%s", c.name, p, c.show, c.status, c.prio)
		}
	}
}

// RFC 6121 §4.5: the contacts of a user learn of each resource going
// offline, whether the client sent unavailable presence (forwarded with
// its status) or its connection just ended without a closing stream tag
// (the server then sends unavailable presence on its behalf).
func testUnavailable(t *testing.T, s *server) {
	var r struct {
		Alice       string     `json:"alice"`
		Bob         string     `json:"bob"`
		SeenByAlice []presence `json:"seen_by_alice"`
	}
	s.runScript(t, &r, "unavailable.py")
	bob := r.Bob
	if _, ok := find(r.SeenByAlice, bob+"/dropped", "unavailable"); !ok {
		t.Errorf("no unavailable presence from %s/dropped after its TCP connection closed; got %v", bob, r.SeenByAlice)
	}
	if p, ok := find(r.SeenByAlice, bob+"/explicit", "unavailable"); !ok {
		t.Errorf("no unavailable presence from %s/explicit after it sent one; got %v", bob, r.SeenByAlice)
	} else if deref(p.Status) != "gone fishing" {
		t.Errorf("unavailable presence %v, want status %q", p, "gone fishing")
	}
}

// RFC 6121 §8.5.2.1.1: a message to a bare JID goes to the available
// resource(s) with the highest priority, never to one with negative
// priority; with two at the same highest priority, the server delivers to
// both (it MAY instead pick one; xmppd delivers to all, as its docs say).
func testBareJIDPriority(t *testing.T, s *server) {
	var r map[string][]string // resource -> bodies received in order
	s.runScript(t, &r, "routing.py")
	const first, second = "to bare, priorities 5 1 -1", "to bare, priorities 5 5 -1"
	want := map[string][]string{
		"p5":  {first, "marker " + first, second, "marker " + second},
		"p1":  {"marker " + first, second, "marker " + second},
		"neg": {"marker " + first, "marker " + second},
	}
	for _, res := range slices.Sorted(maps.Keys(want)) {
		if !slices.Equal(r[res], want[res]) {
			t.Errorf("resource %s got %q, want %q", res, r[res], want[res])
		}
	}
}

// XEP-0160: chat and normal messages to a user with no available resource
// (including one to a full JID whose resource is offline, RFC 6121
// §8.5.3.2.1) are stored and delivered when the user sends initial
// presence, not before, in the order sent, each with an XEP-0203 delay
// saying when the server received it; then they are gone. A headline is
// not stored (XEP-0160). A subscription request sent while the user was
// offline is delivered at login too (RFC 6121 §3.1.3).
func testOffline(t *testing.T, s *server) {
	type message struct {
		From  string `json:"from"`
		Type  string `json:"type"`
		Body  string `json:"body"`
		Delay *delay `json:"delay"`
	}
	type login struct {
		BeforePresence int        `json:"before_presence"`
		Messages       []message  `json:"messages"`
		Presence       []presence `json:"presence"`
	}
	var r struct {
		Alice  string  `json:"alice"`
		Bob    string  `json:"bob"`
		SentAt float64 `json:"sent_at"`
		DoneAt float64 `json:"done_at"`
		Sent   []struct {
			Type string `json:"type"`
			Body string `json:"body"`
		} `json:"sent"`
		First  login `json:"first_login"`
		Second login `json:"second_login"`
	}
	s.runScript(t, &r, "offline.py")
	if r.First.BeforePresence != 0 {
		t.Errorf("%d stanzas delivered before initial presence", r.First.BeforePresence)
	}
	var want, got []string
	types := map[string]string{}
	for _, m := range r.Sent {
		if m.Type != "headline" {
			want = append(want, m.Body)
			types[m.Body] = m.Type
		}
	}
	from, to := unixTime(r.SentAt).Add(-time.Second), unixTime(r.DoneAt).Add(time.Second)
	for _, m := range r.First.Messages {
		got = append(got, m.Body)
		if m.From != r.Alice || m.Type != types[m.Body] {
			t.Errorf("%q: from %s type %s, want from %s type %s", m.Body, m.From, m.Type, r.Alice, types[m.Body])
		}
		if m.Delay == nil {
			t.Errorf("%q: no delay element", m.Body)
			continue
		}
		stamp, err := time.Parse(time.RFC3339, m.Delay.Stamp)
		if err != nil || stamp.Before(from) || stamp.After(to) {
			t.Errorf("%q: delay stamp %q (%v), want an XEP-0082 time between %v and %v", m.Body, m.Delay.Stamp, err, from, to)
		}
		if m.Delay.From != s.domain {
			t.Errorf("%q: delay from %q, want %s", m.Body, m.Delay.From, s.domain)
		}
	}
	if !slices.Equal(got, want) {
		if slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("offline messages delivered out of order:\n got %q\nwant %q", got, want)
		} else {
			t.Errorf("offline messages:\n got %q\nwant %q", got, want)
		}
	}
	if _, ok := find(r.First.Presence, bare(r.Alice), "subscribe"); !ok {
		t.Errorf("subscription request from %s not delivered at login; presence received: %v", bare(r.Alice), r.First.Presence)
	}
	if len(r.Second.Messages) != 0 {
		t.Errorf("second login got %d messages again, first %q", len(r.Second.Messages), r.Second.Messages[0].Body)
	}
}

func unixTime(sec float64) time.Time {
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9))
}

// RFC 6121 §2: 500 roster sets are each answered and pushed to the other
// interested resource; a new session's roster get returns all 500 items in
// one result, names and groups intact. §2.6: a get carrying the version
// just returned is answered with an empty result (no <query/>).
func testRoster500(t *testing.T, s *server) {
	var r struct {
		Count          int          `json:"count"`
		SetsSeconds    float64      `json:"sets_seconds"`
		GetSeconds     float64      `json:"get_seconds"`
		Pushes         int          `json:"pushes"`
		PushedContacts int          `json:"pushed_contacts"`
		JIDs           []string     `json:"jids"`
		Sample         []rosterItem `json:"sample"`
		Ver            string       `json:"ver"`
		UnchangedType  string       `json:"unchanged_type"`
		UnchangedQuery bool         `json:"unchanged_has_query"`
		UnchangedItems int          `json:"unchanged_items"`
	}
	s.runScript(t, &r, "roster500.py")
	t.Logf("%d roster sets in %.2fs; roster get of %d items in %.3fs", r.Count, r.SetsSeconds, len(r.JIDs), r.GetSeconds)
	if r.Pushes != r.Count || r.PushedContacts != r.Count {
		t.Errorf("other resource got %d pushes for %d contacts, want %d each", r.Pushes, r.PushedContacts, r.Count)
	}
	var want []string
	for i := range r.Count {
		want = append(want, fmt.Sprintf("contact-%03d@example.net", i))
	}
	if got := slices.Sorted(slices.Values(r.JIDs)); !slices.Equal(got, want) {
		t.Errorf("roster result has %d items, want the %d contacts added (contact-000 to contact-%03d)", len(got), r.Count, r.Count-1)
	}
	// The order of an item's groups means nothing: compared sorted.
	want123 := rosterItem{JID: "contact-123@example.net", Name: "Contact 123", Subscription: "none", Groups: []string{"group 4", "interop"}}
	if len(r.Sample) != 1 {
		t.Errorf("roster result has %d items for %s", len(r.Sample), want123.JID)
	} else if got := r.Sample[0]; got.Name != want123.Name || got.state() != "none" ||
		!slices.Equal(slices.Sorted(slices.Values(got.Groups)), want123.Groups) {
		t.Errorf("item %+v, want %+v", got, want123)
	}
	if r.Ver == "" {
		t.Errorf("roster result has no ver, though the server offers roster versioning")
	}
	if r.UnchangedType != "result" || r.UnchangedQuery || r.UnchangedItems != 0 {
		t.Errorf("get with current ver %q: type %s, query present %v, %d items; want an empty result",
			r.Ver, r.UnchangedType, r.UnchangedQuery, r.UnchangedItems)
	}
}

// XEP-0054: a published vCard comes back to its owner (asked with no 'to'
// or with the bare JID) and to another user, field for field. A user who
// never published one gets an empty vCard or item-not-found (§3.1); an
// account that does not exist is an error.
func testVCard(t *testing.T, s *server) {
	type fetch struct {
		Type      string            `json:"type"`
		Fields    map[string]string `json:"fields"`
		Condition string            `json:"condition"`
	}
	var r struct {
		Published      map[string]string `json:"published"`
		Own            fetch             `json:"own"`
		OwnByBareJID   fetch             `json:"own_by_bare_jid"`
		Others         fetch             `json:"others"`
		NeverPublished fetch             `json:"never_published"`
		NoSuchUser     fetch             `json:"no_such_user"`
	}
	s.runScript(t, &r, "vcard.py")
	for name, f := range map[string]fetch{"own": r.Own, "own by bare JID": r.OwnByBareJID, "another user's": r.Others} {
		if f.Type != "result" || !maps.Equal(f.Fields, r.Published) {
			t.Errorf("%s vCard: %+v, want %v", name, f, r.Published)
		}
	}
	if f := r.NeverPublished; !(f.Type == "result" && len(f.Fields) == 0) && f.Condition != "item-not-found" {
		t.Errorf("vCard never published: %+v, want an empty vCard or item-not-found", f)
	}
	if r.NoSuchUser.Type != "error" {
		t.Errorf("vCard of no such user: %+v, want an error", r.NoSuchUser)
	}
}

// XEP-0191 ("User Blocks Contact"): the block list holds what was blocked,
// and the resource that asked for it gets the block pushed. Stanzas from
// a blocked JID are not delivered; an IQ get from it is answered with
// service-unavailable (MUST). A stanza to a blocked JID is refused with
// not-acceptable and <blocked xmlns='urn:xmpp:blocking:errors'/>.
// Unblocking restores delivery.
func testBlocking(t *testing.T, s *server) {
	type msgError struct {
		From      string `json:"from"`
		Type      string `json:"type"`
		Condition string `json:"condition"`
		Blocked   bool   `json:"blocked"`
	}
	var r struct {
		Alice          string     `json:"alice"`
		Bob            string     `json:"bob"`
		Blocklist      []string   `json:"blocklist"`
		BlockPush      []string   `json:"block_push"`
		AliceIQ        string     `json:"alice_iq_while_blocked"`
		BobSendError   *msgError  `json:"bob_send_error"`
		AliceGotErrors []msgError `json:"alice_got_errors"`
		BobGot         []string   `json:"bob_got"`
	}
	s.runScript(t, &r, "blocking.py")
	ja := bare(r.Alice)
	if !slices.Equal(r.Blocklist, []string{ja}) || !slices.Equal(r.BlockPush, []string{ja}) {
		t.Errorf("block list %q, push %q; want [%s] each", r.Blocklist, r.BlockPush, ja)
	}
	if !slices.Equal(r.BobGot, []string{"after unblock"}) {
		t.Errorf("bob received %q, want only the message sent after unblocking", r.BobGot)
	}
	if r.AliceIQ != "service-unavailable" {
		t.Errorf("IQ get from blocked alice: %q, want service-unavailable", r.AliceIQ)
	}
	want := msgError{From: r.Alice, Type: "cancel", Condition: "not-acceptable", Blocked: true}
	if r.BobSendError == nil || *r.BobSendError != want {
		t.Errorf("bob's message to blocked alice: error %+v, want %+v", r.BobSendError, want)
	}
	// The XEP also says the server SHOULD answer a blocked sender's message
	// with service-unavailable: a SHOULD, so noted rather than failed.
	if len(r.AliceGotErrors) == 0 {
		t.Logf("note: blocked alice's messages were dropped silently; XEP-0191 says the server SHOULD return service-unavailable")
	}
}

// XEP-0280: a resource with carbons enabled gets a <sent/> copy of what
// another resource of its user sends, a <received/> copy of what is
// delivered to another resource, both from the user's bare JID; never a
// copy of a message marked <private/>. The copy is the original stanza
// inside <forwarded/>, whose namespace (jabber:client) MUST be preserved
// (XEP-0297 §3.2): without an xmlns it would be in urn:xmpp:forward:0,
// where a client does not look for a message.
func testCarbons(t *testing.T, s *server) {
	type carbon struct {
		Kind     string `json:"kind"`
		From     string `json:"from"`
		To       string `json:"to"`
		Found    bool   `json:"slixmpp_found_copy"`
		CopyNS   string `json:"copy_ns"`
		CopyName string `json:"copy_name"`
		CopyFrom string `json:"copy_from"`
		CopyTo   string `json:"copy_to"`
		CopyType string `json:"copy_type"`
		Body     string `json:"body"`
	}
	var r struct {
		Alice   string   `json:"alice"`
		Desk    string   `json:"desk"`
		Phone   string   `json:"phone"`
		Carbons []carbon `json:"carbons"`
		Direct  []string `json:"direct"`
	}
	s.runScript(t, &r, "carbons.py")
	want := map[string]carbon{
		"sent by phone":                   {Kind: "sent", CopyFrom: r.Phone, CopyTo: r.Alice},
		"sent by phone after private":     {Kind: "sent", CopyFrom: r.Phone, CopyTo: r.Alice},
		"received by phone":               {Kind: "received", CopyFrom: r.Alice, CopyTo: r.Phone},
		"received by phone after private": {Kind: "received", CopyFrom: r.Alice, CopyTo: r.Phone},
	}
	got := map[string]bool{}
	for _, c := range r.Carbons {
		w, ok := want[c.Body]
		if !ok {
			t.Errorf("desk got a carbon of %q, want none (private messages are not copied)", c.Body)
			continue
		}
		got[c.Body] = true
		if c.Kind != w.Kind || c.From != bare(r.Desk) || c.To != r.Desk {
			t.Errorf("carbon of %q: <%s/> from %s to %s, want <%s/> from %s to %s",
				c.Body, c.Kind, c.From, c.To, w.Kind, bare(r.Desk), r.Desk)
		}
		if c.CopyName != "message" || c.CopyFrom != w.CopyFrom || c.CopyTo != w.CopyTo || c.CopyType != "chat" {
			t.Errorf("carbon of %q: copy is <%s from=%s to=%s type=%s>, want the original <message from=%s to=%s type=chat>",
				c.Body, c.CopyName, c.CopyFrom, c.CopyTo, c.CopyType, w.CopyFrom, w.CopyTo)
		}
		if c.CopyNS != "jabber:client" || !c.Found {
			t.Errorf("carbon of %q: the forwarded message is in namespace %q, want jabber:client; slixmpp found the copy: %v",
				c.Body, c.CopyNS, c.Found)
		}
	}
	for body := range want {
		if !got[body] {
			t.Errorf("desk got no carbon of %q", body)
		}
	}
	if len(r.Direct) != 0 {
		t.Errorf("desk got %q itself, want only carbons", r.Direct)
	}
}

// XEP-0012 (offline user query): last activity of an offline contact, asked by a user
// subscribed to its presence, is the seconds since it went offline and the
// status of its last unavailable presence; a user not subscribed is
// refused with forbidden. RFC 6121 §4.3.2: the probe answer for that
// contact carries the same status and a delay stamp.
func testLastActivity(t *testing.T, s *server) {
	type answer struct {
		Type      string `json:"type"`
		Seconds   *int   `json:"seconds"`
		Status    string `json:"status"`
		Condition string `json:"condition"`
	}
	var r struct {
		LeftAt      float64  `json:"left_at"`
		AskedAt     float64  `json:"asked_at"`
		ProbeAnswer presence `json:"probe_answer"`
		Subscribed  answer   `json:"subscribed_asks"`
		Other       answer   `json:"unsubscribed_asks"`
	}
	s.runScript(t, &r, "last.py")
	maxSecs := int(math.Ceil(r.AskedAt-r.LeftAt)) + 1
	if a := r.Subscribed; a.Type != "result" || a.Seconds == nil || *a.Seconds < 0 || *a.Seconds > maxSecs || a.Status != "gone fishing" {
		t.Errorf("last activity asked by a subscriber: %+v (seconds %v), want seconds in [0, %d] and status %q",
			a, derefInt(a.Seconds), maxSecs, "gone fishing")
	}
	if r.Other.Type != "error" || r.Other.Condition != "forbidden" {
		t.Errorf("last activity asked by a non-subscriber: %+v, want forbidden", r.Other)
	}
	if p := r.ProbeAnswer; deref(p.Status) != "gone fishing" || p.Delay == nil {
		t.Errorf("probe answer %v, want status %q and a delay stamp", p, "gone fishing")
	}
}

func derefInt(p *int) string {
	if p == nil {
		return "<absent>"
	}
	return fmt.Sprint(*p)
}

// XEP-0049: private XML comes back as stored, to a later session; a
// namespace never stored comes back as the empty element asked for; another
// user may not read it (forbidden).
func testPrivateStorage(t *testing.T, s *server) {
	type element struct {
		Tag      string    `json:"tag"`
		Text     string    `json:"text"`
		Children []element `json:"children"`
	}
	type answer struct {
		Type      string    `json:"type"`
		Data      []element `json:"data"`
		Condition string    `json:"condition"`
	}
	var r struct {
		Stored         element `json:"stored"`
		Set            answer  `json:"set"`
		Get            answer  `json:"get"`
		GetNever       answer  `json:"get_never_stored"`
		GetByOtherUser answer  `json:"get_by_other_user"`
	}
	s.runScript(t, &r, "private.py")
	if r.Set.Type != "result" {
		t.Fatalf("storing: %+v", r.Set)
	}
	if r.Get.Type != "result" || len(r.Get.Data) != 1 || fmt.Sprint(r.Get.Data[0]) != fmt.Sprint(r.Stored) {
		t.Errorf("reading back: %+v, want %+v", r.Get, r.Stored)
	}
	empty := element{Tag: "{interop:other}other", Children: []element{}}
	if r.GetNever.Type != "result" || len(r.GetNever.Data) != 1 || fmt.Sprint(r.GetNever.Data[0]) != fmt.Sprint(empty) {
		t.Errorf("reading a namespace never stored: %+v, want the empty %s", r.GetNever, empty.Tag)
	}
	if r.GetByOtherUser.Type != "error" || r.GetByOtherUser.Condition != "forbidden" {
		t.Errorf("another user reading it: %+v, want forbidden", r.GetByOtherUser)
	}
}
