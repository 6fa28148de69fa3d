package pebblestore

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configures a Store. The zero value is the production default:
// pass nil or &Options{} to Open. EnsureDefaults fills in every zero field;
// Validate rejects values that cannot work. Open calls both.
type Options struct {
	// MaxBatchOps caps the write requests committed together in one synced
	// Pebble batch. Default 100.
	MaxBatchOps int
	// MaxDelay is how long the writer keeps collecting after the first
	// request of a batch, unless MaxBatchOps arrive sooner. Default 1ms. A
	// negative value means never wait: commit whatever is queued as soon as
	// the queue is empty (batches then form only while a sync is in flight).
	MaxDelay time.Duration

	// CacheSize is the memory for cached sstable blocks, in bytes. Open sizes
	// Pebble's cache at CacheSize plus two memtables, because Pebble counts
	// memtables against its cache. Default 8 MiB.
	CacheSize int64
	// MemTableSize is Pebble's memtable size in bytes. Default 4 MiB.
	MemTableSize uint64
	// MaxOpenFiles is Pebble's soft limit on open files; the server shares
	// its fd budget with tens of thousands of sockets. Default 256.
	MaxOpenFiles int

	// Logger receives Pebble's log lines: informational ones at Debug level,
	// so the store is quiet by default. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock for User.Created defaults and offline stamps.
	// Default time.Now.
	Now func() time.Time
}

const (
	defaultMaxBatchOps  = 100
	defaultMaxDelay     = time.Millisecond
	defaultCacheSize    = 8 << 20
	defaultMemTableSize = 4 << 20
	defaultMaxOpenFiles = 256

	maxMaxBatchOps  = 10000
	maxMaxDelay     = time.Second
	minMaxOpenFiles = 32
	minMemTableSize = 256 << 10
)

// EnsureDefaults fills zero fields with their defaults and returns o. It
// accepts a nil receiver, returning new defaults.
func (o *Options) EnsureDefaults() *Options {
	if o == nil {
		o = &Options{}
	}
	if o.MaxBatchOps == 0 {
		o.MaxBatchOps = defaultMaxBatchOps
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = defaultMaxDelay
	}
	if o.CacheSize == 0 {
		o.CacheSize = defaultCacheSize
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = defaultMemTableSize
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = defaultMaxOpenFiles
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports every field that cannot work, assuming EnsureDefaults
// ran.
func (o *Options) Validate() error {
	var errs []error
	if o.MaxBatchOps < 1 || o.MaxBatchOps > maxMaxBatchOps {
		errs = append(errs, fmt.Errorf("MaxBatchOps (%d) must be in [1, %d]", o.MaxBatchOps, maxMaxBatchOps))
	}
	if o.MaxDelay > maxMaxDelay {
		errs = append(errs, fmt.Errorf("MaxDelay (%s) must be at most %s: every write waits for it", o.MaxDelay, maxMaxDelay))
	}
	if o.CacheSize < 0 {
		errs = append(errs, fmt.Errorf("CacheSize (%d) must not be negative", o.CacheSize))
	}
	if o.MemTableSize < minMemTableSize || o.MemTableSize >= 4<<30 {
		errs = append(errs, fmt.Errorf("MemTableSize (%d) must be in [%d, 4 GiB)", o.MemTableSize, minMemTableSize))
	}
	if o.MaxOpenFiles < minMaxOpenFiles {
		errs = append(errs, fmt.Errorf("MaxOpenFiles (%d) must be at least %d", o.MaxOpenFiles, minMaxOpenFiles))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pebblestore: invalid options: %w", err)
	}
	return nil
}
