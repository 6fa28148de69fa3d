package pebblestore

import (
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
	"time"

	"xmppd/storage"
)

// The on-disk format must not change by accident: these values are what
// existing databases hold. A deliberate change adds a new format byte and
// keeps decoding the old one.
func TestEncodingGolden(t *testing.T) {
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"roster item", appendRosterItem(nil, &storage.RosterItem{
			Contact: "bob@x", Name: "Bob", Groups: []string{"A", "BC"},
			Subscription: storage.SubscriptionBoth, Ask: true, PendingIn: true, PendingInStanza: []byte("<p/>"),
		}), "0117" + "03426f62" + "02" + "0141" + "024243" + "043c702f3e"},
		{"empty roster item", appendRosterItem(nil, &storage.RosterItem{Contact: "c"}), "0100" + "00" + "00" + "00"},
		{"counter", appendCounter(nil, 300), "01ac02"},
		{"offline meta", appendOfflineMeta(nil, 1, 2), "010102"},
		{"offline message", appendOfflineMessage(nil, stamp, []byte("<m/>")), "01" + "cad6b9950d" + "06" + "3c6d2f3e"},
		{"last activity", appendLastActivity(nil, &storage.LastActivity{Time: stamp, Status: "hi"}), "01" + "cad6b9950d" + "06" + "6869"},
		{"user", appendUser(nil, &storage.User{Created: stamp, SHA256: storage.ScramKeys{Salt: []byte{9}, Iterations: 2, StoredKey: []byte{1}, ServerKey: []byte{2}}}),
			"01" + "cad6b9950d" + "06" + "00000000" + "02" + "0109" + "0101" + "0102"},
		{"offline key", appendOfflineKey(nil, "al", 258), hex.EncodeToString([]byte("o\x00al\x00\x00\x00\x00\x00\x00\x00\x01\x02"))},
		{"roster key", appendSubKey(nil, tagRoster, "al", "b@x"), hex.EncodeToString([]byte("r\x00al\x00b@x"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(tc.got); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPrefixBounds(t *testing.T) {
	lower, upper := prefixBounds(tagRoster, "alice")
	for _, tc := range []struct {
		key    string
		inside bool
	}{
		{"r\x00alice\x00bob@x", true},
		{"r\x00alice\x00\xff", true},
		{"r\x00alicea\x00bob@x", false},
		{"r\x00alic\x00bob@x", false},
		{"rv\x00alice", false},
		{"r\x00alice", false},
	} {
		in := string(lower) <= tc.key && tc.key < string(upper)
		if in != tc.inside {
			t.Errorf("%q inside [%q, %q) = %v, want %v", tc.key, lower, upper, in, tc.inside)
		}
	}
}

// Every decoder rejects damaged values with ErrCorrupt and never panics.
func TestDecodeCorrupt(t *testing.T) {
	good := map[string][]byte{
		"roster": appendRosterItem(nil, &storage.RosterItem{Contact: "c", Name: "n", Groups: []string{"g"}, PendingInStanza: []byte("x")}),
		"user":   appendUser(nil, &storage.User{SHA1: storage.ScramKeys{Salt: []byte{1}, Iterations: 1, StoredKey: []byte{2}, ServerKey: []byte{3}}}),
		"meta":   appendOfflineMeta(nil, 3, 9),
	}
	damaged := func(v []byte) map[string][]byte {
		out := map[string][]byte{
			"empty":          {},
			"unknown format": append([]byte{2}, v[1:]...),
			"trailing byte":  append(append([]byte(nil), v...), 0),
		}
		for n := 1; n < len(v); n++ {
			out["truncated to "+string(rune('0'+n%10))+"/"+hex.EncodeToString([]byte{byte(n)})] = v[:n]
		}
		return out
	}
	decoders := map[string]func([]byte) error{
		"roster": func(v []byte) error {
			var rd rosterDecoder
			var it storage.RosterItem
			return rd.decode("o", []byte("c"), v, &it)
		},
		"user": func(v []byte) error { _, err := decodeUser("u", v); return err },
		"meta": func(v []byte) error { _, _, err := decodeOfflineMeta(v); return err },
	}
	for kind, v := range good {
		if err := decoders[kind](v); err != nil {
			t.Fatalf("%s: good value rejected: %v", kind, err)
		}
		for name, bad := range damaged(v) {
			t.Run(kind+"/"+name, func(t *testing.T) {
				if err := decoders[kind](bad); !errors.Is(err, storage.ErrCorrupt) {
					t.Fatalf("decode(%x) = %v, want ErrCorrupt", bad, err)
				}
			})
		}
	}
	for _, bad := range [][]byte{{1, 0x80}, {1, 0, 1}, {1, 2, 1}} { // bad varint, head 0, head > next
		if _, _, err := decodeOfflineMeta(bad); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("decodeOfflineMeta(%x) = %v", bad, err)
		}
	}
	if err := decoders["roster"]([]byte{1, 0x40, 0, 0, 0}); !errors.Is(err, storage.ErrCorrupt) {
		t.Errorf("unknown roster flag accepted: %v", err)
	}
}

// FuzzRosterItem: decoding arbitrary bytes never panics, and whatever
// decodes re-encodes to the same bytes.
func FuzzRosterItem(f *testing.F) {
	f.Add(appendRosterItem(nil, &storage.RosterItem{Contact: "c", Name: "n", Groups: []string{"a", "b"}, Ask: true}))
	f.Add(appendRosterItem(nil, &storage.RosterItem{Contact: "c", PendingIn: true, PendingInStanza: []byte("<p/>")}))
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v []byte) {
		var rd rosterDecoder
		var it storage.RosterItem
		if err := rd.decode("o", []byte("c"), v, &it); err != nil {
			return
		}
		if got := appendRosterItem(nil, &it); string(got) != string(v) {
			t.Fatalf("round trip: %x -> %#v -> %x", v, it, got)
		}
		var again storage.RosterItem
		if err := rd.decode("o", []byte("c"), v, &again); err != nil || !reflect.DeepEqual(again, it) {
			t.Fatalf("second decode differs: %v", err)
		}
	})
}

// FuzzUser: the same for user records.
func FuzzUser(f *testing.F) {
	sha := storage.ScramKeys{Salt: []byte{1, 2}, Iterations: 4096, StoredKey: []byte{3}, ServerKey: []byte{4}}
	f.Add(appendUser(nil, &storage.User{Created: time.Unix(1e9, 5), SHA1: sha, SHA256: sha}))
	f.Add(appendUser(nil, &storage.User{}))
	f.Fuzz(func(t *testing.T, v []byte) {
		u, err := decodeUser("u", v)
		if err != nil {
			return
		}
		if got := appendUser(nil, &u); string(got) != string(v) {
			t.Fatalf("round trip: %x -> %#v -> %x", v, u, got)
		}
	})
}
