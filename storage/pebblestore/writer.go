package pebblestore

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Group commit.
//
// One goroutine, the writer, owns every mutation. A caller packs its write
// as an op, sends it and blocks. The writer takes the first request, keeps
// collecting until MaxBatchOps requests or MaxDelay has passed, applies each
// op in arrival order to one indexed batch, commits the batch with
// pebble.Sync and only then answers every request of the batch. So:
//
//   - an acknowledged write is on disk (one fsync per batch, not per write),
//     except a lazy one (submitLazy: records whose latest value a crash may
//     lose, such as last activity): a batch of lazy writes only is
//     committed without the fsync, and the next synced batch carries it to
//     disk;
//   - ops are serialised: each reads through the batch, seeing the database
//     plus every earlier op of its batch, which makes read-modify-write
//     (version counters, queue bounds, existence checks) race-free without
//     locks;
//   - when a commit fails, every request of the batch gets that error, even
//     one whose op failed on its own: its outcome may have depended on the
//     writes that were lost.
//
// An op must do all its checks before its first write: an op that returns an
// error leaves the batch as it found it. The writer verifies this (the batch
// count must not move) and fails the whole batch if an op breaks the rule,
// because an indexed batch cannot be rolled back in part.

// op is one write request's work, run on the writer goroutine.
type op func(tx *txn) error

type request struct {
	op   op
	done chan error // capacity 1: the writer never blocks on an answer
	// lazy: the caller does not need the write on disk when answered
	// (submitLazy); a batch of lazy requests only is committed without
	// an fsync.
	lazy bool
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan error, 1)} }}

type writer struct {
	db       *pebble.DB
	reqs     chan *request
	exited   chan struct{}
	maxOps   int
	maxDelay time.Duration
	now      func() time.Time
	commit   func(*pebble.Batch, *pebble.WriteOptions) error // replaced by tests
	stats    writerStats

	// State of the batch being collected, reused across batches.
	tx          txn
	batch       []*request
	errs        []error // errs[i] is batch[i]'s own result
	broken      error   // an op wrote before failing
	timer       *time.Timer
	timerActive bool
}

func newWriter(db *pebble.DB, o *Options) *writer {
	w := &writer{
		db:       db,
		reqs:     make(chan *request, o.MaxBatchOps),
		exited:   make(chan struct{}),
		maxOps:   o.MaxBatchOps,
		maxDelay: o.MaxDelay,
		now:      o.Now,
		commit:   func(b *pebble.Batch, o *pebble.WriteOptions) error { return b.Commit(o) },
		batch:    make([]*request, 0, o.MaxBatchOps),
		errs:     make([]error, 0, o.MaxBatchOps),
		timer:    time.NewTimer(time.Hour),
	}
	w.timer.Stop()
	return w
}

// run serves requests until reqs is closed and drained.
func (w *writer) run() {
	defer close(w.exited)
	for r := range w.reqs {
		w.group(r)
	}
}

// group collects a batch starting with first, commits it and answers it.
func (w *writer) group(first *request) {
	b := w.db.NewIndexedBatch()
	w.tx.reset(b, w.now)
	w.add(first)
	w.collect()

	start := time.Now()
	var commitErr error
	switch {
	case w.broken != nil:
		commitErr = w.broken
	case !b.Empty():
		opts := pebble.NoSync
		for _, r := range w.batch {
			if !r.lazy {
				opts = pebble.Sync
				break
			}
		}
		if !opts.Sync {
			w.stats.unsynced.Add(1)
		}
		if err := w.commit(b, opts); err != nil {
			commitErr = fmt.Errorf("pebblestore: group commit of %d writes: %w", len(w.batch), err)
		}
	}
	elapsed := time.Since(start)
	_ = b.Close()
	w.tx.reset(nil, nil)

	// Stats first: a caller that sees its answer also sees its batch counted.
	w.stats.record(len(w.batch), commitErr != nil, elapsed)
	for i, r := range w.batch {
		err := commitErr
		if err == nil {
			err = w.errs[i]
		}
		r.done <- err
		w.batch[i], w.errs[i] = nil, nil
	}
	w.batch, w.errs, w.broken = w.batch[:0], w.errs[:0], nil
}

// add runs r's op against the batch and queues r for the answer.
func (w *writer) add(r *request) {
	before := w.tx.b.Count()
	err := r.op(&w.tx)
	if err != nil && w.tx.b.Count() != before && w.broken == nil {
		w.broken = fmt.Errorf("pebblestore: internal error: op wrote before failing: %w", err)
	}
	w.batch = append(w.batch, r)
	w.errs = append(w.errs, err)
}

// collect adds queued requests to the batch until it is full, MaxDelay has
// passed since the first request, or (negative MaxDelay) the queue is empty.
// It returns early when reqs is closed so that Close does not wait.
func (w *writer) collect() {
	defer w.stopTimer()
	for len(w.batch) < w.maxOps {
		select {
		case r, ok := <-w.reqs:
			if !ok {
				return
			}
			w.add(r)
			continue
		default:
		}
		if w.maxDelay < 0 {
			return
		}
		if !w.timerActive {
			w.timer.Reset(w.maxDelay)
			w.timerActive = true
		}
		select {
		case r, ok := <-w.reqs:
			if !ok {
				return
			}
			w.add(r)
		case <-w.timer.C:
			w.timerActive = false
			return
		}
	}
}

// stopTimer disarms the window timer. Since Go 1.23 a stopped timer's channel
// holds no stale tick, so Reset starts clean.
func (w *writer) stopTimer() {
	if w.timerActive {
		w.timer.Stop()
		w.timerActive = false
	}
}

// Stats describes the writer's group commits since Open. It is meant for
// metrics: every field is a counter or a gauge.
type Stats struct {
	// Batches is the number of groups committed (or failed).
	Batches uint64
	// Ops is the number of write requests answered.
	Ops uint64
	// CommitErrors is the number of batches whose commit failed.
	CommitErrors uint64
	// Unsynced is the number of batches committed without an fsync:
	// every write in them was lazy (last activity, say).
	Unsynced uint64
	// LastBatchOps and MaxBatchOps are the size of the latest and of the
	// largest batch.
	LastBatchOps int
	MaxBatchOps  int
	// CommitTime is the total time spent in commits.
	CommitTime time.Duration
}

// AvgBatchOps is the mean number of write requests per batch.
func (s Stats) AvgBatchOps() float64 {
	if s.Batches == 0 {
		return 0
	}
	return float64(s.Ops) / float64(s.Batches)
}

// writerStats is written by the writer only and read by anyone.
type writerStats struct {
	batches, ops, commitErrors atomic.Uint64
	unsynced                   atomic.Uint64
	last, max                  atomic.Int64
	commitNanos                atomic.Int64
}

func (s *writerStats) record(n int, failed bool, commit time.Duration) {
	s.batches.Add(1)
	s.ops.Add(uint64(n))
	if failed {
		s.commitErrors.Add(1)
	}
	s.last.Store(int64(n))
	if int64(n) > s.max.Load() {
		s.max.Store(int64(n))
	}
	s.commitNanos.Add(int64(commit))
}

func (s *writerStats) snapshot() Stats {
	return Stats{
		Batches:      s.batches.Load(),
		Ops:          s.ops.Load(),
		CommitErrors: s.commitErrors.Load(),
		Unsynced:     s.unsynced.Load(),
		LastBatchOps: int(s.last.Load()),
		MaxBatchOps:  int(s.max.Load()),
		CommitTime:   time.Duration(s.commitNanos.Load()),
	}
}
