package pebblestore

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"xmppd/storage"
)

// commitGate replaces the writer's commit so a test can hold the next few
// batches in commit (letting later requests pile up in the queue) and make
// chosen commits fail; later batches commit normally. Install it before the
// first write: the writer reads w.commit only after receiving a request,
// which orders it after the assignment.
type commitGate struct {
	entered chan struct{} // receives when a held commit starts waiting
	release chan error    // the error the held commit returns (nil: commit for real)

	mu    sync.Mutex // guards the following field
	holds int        // how many more commits to hold
}

func holdCommits(s *Store, n int) *commitGate {
	g := &commitGate{entered: make(chan struct{}), release: make(chan error), holds: n}
	s.w.commit = func(b *pebble.Batch, _ *pebble.WriteOptions) error {
		g.mu.Lock()
		hold := g.holds > 0
		if hold {
			g.holds--
		}
		g.mu.Unlock()
		if hold {
			g.entered <- struct{}{}
			if err := <-g.release; err != nil {
				return err
			}
		}
		return b.Commit(pebble.Sync)
	}
	return g
}

// waitQueued waits until n requests sit in the writer's queue. The writer is
// held in commit, so the queue only grows; this is a condition wait, not a
// timing guess.
func waitQueued(s *Store, n int) {
	for len(s.w.reqs) < n {
		runtime.Gosched()
	}
}

func createUsers(t testing.TB, s *Store, n int) []string {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("user%03d", i)
		if err := s.CreateUser(storage.User{Name: names[i]}); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func TestGroupCommitBatchesQueuedWrites(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       Options
		queued     int
		minBatches int // after the held one
		maxBatch   int
	}{
		{"all in one batch", Options{MaxDelay: -1}, 40, 1, 40},
		// 40 requests do not fit the queue (its capacity is MaxBatchOps):
		// the first batch after the held one takes the full queue.
		{"split at MaxBatchOps", Options{MaxBatchOps: 16, MaxDelay: -1}, 40, 3, 16},
		{"with collection window", Options{}, 50, 1, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, &tc.opts)
			createUsers(t, s, 1)
			before := s.Stats()
			g := holdCommits(s, 1)

			var wg sync.WaitGroup
			errs := make([]error, tc.queued+1)
			put := func(i int) {
				_, errs[i] = s.PutRosterItem(storage.RosterItem{Owner: "user000", Contact: fmt.Sprintf("c%03d@x", i)})
			}
			wg.Go(func() { put(0) })
			<-g.entered // request 0 is being committed alone
			for i := 1; i <= tc.queued; i++ {
				wg.Go(func() { put(i) })
			}
			waitQueued(s, min(tc.queued, cap(s.w.reqs)))
			g.release <- nil
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}

			st := s.Stats()
			if got, want := st.Ops-before.Ops, uint64(tc.queued+1); got != want {
				t.Fatalf("%d ops, want %d", got, want)
			}
			if got := st.Batches - before.Batches; got < uint64(1+tc.minBatches) {
				t.Fatalf("%d batches, want at least %d (stats %+v)", got, 1+tc.minBatches, st)
			}
			if st.MaxBatchOps != tc.maxBatch {
				t.Fatalf("largest batch %d ops, want %d", st.MaxBatchOps, tc.maxBatch)
			}
			if tc.minBatches == 1 && st.LastBatchOps != tc.maxBatch {
				t.Fatalf("last batch %d ops, want %d", st.LastBatchOps, tc.maxBatch)
			}
			_, ver, err := s.RosterItems("user000")
			if err != nil || ver != uint64(tc.queued+1) {
				t.Fatalf("version %d, %v; want %d", ver, err, tc.queued+1)
			}
		})
	}
}

var errInjected = errors.New("injected commit failure")

