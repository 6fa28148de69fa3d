// Package router maps addresses to the sessions that are online for them.
//
// The router is shared by every event loop and every BOSH worker, so it is
// sharded by bare JID: a lookup takes one shard's read lock, a bind or unbind
// its write lock, and loops on different shards never contend. It stores
// sessions, not connections: delivering to a session means handing it bytes
// through Session.Deliver, which queues them for the session's own event
// loop; the router never writes to a socket and never blocks on a peer.
//
// The seam for scale-out is Remote: when the router has no local session for
// an address, a cluster build asks Remote to deliver it on another node. The
// single-node build has no Remote.
package router
