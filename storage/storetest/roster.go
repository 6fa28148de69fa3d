package storetest

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"xmppd/storage"
)

func runRoster(t *testing.T, open Opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		for _, tc := range []struct {
			name string
			item storage.RosterItem
		}{
			{"bare", storage.RosterItem{Contact: "bob@example.net"}},
			{"to with name", storage.RosterItem{Contact: "carol@example.net", Name: "Carol", Subscription: storage.SubscriptionTo}},
			{"from with groups", storage.RosterItem{Contact: "dave@example.net", Subscription: storage.SubscriptionFrom, Groups: []string{"Friends", "Ελληνικά", ""}}},
			{"both", storage.RosterItem{Contact: "erin@example.net", Subscription: storage.SubscriptionBoth, Groups: []string{"Work"}}},
			{"ask", storage.RosterItem{Contact: "frank@example.net", Ask: true}},
			{"pre-approved", storage.RosterItem{Contact: "grace@example.net", Approved: true}},
			{"pending in with stanza", storage.RosterItem{Contact: "heidi@example.net", PendingIn: true,
				PendingInStanza: []byte(`<presence from='heidi@example.net' type='subscribe'><status>hi</status></presence>`)}},
			{"all flags", storage.RosterItem{Contact: "ivan@example.net", Name: "I", Subscription: storage.SubscriptionTo,
				Ask: true, Approved: true, PendingIn: true, Groups: []string{"a", "b", "c"}}},
			{"hidden request", storage.RosterItem{Contact: "judy@example.net", PendingIn: true, Hidden: true}},
			{"domain contact", storage.RosterItem{Contact: "icq.example.net", Subscription: storage.SubscriptionBoth}},
			{"long contact", storage.RosterItem{Contact: strings.Repeat("x", 1000) + "@" + strings.Repeat("y", 1000)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.item
				in.Owner = "alice"
				_, err := s.PutRosterItem(in)
				noErr(t, "PutRosterItem", err)
				got, err := s.RosterItem("alice", in.Contact)
				noErr(t, "RosterItem", err)
				wantEqual(t, "item", got, in.Clone())
				items, _, err := s.RosterItems("alice")
				noErr(t, "RosterItems", err)
				i := slices.IndexFunc(items, func(it storage.RosterItem) bool { return it.Contact == in.Contact })
				if i < 0 {
					t.Fatalf("%q missing from RosterItems", in.Contact)
				}
				wantEqual(t, "scanned item", items[i], in.Clone())
			})
		}
	})

	t.Run("Versions", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		step := func(what string, want uint64, got uint64, err error) {
			t.Helper()
			noErr(t, what, err)
			wantEqual(t, what+" version", got, want)
		}
		ver, err := s.RosterVersion("alice")
		step("initial", 0, ver, err)
		ver, err = s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: "bob@x"})
		step("put", 1, ver, err)
		ver, err = s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: "bob@x", Name: "Bob"})
		step("put again", 2, ver, err)
		ver, err = s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: "carol@x"})
		step("put other", 3, ver, err)
		ver, err = s.DeleteRosterItem("alice", "bob@x")
		step("delete", 4, ver, err)
		_, err = s.DeleteRosterItem("alice", "bob@x")
		wantErr(t, "delete missing", err, storage.ErrNotFound)
		ver, err = s.RosterVersion("alice")
		step("after failed delete", 4, ver, err)
		ver, err = s.ReplaceRoster("alice", []storage.RosterItem{{Contact: "dave@x"}, {Contact: "erin@x"}})
		step("replace", 5, ver, err)
		items, ver, err := s.RosterItems("alice")
		step("RosterItems", 5, ver, err)
		wantEqual(t, "contacts", contacts(items), []string{"dave@x", "erin@x"})
		_, err = s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: "bad@x", Subscription: 9})
		wantErr(t, "invalid put", err, storage.ErrInvalid)
		ver, err = s.RosterVersion("alice")
		step("after invalid put", 5, ver, err)
	})

	t.Run("SortedByContact", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		want := []string{"a@x", "aa@x", "b@x", "z@x", "zz.example", "Ä@x"}
		r := rand.New(rand.NewPCG(1, 2))
		order := slices.Clone(want)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, c := range order {
			_, err := s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: c})
			noErr(t, "PutRosterItem", err)
		}
		items, _, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		wantEqual(t, "order", contacts(items), want)
	})

	t.Run("Replace", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		populate(t, s, "alice")
		items := []storage.RosterItem{
			{Contact: "x@y", Name: "first"},
			{Owner: "alice", Contact: "w@y"},
			{Contact: "x@y", Name: "last wins", Subscription: storage.SubscriptionBoth},
		}
		_, err := s.ReplaceRoster("alice", items)
		noErr(t, "ReplaceRoster", err)
		got, _, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		wantEqual(t, "roster", got, []storage.RosterItem{
			{Owner: "alice", Contact: "w@y"},
			{Owner: "alice", Contact: "x@y", Name: "last wins", Subscription: storage.SubscriptionBoth},
		})
		_, err = s.ReplaceRoster("alice", []storage.RosterItem{{Owner: "bob", Contact: "x@y"}})
		wantErr(t, "foreign owner", err, storage.ErrInvalid)
		_, err = s.ReplaceRoster("alice", []storage.RosterItem{{Contact: ""}})
		wantErr(t, "empty contact", err, storage.ErrInvalid)
		ver, err := s.ReplaceRoster("alice", nil)
		noErr(t, "ReplaceRoster empty", err)
		got, gotVer, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		if len(got) != 0 || gotVer != ver {
			t.Fatalf("after empty replace: %d items, version %d want %d", len(got), gotVer, ver)
		}
	})

	t.Run("Scan5000", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		in := MakeRoster(5000)
		ver, err := s.ReplaceRoster("alice", in)
		noErr(t, "ReplaceRoster", err)
		got, gotVer, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		wantEqual(t, "version", gotVer, ver)
		if len(got) != len(in) {
			t.Fatalf("got %d items, want %d", len(got), len(in))
		}
		for i := range in {
			want := in[i].Clone()
			want.Owner = "alice"
			if !equalItem(got[i], want) {
				t.Fatalf("item %d:\n got  %#v\n want %#v", i, got[i], want)
			}
		}
	})

	t.Run("Copies", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		groups := []string{"g1", "g2"}
		stanza := []byte("<presence type='subscribe'/>")
		for _, c := range []string{"a@x", "b@x"} {
			_, err := s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: c, Groups: groups, PendingIn: true, PendingInStanza: stanza})
			noErr(t, "PutRosterItem", err)
		}
		groups[0] = "changed by caller"
		stanza[0] = '!'
		items, _, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		items[0].Groups = append(items[0].Groups, "appended")
		items[0].Groups[0] = "mutated"
		items[0].PendingInStanza[0] = '?'
		again, _, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		for _, it := range append(again, items[1]) {
			wantEqual(t, "groups", it.Groups, []string{"g1", "g2"})
			wantEqual(t, "stanza", string(it.PendingInStanza), "<presence type='subscribe'/>")
		}
	})

	t.Run("InvalidItems", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		for _, tc := range []struct {
			name string
			item storage.RosterItem
		}{
			{"no owner", storage.RosterItem{Contact: "a@b"}},
			{"empty contact", storage.RosterItem{Owner: "alice"}},
			{"NUL in contact", storage.RosterItem{Owner: "alice", Contact: "a\x00b"}},
			{"bad subscription", storage.RosterItem{Owner: "alice", Contact: "a@b", Subscription: 4}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.PutRosterItem(tc.item)
				wantErr(t, "PutRosterItem", err, storage.ErrInvalid)
			})
		}
		_, err := s.RosterItem("alice", "")
		wantErr(t, "RosterItem empty contact", err, storage.ErrInvalid)
		_, err = s.DeleteRosterItem("alice", "")
		wantErr(t, "DeleteRosterItem empty contact", err, storage.ErrInvalid)
	})
}

// MakeRoster returns n distinct items with varied fields, in contact order,
// without owner. Benchmarks use it too.
func MakeRoster(n int) []storage.RosterItem {
	items := make([]storage.RosterItem, n)
	groups := [][]string{nil, {"Friends"}, {"Work", "Project X"}}
	for i := range items {
		items[i] = storage.RosterItem{
			Contact:      contact(i),
			Name:         "Contact " + contact(i)[7:12],
			Groups:       groups[i%len(groups)],
			Subscription: storage.Subscription(i % 4),
			Ask:          i%7 == 0,
			Approved:     i%11 == 0,
		}
	}
	return items
}

func contacts(items []storage.RosterItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Contact
	}
	return out
}

func equalItem(a, b storage.RosterItem) bool {
	return a.Owner == b.Owner && a.Contact == b.Contact && a.Name == b.Name &&
		slices.Equal(a.Groups, b.Groups) && a.Subscription == b.Subscription &&
		a.Ask == b.Ask && a.Approved == b.Approved && a.PendingIn == b.PendingIn &&
		string(a.PendingInStanza) == string(b.PendingInStanza)
}
