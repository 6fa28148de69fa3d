package subscription

import (
	"fmt"
	"testing"
)

var kinds = []Kind{Subscribe, Subscribed, Unsubscribe, Unsubscribed}

var steps = []struct {
	name string
	step func(Item, Kind) Result
}{{"outbound", Outbound}, {"inbound", Inbound}}

// allItems returns every Item the fields can spell, damaged ones included:
// five Sub values (one undefined), every flag combination and four Record
// values (one undefined).
func allItems() []Item {
	var items []Item
	for r := Absent; r <= Listed+1; r++ {
		for sub := None; sub <= Both+1; sub++ {
			for f := 0; f < 8; f++ {
				items = append(items, Item{Record: r, State: State{
					Sub: sub, PendingOut: f&1 != 0, PendingIn: f&2 != 0, Approved: f&4 != 0,
				}})
			}
		}
	}
	return items
}

// validItems returns the fourteen items Valid accepts: the twelve states
// as roster items, the Unlisted request and the Absent contact.
func validItems() map[Item]bool {
	valid := map[Item]bool{}
	for _, it := range allItems() {
		if it.Valid() {
			valid[it] = true
		}
	}
	return valid
}

// Every transition, from any input, yields a valid item, and the Result is
// consistent with it.
func TestEveryTransitionKeepsItemValid(t *testing.T) {
	for _, in := range allItems() {
		for _, st := range steps {
			for _, k := range kinds {
				r := st.step(in, k)
				out := r.Item
				name := fmt.Sprintf("%s %s from %v/%+v", st.name, k, in.Record, in.State)
				s := out.State
				if s.PendingOut && s.Sub.To() {
					t.Errorf("%s: Pending Out with %s", name, s.Sub)
				}
				if s.PendingIn && s.Sub.From() {
					t.Errorf("%s: Pending In with %s", name, s.Sub)
				}
				if s.Approved && (s.Sub.From() || s.PendingIn) {
					t.Errorf("%s: Approved in %v", name, s)
				}
				if !out.Valid() {
					t.Errorf("%s: invalid result %v", name, out)
				}
				if r.Changed != (out != in) {
					t.Errorf("%s: Changed %v for %v -> %v", name, r.Changed, in, out)
				}
				if r.Push && out.Record != Listed {
					t.Errorf("%s: push of a %v record", name, out.Record)
				}
				if r.StoreRequest && !(st.name == "inbound" && k == Subscribe && r.Forward && s.PendingIn) {
					t.Errorf("%s: StoreRequest with %+v", name, r)
				}
				if r.Reply != 0 && (st.name != "inbound" || k != Subscribe || r.Forward || !s.Sub.From()) {
					t.Errorf("%s: reply %v with %+v", name, r.Reply, r)
				}
				if !in.Valid() {
					continue
				}
				// For a valid input the Write follows from the records.
				var w Write
				switch {
				case !r.Changed:
				case out.Record == Absent:
					w = WriteDelete
				default:
					w = WritePut
				}
				if r.Write != w {
					t.Errorf("%s: write %v, want %v", name, r.Write, w)
				}
				// A push exactly when the client's view changes.
				push := out.Record == Listed && (in.Record != Listed || in.State.visible() != s.visible())
				if r.Push != push {
					t.Errorf("%s: push %v", name, r.Push)
				}
			}
		}
	}
}

// The items reachable from a contact the user never dealt with are exactly
// the valid ones: Valid is neither looser nor stricter than the machine.
func TestReachableItemsAreTheValidOnes(t *testing.T) {
	seen := map[Item]bool{{}: true}
	queue := []Item{{}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		for _, st := range steps {
			for _, k := range kinds {
				next := st.step(it, k).Item
				if !seen[next] {
					seen[next] = true
					queue = append(queue, next)
				}
			}
		}
	}
	valid := validItems()
	if len(valid) != 14 {
		t.Errorf("%d valid items, want 12 listed states + unlisted + absent", len(valid))
	}
	for it := range valid {
		if !seen[it] {
			t.Errorf("valid but unreachable: %v", it)
		}
	}
	for it := range seen {
		if !valid[it] {
			t.Errorf("reachable but invalid: %v", it)
		}
	}
}

// pair is two users' items for each other, a's for b and b's for a.
type pair struct{ a, b Item }

// send plays one stanza of kind k from the owner of *from to the owner of
// *to, the way two servers that route every stanza would: the sender's
// server applies Outbound, the receiver's Inbound, and an auto-reply goes
// back the same way.
func send(from, to *Item, k Kind) {
	r := Outbound(*from, k)
	*from = r.Item
	if r.Forward {
		receive(to, from, k)
	}
}

func receive(at, peer *Item, k Kind) {
	r := Inbound(*at, k)
	*at = r.Item
	if r.Reply != 0 {
		// The server sends the reply on the user's behalf; the user's item
		// already reflects it, so only the peer's server processes it.
		receive(peer, at, r.Reply)
	}
}

// Two users whose servers follow this package agree on their subscription
// after every stanza either sends: a's To is b's From, a's Pending Out is
// b's Pending In, and a pre-approval never meets a pending request. The
// search covers every pair reachable from strangers.
func TestTwoServersAgree(t *testing.T) {
	start := pair{}
	seen := map[pair]bool{start: true}
	queue := []pair{start}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, byA := range []bool{true, false} {
			for _, k := range kinds {
				q := p
				if byA {
					send(&q.a, &q.b, k)
				} else {
					send(&q.b, &q.a, k)
				}
				if err := agree(q); err != nil {
					who := "b"
					if byA {
						who = "a"
					}
					t.Errorf("%s sends %s in (a: %v, b: %v): %v; now (a: %v, b: %v)", who, k, p.a, p.b, err, q.a, q.b)
					continue
				}
				if !seen[q] {
					seen[q] = true
					queue = append(queue, q)
				}
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("only %d pairs reached", len(seen))
	}
}

func agree(p pair) error {
	a, b := p.a.State, p.b.State
	switch {
	case a.Sub.To() != b.Sub.From(), a.Sub.From() != b.Sub.To():
		return fmt.Errorf("subscriptions %s and %s disagree", a.Sub, b.Sub)
	case a.PendingOut != b.PendingIn, a.PendingIn != b.PendingOut:
		return fmt.Errorf("pending flags disagree")
	case a.Approved && b.PendingOut, b.Approved && a.PendingOut:
		return fmt.Errorf("a pre-approval next to a pending request")
	}
	return nil
}
