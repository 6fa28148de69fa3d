// Package bosh serves XMPP to web clients over BOSH (XEP-0124, with the
// XMPP binding of XEP-0206) on fasthttp.
//
// # The model
//
// A BOSH session is an XMPP client stream (an engine/session Session) whose
// bytes travel in HTTP request and response bodies instead of a socket. The
// client POSTs <body/> wrappers numbered by 'rid'; the server processes
// them strictly in rid order, hands their children to the Session as
// top-level stream elements, and answers each request with a <body/>
// carrying whatever the Session and the router produced for the client.
// Stream headers do not exist on the wire: session creation and
// xmpp:restart stand for them, so the package feeds the Session a
// synthetic header and strips the Session's own header and trailer from
// what it sends. A stream error ends the BOSH session with
// condition='remote-stream-error' and the <stream:error/> inside.
//
// # Requests, holding, and order
//
// A request whose turn has not come (a later rid that overtook an earlier
// one on another connection) waits inside its handler until the gap fills.
// Once processed, a request is held: it returns as soon as there is output
// for the client, when a newer request pushes it out (at most 'hold' are
// held), or empty when 'wait' passes. Output always goes to the oldest
// held request, so responses are composed in rid order. Each response is
// kept (the last 'requests' of them) and sent again when the client
// repeats a rid after a broken connection. A rid beyond the window, or an
// old one whose response is gone, ends the session with item-not-found.
//
// # Threading
//
// fasthttp runs each request's handler on its own goroutine, and a held
// request keeps that goroutine until it is answered: that goroutine, and
// the RequestCtx it alone touches, are the cost of a held request. To keep
// it small, the handler hands the body to a short-lived goroutine for
// decoding and processing (whose stack, however deep the session's work
// went, goes back to the runtime when it exits) and only parks afterwards,
// on one channel of its own: no timer, one runtime sudog, a stack at its
// first size. The body decoder is released before parking too.
//
// The Session behind a BOSH session is owned by a mutex instead of a
// goroutine: whoever holds it (a request being processed, the goroutine
// that runs a worker result posted by the Session, the sweep, Shutdown)
// may call into the Session, and nothing else does. Routed stanzas arrive
// from other sessions' owners through Enqueue, which takes only a small
// leaf lock, appends, and signals the oldest held request (published in an
// atomic pointer). While the Session waits for a worker (SASL, storage),
// the request feeding it keeps the owner lock and runs the posted result
// itself before it feeds the next element of the same body.
//
// # Timers
//
// There is no timer per session or per held request. One sweep over all
// sessions every SweepInterval reads two atomics per session (the oldest
// held request's deadline, and since when the session is idle) and locks
// only the sessions with something due: it answers held requests whose
// 'wait' is up (so 'wait' is honoured to within SweepInterval) and
// destroys sessions idle past 'inactivity' (or a pause). Everything goes
// through Config.Clock, so tests drive time by hand.
package bosh
