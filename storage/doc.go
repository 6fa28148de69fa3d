// Package storage defines what xmppd persists and the interfaces through
// which the rest of the server reaches it. It holds plain model types and
// small store interfaces, one per concern; it imports no database. The
// embedded implementation is storage/pebblestore, the in-memory fake used by
// other packages' tests is storage/memstore, and storage/storetest is the
// conformance suite both must pass.
//
// # Model
//
// Everything is owned by a user, named by a normalised localpart (the caller
// normalises; the store compares bytes). A user holds SCRAM credentials, never
// a password. Around the user hang the RFC 6121 roster with its XEP-0237
// version counter, the XEP-0160 offline queue, the XEP-0054 vCard, XEP-0049
// private XML, the XEP-0191 block list and XEP-0012 last activity. Deleting a
// user deletes all of it in one atomic write, so a later registration of the
// same name never inherits anything.
//
// # Contract every implementation keeps
//
//   - Calls may block (disk, network): the engine calls them from worker
//     goroutines, never from an event loop.
//   - A write that returned nil is durable: it survives kill -9 of the
//     process. Implementations may group concurrent writes into one commit,
//     but they acknowledge a write only after its commit is durable.
//   - Writes are serialisable: each write runs against the effect of every
//     write acknowledged before it started. The roster version is bumped in
//     the same atomic write as the roster change it counts.
//   - A write to anything a user owns fails with ErrNotFound when the user
//     does not exist. Reads of collections of a missing user return an empty
//     result; reads of one record return ErrNotFound.
//   - Slices passed in may be reused by the caller once the call returns, and
//     slices returned belong to the caller: the store copies both ways.
//   - Reads may observe a write whose commit is still in progress (Pebble
//     publishes a batch before its WAL sync completes); only the
//     acknowledgement is guaranteed to follow durability.
//   - Names and keys never contain NUL bytes; user names are at most
//     MaxNameLen bytes, JIDs at most MaxJIDLen. Violations fail with
//     ErrInvalid before anything is written.
//
// Errors are the package's sentinels, possibly wrapped with detail: test them
// with errors.Is.
package storage