func TestCommitErrorReachesEveryWaiter(t *testing.T) {
	s := openTest(t, &Options{MaxDelay: -1})
	createUsers(t, s, 1)
	g := holdCommits(s, 2)

	const n = 30
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = s.AppendOffline("user000", []byte("<message id='held'/>"), 0) })
	<-g.entered
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				_, errs[i] = s.AppendOffline("user000", []byte("<message/>"), 0)
			case 1:
				_, errs[i] = s.PutRosterItem(storage.RosterItem{Owner: "user000", Contact: fmt.Sprintf("c%d@x", i)})
			default: // fails on its own (no such user), still gets the commit error
				errs[i] = s.SetVCard("ghost", []byte("<vCard/>"))
			}
		})
	}
	waitQueued(s, n)
	g.release <- nil // the held batch commits
	<-g.entered
	g.release <- errInjected // the batch of n fails
	wg.Wait()

	if errs[0] != nil {
		t.Fatalf("held write: %v", errs[0])
	}
	for i, err := range errs[1:] {
		if !errors.Is(err, errInjected) {
			t.Errorf("waiter %d: got %v, want the commit error", i+1, err)
		}
	}
	if st := s.Stats(); st.CommitErrors != 1 {
		t.Errorf("CommitErrors = %d, want 1", st.CommitErrors)
	}
	msgs, err := s.OfflineMessages("user000")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("after failed batch: %d messages, %v; want only the held one", len(msgs), err)
	}
	if ver, _ := s.RosterVersion("user000"); ver != 0 {
		t.Fatalf("roster version %d after failed batch", ver)
	}

	// The writer carries on with the next batch.
	if _, err := s.AppendOffline("user000", []byte("<message/>"), 0); err != nil {
		t.Fatalf("write after failure: %v", err)
	}
}

// An op that writes and then fails would leave half its effect in the
// shared batch; the writer refuses to commit such a batch at all.
func TestOpWritingBeforeFailingAbortsBatch(t *testing.T) {
	s := openTest(t, &Options{MaxDelay: -1})
	g := holdCommits(s, 1)
	errBad := errors.New("bad op")

	var wg sync.WaitGroup
	var errHeld, errGood, errBroken error
	wg.Go(func() { errHeld = s.CreateUser(storage.User{Name: "held"}) })
	<-g.entered
	wg.Go(func() { errGood = s.CreateUser(storage.User{Name: "good"}) })
	waitQueued(s, 1)
	wg.Go(func() {
		errBroken = s.submit(func(tx *txn) error {
			if err := tx.set([]byte("x"), []byte("y")); err != nil {
				return err
			}
			return errBad
		})
	})
	waitQueued(s, 2)
	g.release <- nil
	wg.Wait() // the second batch never reaches commit

	if errHeld != nil {
		t.Fatal(errHeld)
	}
	for _, err := range []error{errGood, errBroken} {
		if !errors.Is(err, errBad) {
			t.Fatalf("got %v, want the aborted batch's error", err)
		}
	}
	if _, err := s.User("good"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("user of the aborted batch: %v", err)
	}
}

