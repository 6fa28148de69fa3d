// Package interop drives the real xmppd binary with client libraries none of
// us wrote, over real sockets, to catch what unit tests against our own
// fakes cannot: a misread RFC shared by our server and our tests.
//
// The model: TestMain builds tools/xmppd once; each test starts its own
// server process on loopback with kernel-chosen ports (read back from the
// "listening" log lines), a fresh data directory and a self-signed
// certificate, and stops it with SIGTERM, requiring a clean exit. Clients
// are Debian's python3-slixmpp, run as small scripts under testdata/ with
// /usr/bin/python3; a script prints one JSON line of what it observed and
// the Go test judges it against the RFCs, so every expectation lives in Go
// and every script stays a plain client. A few cases speak raw XML over TCP
// where no client library would misbehave on purpose.
//
// The instant-messaging scripts (TestIM) show that something did not
// happen by ordering, not by waiting: the server handles one stream's
// stanzas in order, so the answer to a later IQ (a ping of the server, or
// an IQ routed along the same path) means everything sent before it was
// acted on, and everything routed to that client before the answer has
// arrived. Only "not delivered again at the next login" has nothing to
// order it against, and waits for a second of quiet.
//
// Nothing here is run by `go test ./...` in the unit target: `make interop`
// installs the client library and runs this package with
// XMPPD_INTEROP=required, which turns a missing client into a failure
// instead of a skip. The package has no non-test code.
//
// Two variables help by hand: XMPPD_INTEROP_BIN=/path/to/xmppd tests that
// binary instead of building one, and XMPPD_INTEROP_DEBUG=1 makes the
// scripts log every byte slixmpp sends and receives (shown with -v or on
// failure).
package interop
