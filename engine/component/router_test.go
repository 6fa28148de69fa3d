package component

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"xmppd/internal/jid"
)

// fakeSink stands in for a component connection.
type fakeSink struct {
	name   string
	refuse atomic.Bool
	mu     sync.Mutex // guards got
	got    []string
}

func (f *fakeSink) enqueue(_ jid.JID, b []byte) bool {
	if f.refuse.Load() {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, string(b))
	return true
}

func (f *fakeSink) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

const gw = "gw.example"

func newTestRouter(t *testing.T, b Balance) *Router {
	t.Helper()
	r, err := NewRouter(RouterConfig{Secrets: map[string]string{gw: "s3cret", "other.example": "x"}, Balance: b})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func addSinks(t *testing.T, r *Router, names ...string) map[string]*member {
	t.Helper()
	ms := map[string]*member{}
	for _, n := range names {
		m, err := r.attach(gw, &fakeSink{name: n})
		if err != nil {
			t.Fatal(err)
		}
		ms[n] = m
	}
	return ms
}

// msg is a stanza from user's resource res to a legacy contact.
func msg(user, res, contact string) (jid.JID, []byte) {
	to := jid.MustParse(contact + "@" + gw)
	return to, []byte(fmt.Sprintf("<message from='%s@localhost/%s' to='%s' type='chat'><body>hi</body></message>", user, res, to))
}

// owner is the instance the router picks for a stanza.
func owner(r *Router, to jid.JID, b []byte) string {
	m := r.pick(gw, r.keyHash(to, b))
	if m == nil {
		return ""
	}
	return m.sink.(*fakeSink).name
}

func ownersOf(r *Router, users int) map[string]string {
	out := make(map[string]string, users)
	for i := range users {
		u := fmt.Sprintf("user%d", i)
		to, b := msg(u, "r", "contact")
		out[u] = owner(r, to, b)
	}
	return out
}

func TestParseBalance(t *testing.T) {
	for s, want := range map[string]Balance{"": BySender, "sender": BySender, "recipient": ByRecipient, "full": ByFullSender, "random": ByRandom} {
		got, err := ParseBalance(s)
		if err != nil || got != want {
			t.Errorf("ParseBalance(%q) = %v, %v", s, got, err)
		}
		if s != "" && got.String() != s {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := ParseBalance("roundrobin"); err == nil {
		t.Error("an unknown balance was accepted")
	}
}

func TestNewRouter(t *testing.T) {
	for name, secrets := range map[string]map[string]string{
		"not a domain": {"user@gw.example": "x"},
		"empty secret": {gw: ""},
		"twice":        {gw: "a", "GW.example": "b"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewRouter(RouterConfig{Secrets: secrets}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	r := newTestRouter(t, BySender)
	if !r.Serves(gw) || r.Serves("localhost") || r.Serves("sub."+gw) {
		t.Fatal("Serves is wrong")
	}
	if d := r.Domains(); len(d) != 2 || d[0] != gw || d[1] != "other.example" {
		t.Fatalf("Domains() = %v", d)
	}
	var nilRouter *Router
	if nilRouter.Serves(gw) || nilRouter.Deliver(jid.MustParse(gw), nil) || nilRouter.Domains() != nil {
		t.Fatal("a nil router serves something")
	}
}

func TestDeliverWithoutInstances(t *testing.T) {
	r := newTestRouter(t, BySender)
	to, b := msg("alice", "r", "bob")
	if r.Deliver(to, b) {
		t.Fatal("delivered with no connection")
	}
	if r.Deliver(jid.MustParse("x@unknown.example"), b) {
		t.Fatal("delivered to an unknown domain")
	}
	ms := addSinks(t, r, "a")
	if !r.Deliver(to, b) {
		t.Fatal("not delivered with a connection")
	}
	r.detach(ms["a"])
	r.detach(ms["a"]) // twice is harmless
	if r.Deliver(to, b) || r.Connections(gw) != 0 {
		t.Fatal("delivered after the only connection left")
	}
	if got := r.Stats.Undeliverable.Load(); got != 2 {
		t.Fatalf("Undeliverable = %d, want 2", got)
	}
}

// With the sender key, each instance gets its share of users, within a few
// standard deviations of n/k.
func TestDistribution(t *testing.T) {
	const users = 30000
	for _, k := range []int{2, 3, 5, 8} {
		t.Run(fmt.Sprint(k, " instances"), func(t *testing.T) {
			r := newTestRouter(t, BySender)
			names := make([]string, k)
			for i := range names {
				names[i] = fmt.Sprint("i", i)
			}
			addSinks(t, r, names...)
			per := map[string]int{}
			for _, o := range ownersOf(r, users) {
				per[o]++
			}
			mean := float64(users) / float64(k)
			sd := math.Sqrt(mean * (1 - 1/float64(k)))
			for _, n := range names {
				if d := math.Abs(float64(per[n]) - mean); d > 5*sd {
					t.Errorf("%s got %d users, mean %.0f (sd %.0f): %v", n, per[n], mean, sd, per)
				}
			}
		})
	}
}

// A user's stanzas all go to one instance whatever the resource or the
// legacy contact; with the full-JID key, each resource sticks on its own;
// with the recipient key, each contact does.
func TestStickiness(t *testing.T) {
	t.Run("sender", func(t *testing.T) {
		r := newTestRouter(t, BySender)
		addSinks(t, r, "a", "b", "c")
		for u := range 50 {
			user := fmt.Sprint("u", u)
			want := ""
			for i := range 20 {
				to, b := msg(user, fmt.Sprint("res", i%3), fmt.Sprint("contact", i))
				got := owner(r, to, b)
				if want == "" {
					want = got
				}
				if got != want {
					t.Fatalf("%s: stanza %d went to %s, earlier ones to %s", user, i, got, want)
				}
			}
		}
	})
	t.Run("full", func(t *testing.T) {
		r := newTestRouter(t, ByFullSender)
		addSinks(t, r, "a", "b", "c")
		spread := map[string]bool{}
		for res := range 30 {
			want := ""
			for i := range 5 {
				to, b := msg("alice", fmt.Sprint("res", res), fmt.Sprint("contact", i))
				got := owner(r, to, b)
				if want == "" {
					want = got
				}
				if got != want {
					t.Fatalf("resource %d: stanza %d went to %s, earlier ones to %s", res, i, got, want)
				}
			}
			spread[want] = true
		}
		if len(spread) < 2 {
			t.Fatalf("30 resources of one user all on %v", spread)
		}
	})
	t.Run("recipient", func(t *testing.T) {
		r := newTestRouter(t, ByRecipient)
		addSinks(t, r, "a", "b", "c")
		for c := range 30 {
			want := ""
			for u := range 10 {
				to, b := msg(fmt.Sprint("u", u), "r", fmt.Sprint("contact", c))
				got := owner(r, to, b)
				if want == "" {
					want = got
				}
				if got != want {
					t.Fatalf("contact %d: from user %d went to %s, from others to %s", c, u, got, want)
				}
			}
		}
	})
	t.Run("sender falls back to recipient", func(t *testing.T) {
		r := newTestRouter(t, BySender)
		addSinks(t, r, "a", "b", "c")
		to := jid.MustParse("bob@" + gw)
		a := owner(r, to, []byte("<presence to='bob@gw.example'/>"))
		b := owner(r, to, []byte("<presence from='not a jid@@' to='bob@gw.example'/>"))
		if a == "" || a != b {
			t.Fatalf("%q %q", a, b)
		}
	})
	t.Run("escaped sender", func(t *testing.T) {
		r := newTestRouter(t, BySender)
		addSinks(t, r, "a", "b", "c", "d", "e")
		to := jid.MustParse("bob@" + gw)
		a := owner(r, to, []byte(`<message from="o'brien@localhost/x" to='bob@gw.example'/>`))
		b := owner(r, to, []byte(`<message from='o&apos;brien@localhost/y' to='bob@gw.example'/>`))
		if a != b {
			t.Fatalf("one user on %s and %s", a, b)
		}
	})
}

// Rendezvous hashing: adding an instance moves only the users it now
// wins, about 1/(k+1) of them; removing one moves only its own users, and
// each to the instance that was their second choice.
func TestMinimalMovement(t *testing.T) {
	const users = 20000
	r := newTestRouter(t, BySender)
	ms := addSinks(t, r, "a", "b", "c")
	before := ownersOf(r, users)

	addSinks(t, r, "d")
	after := ownersOf(r, users)
	moved := 0
	for u, o := range after {
		if o != before[u] {
			moved++
			if o != "d" {
				t.Fatalf("%s moved from %s to %s, not to the new instance", u, before[u], o)
			}
		}
	}
	if f := float64(moved) / users; f < 0.22 || f > 0.28 {
		t.Fatalf("adding a 4th instance moved %.3f of the users, want about 0.25", f)
	}

	// b disconnects: exactly b's users rehash, to the others.
	r.detach(ms["b"])
	gone := ownersOf(r, users)
	for u, o := range gone {
		switch {
		case after[u] == "b" && o == "b":
			t.Fatalf("%s still on the departed instance", u)
		case after[u] != "b" && o != after[u]:
			t.Fatalf("%s moved from %s to %s though its instance stayed", u, after[u], o)
		}
	}

	// b comes back as a new connection: only the users it now wins move.
	addSinks(t, r, "b2")
	back := ownersOf(r, users)
	for u, o := range back {
		if o != gone[u] && o != "b2" {
			t.Fatalf("%s moved from %s to %s", u, gone[u], o)
		}
	}
}

// A connection that refuses a stanza (closing, over its cap) passes it to
// the key's next choice: where the user lands once the connection is gone.
func TestRefusedGoesToNextChoice(t *testing.T) {
	r := newTestRouter(t, BySender)
	ms := addSinks(t, r, "a", "b", "c", "d")
	for u := range 200 {
		to, b := msg(fmt.Sprint("u", u), "r", "contact")
		first := r.pick(gw, r.keyHash(to, b))
		fs := first.sink.(*fakeSink)
		fs.refuse.Store(true)
		if !r.Deliver(to, b) {
			t.Fatal("not delivered though three instances take stanzas")
		}
		fs.refuse.Store(false)
		var took string
		for _, m := range ms {
			s := m.sink.(*fakeSink)
			s.mu.Lock()
			if len(s.got) > 0 {
				took = s.name
				s.got = nil
			}
			s.mu.Unlock()
		}
		r.detach(first)
		if next := owner(r, to, b); next != took {
			t.Fatalf("refused stanza went to %s, but without %s the user lives on %s", took, fs.name, next)
		}
		m, _ := r.attach(gw, fs) // back, as a new connection
		ms[fs.name] = m
	}
	for _, m := range ms {
		m.sink.(*fakeSink).refuse.Store(true)
	}
	to, b := msg("x", "r", "contact")
	if r.Deliver(to, b) {
		t.Fatal("delivered though every instance refuses")
	}
}

func TestRandomBalance(t *testing.T) {
	r := newTestRouter(t, ByRandom)
	ms := addSinks(t, r, "a", "b", "c")
	to, b := msg("alice", "r", "bob")
	for range 3000 {
		if !r.Deliver(to, b) {
			t.Fatal("not delivered")
		}
	}
	for n, m := range ms {
		if c := m.sink.(*fakeSink).count(); c < 800 || c > 1200 {
			t.Errorf("%s got %d of 3000", n, c)
		}
	}
	ms["a"].sink.(*fakeSink).refuse.Store(true)
	ms["b"].sink.(*fakeSink).refuse.Store(true)
	before := ms["c"].sink.(*fakeSink).count()
	for range 100 {
		r.Deliver(to, b)
	}
	if got := ms["c"].sink.(*fakeSink).count() - before; got != 100 {
		t.Fatalf("the one accepting instance got %d of 100", got)
	}
}

// Deliver runs lock-free against connections coming and going (-race).
func TestConcurrentDeliverAndChurn(t *testing.T) {
	r := newTestRouter(t, BySender)
	addSinks(t, r, "base")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				to, b := msg(fmt.Sprint("u", g, "-", i%100), "r", "c")
				if !r.Deliver(to, b) {
					t.Error("not delivered though one connection stays")
					return
				}
			}
		}()
	}
	for range 500 {
		m, _ := r.attach(gw, &fakeSink{name: "churn"})
		r.detach(m)
	}
	close(stop)
	wg.Wait()
}

func BenchmarkDeliver(b *testing.B) {
	r, _ := NewRouter(RouterConfig{Secrets: map[string]string{gw: "s"}})
	for range 4 {
		_, _ = r.attach(gw, nopSink{})
	}
	to, st := msg("alice", "r", "bob")
	b.ReportAllocs()
	for b.Loop() {
		r.Deliver(to, st)
	}
}

type nopSink struct{}

func (nopSink) enqueue(jid.JID, []byte) bool { return true }