func TestConcurrentWritersAllAcknowledged(t *testing.T) {
	s := openTest(t, nil)
	const writers, each = 32, 40
	users := createUsers(t, s, writers)
	before := s.Stats()

	seqs := make([][]uint64, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				seq, err := s.AppendOffline(users[w], fmt.Appendf(nil, "<message id='%d-%d'/>", w, i), 0)
				if err != nil {
					errs[w] = err
					return
				}
				seqs[w] = append(seqs[w], seq)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for w, u := range users {
		msgs, err := s.OfflineMessages(u)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != each {
			t.Fatalf("%s: %d messages, want %d", u, len(msgs), each)
		}
		for i, m := range msgs {
			if m.Seq != seqs[w][i] || string(m.Raw) != fmt.Sprintf("<message id='%d-%d'/>", w, i) {
				t.Fatalf("%s message %d: seq %d %q", u, i, m.Seq, m.Raw)
			}
		}
	}
	st := s.Stats()
	ops, batches := st.Ops-before.Ops, st.Batches-before.Batches
	if ops != writers*each {
		t.Fatalf("stats count %d ops, want %d", ops, writers*each)
	}
	if batches >= ops || st.MaxBatchOps < 2 {
		t.Fatalf("no grouping: %d ops in %d batches, max %d", ops, batches, st.MaxBatchOps)
	}
	t.Logf("%d writes in %d batches (avg %.1f, max %d), commit time %v", ops, batches, float64(ops)/float64(batches), st.MaxBatchOps, st.CommitTime)
}

func TestCloseDrainsQueuedWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, &Options{MaxDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	createUsers(t, s, 1)
	g := holdCommits(s, 1)

	const n = 20
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	wg.Go(func() { _, errs[0] = s.AppendOffline("user000", []byte("<m/>"), 0) })
	<-g.entered
	for i := 1; i <= n; i++ {
		wg.Go(func() { _, errs[i] = s.AppendOffline("user000", []byte("<m/>"), 0) })
	}
	waitQueued(s, n)
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	for !isClosed(s) { // Close has stopped intake and now waits for the writer
		runtime.Gosched()
	}
	g.release <- nil
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("queued writes: %v", err)
	}
	if _, err := s.AppendOffline("user000", []byte("<m/>"), 0); !errors.Is(err, storage.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}

	s2, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n2, err := s2.OfflineCount("user000"); err != nil || n2 != n+1 {
		t.Fatalf("after reopen: %d messages, %v; want %d", n2, err, n+1)
	}
}

func isClosed(s *Store) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// A batch of lazy writes only (last activity) is committed without an
// fsync; a batch with any other write is synced, lazy writes in it too.
// Both are applied, and readable once acknowledged.
func TestLazyWritesSkipTheFsync(t *testing.T) {
	s := openTest(t, &Options{MaxDelay: -1})
	createUsers(t, s, 2)
	var mu sync.Mutex
	var synced []bool
	var holding atomic.Bool
	entered, hold := make(chan struct{}), make(chan struct{})
	s.w.commit = func(b *pebble.Batch, o *pebble.WriteOptions) error {
		mu.Lock()
		synced = append(synced, o.Sync)
		mu.Unlock()
		if holding.CompareAndSwap(true, false) {
			entered <- struct{}{}
			<-hold
		}
		return b.Commit(o)
	}
	before := s.Stats()
	at := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	if err := s.SetLastActivity("user000", storage.LastActivity{Time: at, Status: "gone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutRosterItem(storage.RosterItem{Owner: "user001", Contact: "c@x"}); err != nil {
		t.Fatal(err)
	}
	// The writer held in a lazy batch while a lazy and a synced write
	// queue up behind it: they share the next batch.
	holding.Store(true)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := s.SetLastActivity("user001", storage.LastActivity{Time: at}); err != nil {
			t.Error(err)
		}
	})
	<-entered
	wg.Go(func() {
		if err := s.SetLastActivity("user000", storage.LastActivity{Time: at.Add(time.Minute)}); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		if _, err := s.PutRosterItem(storage.RosterItem{Owner: "user000", Contact: "d@x"}); err != nil {
			t.Error(err)
		}
	})
	waitQueued(s, 2)
	close(hold)
	wg.Wait()
	mu.Lock()
	got := fmt.Sprint(synced)
	mu.Unlock()
	if got != "[false true false true]" {
		t.Fatalf("synced per batch %s, want [false true false true]", got)
	}
	if st := s.Stats(); st.Unsynced-before.Unsynced != 2 || st.Batches-before.Batches != 4 {
		t.Fatalf("%d unsynced of %d batches, want 2 of 4", st.Unsynced-before.Unsynced, st.Batches-before.Batches)
	}
	if la, err := s.LastActivity("user000"); err != nil || !la.Time.Equal(at.Add(time.Minute)) {
		t.Fatalf("last activity %v, %v", la, err)
	}
}
