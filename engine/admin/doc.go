// Package admin is the server's admin HTTP listener (127.0.0.1:5281 by
// default): Prometheus metrics at /metrics, the Go profiler at
// /debug/pprof/, a health check at /healthz, and a place for other
// packages to mount their handlers (the provisioning API under /api/,
// BOSH prebind).
//
// # Model
//
// A Server is one fasthttp server on one listener. Every request goes
// through the same three steps: authentication, routing, the handler.
//
// Authentication. The listener's bound address decides: off loopback
// (including the wildcard addresses 0.0.0.0 and ::) every request, /healthz
// included, must carry "Authorization: Bearer <Config.Token>", and Start
// refuses to serve without a token. On loopback no token is needed unless
// one is configured or Config.RequireToken is set: a configured token is
// always enforced, so setting one is how an operator closes the loopback
// listener to other local users. Tokens are compared in constant time (as
// SHA-256 digests, so not even the length leaks). A missing or wrong token
// gets 401 with a JSON body and a WWW-Authenticate challenge, before any
// routing, so unauthenticated clients cannot probe which paths exist.
//
// Routing. A mount is either an exact path ("/metrics") or, when it ends in
// "/", a subtree ("/api/v1/" serves "/api/v1/" and everything below); the
// exact match wins, then the longest subtree. The table is copied on write,
// so Mount works before and after Start without slowing requests. Unknown
// paths get 404 in JSON. Every error this package writes has the shape
// {"error":{"code":"...","message":"..."}}; mounted handlers should use
// WriteError for theirs. A handler that panics is answered with a 500 and
// logged; the process keeps running.
//
// Metrics. The collectors in this package read the counters the engine,
// the session server, the store and the TLS handshaker already keep (atomic
// integers, or a snapshot under a short lock) at scrape time: nothing on a
// hot path calls into Prometheus; stanza counts, the event loops' busy time
// and the routing-latency histogram are per-loop arrays, summed here. The list
// of metrics is in docs/ARCHITECTURE.md. The registry also holds the Go
// runtime and process collectors, so a scrape reports RSS and goroutines.
//
// Profiling. net/http/pprof's handlers run through fasthttpadaptor. The
// mutex and block profiles record nothing unless their sampling is on, and
// sampling costs on every contended lock or blocking operation, so it is
// off by default. Config.MutexProfileFraction and Config.BlockProfileRate
// switch it on for the server's lifetime; a request for a delta profile can
// instead switch it on for its own window only:
//
//	/debug/pprof/mutex?seconds=10&rate=5      // fraction 1/5 for 10 s
//	/debug/pprof/block?seconds=10&rate=10000  // one sample per 10 µs blocked
//
// after which the configured rate is restored. One such window per profile
// runs at a time (a second gets 409). The runtime's sampling rates are
// process-wide: run one admin Server per process.
//
// Importing net/http/pprof also registers its handlers on
// http.DefaultServeMux; nothing in xmppd serves that mux.
package admin
