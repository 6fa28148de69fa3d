package pebblestore

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"xmppd/storage"
)

// Store is a storage.Store on a Pebble database in one directory. Reads go
// straight to Pebble from the calling goroutine; writes go through the
// group-committing writer (see writer.go). All methods are safe for
// concurrent use and may block: call them from worker goroutines.
type Store struct {
	db  *pebble.DB
	w   *writer
	now func() time.Time
	log *slog.Logger

	// mu is held for reading across every read and every request hand-off,
	// so Close (which takes it for writing) waits for them and nothing
	// touches the database after it is closed.
	mu     sync.RWMutex // guards the following field
	closed bool
}

var _ storage.Store = (*Store)(nil)

// Open opens or creates the database in dir. opts may be nil; it is not
// modified.
func Open(dir string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	popts := &pebble.Options{
		// Pebble charges its memtables against the block cache: with an 8
		// MiB cache and two 4 MiB memtables (the mutable one and one being
		// flushed) no block stays cached, and every lookup of a key not in a
		// memtable reads the disk. Room for two memtables comes on top, so
		// CacheSize is what the blocks get.
		CacheSize:          o.CacheSize + 2*int64(o.MemTableSize),
		MemTableSize:       o.MemTableSize,
		MaxOpenFiles:       o.MaxOpenFiles,
		Logger:             pebbleLogger{o.Logger},
		FormatMajorVersion: pebble.FormatNewest,
	}
	db, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	if err := checkSchema(db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	s := &Store{db: db, w: newWriter(db, &o), now: o.Now, log: o.Logger}
	go s.w.run()
	return s, nil
}

// ErrSchema reports a database written with a key layout this version does
// not know.
var ErrSchema = errors.New("pebblestore: unsupported schema version")

// checkSchema stamps a new database with schemaVersion and refuses one
// stamped with another.
func checkSchema(db *pebble.DB) error {
	v, closer, err := db.Get(keySchema)
	if errors.Is(err, pebble.ErrNotFound) {
		return db.Set(keySchema, appendCounter(nil, schemaVersion), pebble.Sync)
	}
	if err != nil {
		return err
	}
	defer closer.Close()
	n, err := decodeCounter(v)
	if err != nil {
		return err
	}
	if n != schemaVersion {
		return fmt.Errorf("%w: %d (this build reads %d)", ErrSchema, n, schemaVersion)
	}
	return nil
}

// Close commits and acknowledges every write already handed to the writer,
// then closes the database. Later calls fail with storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return storage.ErrClosed
	}
	s.closed = true
	close(s.w.reqs) // no sender is mid-send: senders hold mu for reading
	s.mu.Unlock()
	<-s.w.exited
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("pebblestore: close: %w", err)
	}
	return nil
}

// Stats returns the group-commit counters.
func (s *Store) Stats() Stats { return s.w.stats.snapshot() }

// submit hands op to the writer and waits until its batch is durable.
func (s *Store) submit(fn op) error { return s.submitAs(fn, false) }

// submitLazy is submit for a write the caller does not need on disk when
// it returns: the writer commits a batch of lazy writes only without an
// fsync (WAL written, not synced), so a crash may lose it.
func (s *Store) submitLazy(fn op) error { return s.submitAs(fn, true) }

func (s *Store) submitAs(fn op, lazy bool) error {
	r := requestPool.Get().(*request)
	r.op, r.lazy = fn, lazy
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		r.op = nil
		requestPool.Put(r)
		return storage.ErrClosed
	}
	s.w.reqs <- r
	s.mu.RUnlock()
	err := <-r.done
	r.op = nil
	requestPool.Put(r)
	return err
}

// view runs fn with the database open, or fails with storage.ErrClosed.
func (s *Store) view(fn func(db *pebble.DB) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return fn(s.db)
}

// get calls fn with the value of key and reports whether it exists. The
// value is only valid during fn.
func (s *Store) get(key []byte, fn func(v []byte) error) (found bool, err error) {
	err = s.view(func(db *pebble.DB) error {
		v, closer, err := db.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pebblestore: read %q: %w", key, err)
		}
		defer closer.Close()
		found = true
		return fn(v)
	})
	return found, err
}

// scan calls fn for every key in [lower, upper) in order. Key and value are
// only valid during fn.
func (s *Store) scan(lower, upper []byte, fn func(k, v []byte) error) error {
	return s.view(func(db *pebble.DB) error {
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return fmt.Errorf("pebblestore: scan: %w", err)
		}
		return closeIter(it, iterate(it, fn))
	})
}

func iterate(it *pebble.Iterator, fn func(k, v []byte) error) error {
	for valid := it.First(); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("pebblestore: scan: %w", err)
		}
		if err := fn(it.Key(), v); err != nil {
			return err
		}
	}
	return nil
}

// closeIter closes it and returns the first of err, its error or its close
// error.
func closeIter(it *pebble.Iterator, err error) error {
	if err == nil {
		err = it.Error()
	}
	if cerr := it.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("pebblestore: scan: %w", cerr)
	}
	return err
}
