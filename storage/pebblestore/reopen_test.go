package pebblestore

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"xmppd/storage"
	"xmppd/storage/storetest"
)

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	sha1, sha256 := storetest.Keys(9)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateUser(storage.User{Name: "alice", SHA1: sha1, SHA256: sha256}))
	must(s.CreateUser(storage.User{Name: "bob"}))
	ver, err := s.ReplaceRoster("alice", storetest.MakeRoster(300))
	must(err)
	seq, err := s.AppendOffline("alice", []byte("<message/>"), 10)
	must(err)
	must(s.SetVCard("alice", []byte("<vCard/>")))
	must(s.Block("alice", "spam@x"))
	wantUser, err := s.User("alice")
	must(err)
	must(s.Close())

	s, err = Open(dir, nil)
	must(err)
	defer s.Close()
	u, err := s.User("alice")
	must(err)
	if u.Created != wantUser.Created || string(u.SHA256.StoredKey) != string(sha256.StoredKey) {
		t.Fatalf("user after reopen: %+v", u)
	}
	items, gotVer, err := s.RosterItems("alice")
	must(err)
	if len(items) != 300 || gotVer != ver {
		t.Fatalf("roster after reopen: %d items, version %d want %d", len(items), gotVer, ver)
	}
	msgs, err := s.OfflineMessages("alice")
	must(err)
	if len(msgs) != 1 || msgs[0].Seq != seq {
		t.Fatalf("offline after reopen: %+v", msgs)
	}
	if n, err := s.CountUsers(); err != nil || n != 2 {
		t.Fatalf("CountUsers after reopen = %d, %v", n, err)
	}
	if ok, err := s.IsBlocked("alice", "spam@x"); err != nil || !ok {
		t.Fatalf("block after reopen = %v, %v", ok, err)
	}
	if next, err := s.AppendOffline("alice", []byte("<message/>"), 10); err != nil || next != seq+1 {
		t.Fatalf("append after reopen: seq %d, %v; want %d", next, err, seq+1)
	}
}

func TestOpenRefusesUnknownSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{(&Options{}).EnsureDefaults().Logger}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set(keySchema, appendCounter(nil, schemaVersion+1), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, nil); !errors.Is(err, ErrSchema) {
		t.Fatalf("Open of a future schema: %v, want ErrSchema", err)
	}
}

// A roster load costs about one allocation per item (one string holding the
// item's contact, name and groups) plus the growth of the result slice and
// the shared group slabs. The budget catches a decoder that starts
// allocating per field.
func TestRosterItemsAllocBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("Pebble allocates for its invariant checks under -race")
	}
	s := openTest(t, nil)
	createUsers(t, s, 1)
	const n = 500
	if _, err := s.ReplaceRoster("user000", storetest.MakeRoster(n)); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if items, _, err := s.RosterItems("user000"); err != nil || len(items) != n {
			t.Fatalf("%d items, %v", len(items), err)
		}
	})
	if budget := float64(n + 50); allocs > budget {
		t.Fatalf("RosterItems of %d items: %.0f allocations, budget %.0f", n, allocs, budget)
	}
	t.Logf("RosterItems of %d items: %.0f allocations", n, allocs)
}
