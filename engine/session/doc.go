// Package session is the client-to-server stream state machine (RFC 6120),
// independent of how bytes travel: the gnet reactor (engine) and BOSH (bosh)
// both feed it decoded elements and give it a Transport to answer through.
//
// # Threading
//
// A Session belongs to one goroutine, its owner: for a TCP stream, the event
// loop of its connection. Every Handle method, and every function passed to
// Transport.Post, runs there, so session state needs no locks. Only Deliver
// (stanzas routed from other sessions) and Available (read by the router)
// are called from other goroutines, and they touch only the transport's
// queue and an atomic.
//
// Nothing slow runs on the owner: SASL steps (PBKDF2, storage lookups) and
// storage writes (registration, password change) run on the Server's worker
// pool. While one is in flight the session is Busy and the transport stops
// feeding it input; the worker posts the result back with Transport.Post,
// and the session calls Transport.Resume when it is ready for more. A client
// that pipelines stanzas after <auth/> thus has them processed in order, once
// the result is known.
//
// # Negotiation
//
// header -> features -> [STARTTLS -> header -> features] -> SASL ->
// header -> features -> bind [-> legacy session] -> established.
// Every failure RFC 6120 assigns a stream error to ends the stream with it;
// stanza-level problems get stanza errors. After STARTTLS and after SASL
// success the transport restarts its XML parser (Transport.ResetStream).
package session
