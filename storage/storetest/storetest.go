// Package storetest is the conformance suite for storage.Store
// implementations: the behaviour the storage package documents, checked
// the same way against the Pebble store and the in-memory fake, so that a
// test written against the fake holds in production.
//
// An implementation's test calls Run with a function that opens a fresh,
// empty store for one subtest and arranges (t.Cleanup) to close it; Close
// may return storage.ErrClosed there, because some subtests close the store
// themselves.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"xmppd/storage"
)

// Opener returns a fresh, empty store for one subtest.
type Opener func(t *testing.T) storage.Store

// Run runs the whole suite, one subtest per behaviour.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { runUsers(t, open) })
	t.Run("Roster", func(t *testing.T) { runRoster(t, open) })
	t.Run("Offline", func(t *testing.T) { runOffline(t, open) })
	t.Run("Records", func(t *testing.T) { runRecords(t, open) })
	t.Run("Concurrency", func(t *testing.T) { runConcurrency(t, open) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, open(t)) })
}

// Keys returns valid SCRAM credentials derived from seed (they are not real
// derivations: the store only keeps bytes).
func Keys(seed byte) (sha1, sha256 storage.ScramKeys) {
	sha1 = storage.ScramKeys{
		Salt:       []byte{seed, 1, 2, 3},
		Iterations: 4096,
		StoredKey:  bytes.Repeat([]byte{seed}, 20),
		ServerKey:  bytes.Repeat([]byte{seed + 1}, 20),
	}
	sha256 = storage.ScramKeys{
		Salt:       []byte{seed, 4, 5, 6},
		Iterations: 8192,
		StoredKey:  bytes.Repeat([]byte{seed + 2}, 32),
		ServerKey:  bytes.Repeat([]byte{seed + 3}, 32),
	}
	return sha1, sha256
}

// created is a fixed creation time in a non-UTC zone with sub-second
// precision, to check the round trip.
var created = time.Date(2026, 11, 3, 14, 15, 16, 123456789, time.FixedZone("X", 3600))

func mustCreate(t *testing.T, s storage.Store, name string) {
	t.Helper()
	sha1, sha256 := Keys(byte(len(name)))
	if err := s.CreateUser(storage.User{Name: name, SHA1: sha1, SHA256: sha256, Created: created}); err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

func testClosed(t *testing.T, s storage.Store) {
	mustCreate(t, s, "alice")
	noErr(t, "Close", s.Close())
	wantErr(t, "second Close", s.Close(), storage.ErrClosed)
	_, err := s.User("alice")
	wantErr(t, "User after Close", err, storage.ErrClosed)
	wantErr(t, "CreateUser after Close", s.CreateUser(storage.User{Name: "bob"}), storage.ErrClosed)
	_, _, err = s.RosterItems("alice")
	wantErr(t, "RosterItems after Close", err, storage.ErrClosed)
	_, err = s.AppendOffline("alice", []byte("<message/>"), 0)
	wantErr(t, "AppendOffline after Close", err, storage.ErrClosed)
}

func contact(i int) string { return fmt.Sprintf("contact%05d@example.net", i) }
