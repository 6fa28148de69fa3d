// Package pebblestore implements storage.Store on Pebble
// (github.com/cockroachdb/pebble/v2), the embedded single-node default.
//
// # Writes: one writer, group commit
//
// A synced Pebble write costs about 250µs (one fsync), so a store that
// synced each write alone would top out near 4,000 writes per second. Every
// mutation therefore goes to a single writer goroutine which gathers the
// requests arriving within Options.MaxDelay (1ms) or up to
// Options.MaxBatchOps (100), applies them in order to one indexed batch,
// commits it with pebble.Sync and only then wakes every caller of the batch
// with its own result. The writer being alone also makes read-modify-write
// safe without locks: roster versions, offline queue bounds, the user
// count and "does the user exist" checks are read through the batch, which
// shows the database plus the earlier requests of the same batch. Stats
// exposes batch counts and sizes for metrics. See writer.go.
//
// Reads do not go through the writer: they run on the caller's goroutine
// against the database. A reader may observe a batch a few hundred
// microseconds before its sync completes (Pebble publishes a batch before its
// WAL sync returns); acknowledgement, not visibility, is what implies
// durability.
//
// # Keys and values
//
// Keys are "<tag>\x00<user>[\x00<component>]" (keys.go), so each of a user's
// collections is one contiguous range read with LowerBound/UpperBound and
// deleted with one DeleteRange. Values are a format byte followed by varints
// and length-prefixed strings (encoding.go), never JSON. The database
// carries its key layout version under "m\x00schema"; Open refuses one it
// does not know.
//
// # Resources
//
// Pebble runs with MaxOpenFiles 256 (the server's file descriptors are for
// sockets), 4 MiB memtables and 8 MiB for cached blocks. Pebble counts
// memtables against its block cache, so Open sizes that cache at 8 MiB plus
// two memtables; at Pebble's own defaults (8 MiB cache, 4 MiB memtables) no
// block stays cached under write load. Log lines go to the configured
// slog.Logger, Pebble's informational ones at Debug level.
//
// Build with CGO_ENABLED=0 or with -tags pebblegozstd: otherwise Pebble
// links the cgo zstd library.
package pebblestore
