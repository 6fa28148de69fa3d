package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"xmppd/storage"
)

// runConcurrency checks that concurrent writes are serialised: version
// counters, queue limits and existence checks stay exact under contention.
// Implementations that group writes see real batches here.
func runConcurrency(t *testing.T, open Opener) {
	t.Run("RosterVersions", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		const n = 64
		vers := make([]uint64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				vers[i], errs[i] = s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: contact(i)})
			})
		}
		wg.Wait()
		noErr(t, "PutRosterItem", errors.Join(errs...))
		slices.Sort(vers)
		for i, v := range vers {
			if v != uint64(i+1) {
				t.Fatalf("versions %v: want exactly 1..%d", vers, n)
			}
		}
		items, ver, err := s.RosterItems("alice")
		noErr(t, "RosterItems", err)
		if len(items) != n || ver != n {
			t.Fatalf("%d items, version %d; want %d", len(items), ver, n)
		}
	})

	t.Run("OfflineLimit", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		const n, limit = 40, 25
		seqs := make([]uint64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				seqs[i], errs[i] = s.AppendOffline("alice", fmt.Appendf(nil, "<message id='%d'/>", i), limit)
			})
		}
		wg.Wait()
		var ok []uint64
		full := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok = append(ok, seqs[i])
			case errors.Is(err, storage.ErrOfflineFull):
				full++
			default:
				t.Fatalf("AppendOffline: %v", err)
			}
		}
		if len(ok) != limit || full != n-limit {
			t.Fatalf("%d appended, %d full; want %d and %d", len(ok), full, limit, n-limit)
		}
		slices.Sort(ok)
		if len(slices.Compact(ok)) != limit {
			t.Fatalf("duplicate seqs: %v", ok)
		}
		msgs, err := s.OfflineMessages("alice")
		noErr(t, "OfflineMessages", err)
		wantEqual(t, "queued", len(msgs), limit)
	})

	t.Run("CreateRace", func(t *testing.T) {
		s := open(t)
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = s.CreateUser(storage.User{Name: "alice"}) })
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, storage.ErrUserExists):
				t.Fatalf("CreateUser: %v", err)
			}
		}
		wantEqual(t, "successful creates", created, 1)
		count, err := s.CountUsers()
		noErr(t, "CountUsers", err)
		wantEqual(t, "count", count, 1)
	})

	t.Run("DeleteVersusWrites", func(t *testing.T) {
		// Writes racing with DeleteUser either land before it (and are
		// deleted with the user) or fail with ErrNotFound: nothing survives
		// for a later user of the same name.
		s := open(t)
		mustCreate(t, s, "alice")
		const n = 30
		errs := make([]error, n)
		var delErr error
		var wg sync.WaitGroup
		wg.Go(func() { delErr = s.DeleteUser("alice") })
		for i := range n {
			wg.Go(func() {
				switch i % 3 {
				case 0:
					_, errs[i] = s.PutRosterItem(storage.RosterItem{Owner: "alice", Contact: contact(i)})
				case 1:
					_, errs[i] = s.AppendOffline("alice", []byte("<message/>"), 0)
				default:
					errs[i] = s.Block("alice", contact(i))
				}
			})
		}
		wg.Wait()
		noErr(t, "DeleteUser", delErr)
		for _, err := range errs {
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("write: %v", err)
			}
		}
		mustCreate(t, s, "alice")
		checkEmpty(t, s, "alice")
	})
}
