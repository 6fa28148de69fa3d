package subscription

import (
	"testing"

	"xmppd/storage"
)

// State maps 1:1 onto the subscription fields of storage.RosterItem.
func TestStorageRoundTrip(t *testing.T) {
	for sub := None; sub <= Both; sub++ {
		if got := SubOf(sub.Storage()); got != sub {
			t.Errorf("%v: round trip gives %v", sub, got)
		}
		if sub.String() != sub.Storage().String() {
			t.Errorf("%v: stored as %v", sub, sub.Storage())
		}
		if sub.To() != sub.Storage().To() || sub.From() != sub.Storage().From() {
			t.Errorf("%v: direction differs from storage", sub)
		}
	}
	for it := range validItems() {
		s := it.State
		var stored storage.RosterItem
		Apply(&stored, s)
		if got := StateOf(&stored); got != s {
			t.Errorf("%v: stored and read back as %v", s, got)
		}
	}
}

func TestItemOf(t *testing.T) {
	if got := ItemOf(nil); got != (Item{}) {
		t.Errorf("nil: %v", got)
	}
	tests := []struct {
		name string
		it   storage.RosterItem
		want Item
	}{
		{"a stranger's request", storage.RosterItem{Contact: "a@example.net", PendingIn: true, Hidden: true},
			Item{Record: Unlisted, State: sNonePI}},
		{"an added contact's request, no name or group", storage.RosterItem{Contact: "a@example.net", PendingIn: true},
			Item{Record: Listed, State: sNonePI}},
		{"a named contact's request", storage.RosterItem{Contact: "a@example.net", Name: "A", PendingIn: true},
			Item{Record: Listed, State: sNonePI}},
		{"a grouped contact's request", storage.RosterItem{Contact: "a@example.net", Groups: []string{"g"}, PendingIn: true},
			Item{Record: Listed, State: sNonePI}},
		{"a request next to our own", storage.RosterItem{Contact: "a@example.net", Ask: true, PendingIn: true},
			Item{Record: Listed, State: sNonePOI}},
		{"a plain item", storage.RosterItem{Contact: "a@example.net"},
			Item{Record: Listed, State: sNone}},
		{"both", storage.RosterItem{Contact: "a@example.net", Subscription: storage.SubscriptionBoth},
			Item{Record: Listed, State: sBoth}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ItemOf(&tc.it); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if InRoster(&tc.it) != (tc.want.Record == Listed) {
				t.Errorf("InRoster disagrees with ItemOf")
			}
		})
	}
}

// Apply touches only the subscription fields and drops a request that is
// no longer pending.
func TestApply(t *testing.T) {
	it := storage.RosterItem{Owner: "bob", Contact: "a@example.net", Name: "A", Groups: []string{"g"},
		PendingIn: true, PendingInStanza: []byte("<presence type='subscribe'/>")}
	Apply(&it, sToPI)
	if it.PendingInStanza == nil || it.Subscription != storage.SubscriptionTo || it.Name != "A" || len(it.Groups) != 1 {
		t.Fatalf("pending request kept: %+v", it)
	}
	Apply(&it, sBoth)
	if it.PendingInStanza != nil || it.PendingIn || it.Subscription != storage.SubscriptionBoth {
		t.Fatalf("answered request dropped: %+v", it)
	}
}
