// Package bench is xmppd's black-box load generator: scripted XMPP clients,
// the scenarios they play, the statistics they keep and the reports they
// write. tools/xmppbench is its command line.
//
// # Over the wire only
//
// bench speaks to a server through a TCP socket and nothing else. It never
// imports engine, bosh or storage (internal/archtest enforces it), so it
// measures xmppd exactly as it would measure ejabberd or Prosody, and its
// numbers can be put side by side. It parses what the server sends with
// xmppd/codec, the same zero-copy decoder the server uses; encoding/xml is
// nowhere on its path.
//
// # The client
//
// A Conn is one socket: a codec.Decoder fed from a read buffer, and an
// output buffer under a mutex. The element views the decoder returns are
// valid until the next decode, and nothing keeps one longer. A session is
// set up by Dialer.Login (stream, STARTTLS or direct TLS, SASL PLAIN or
// SCRAM-SHA-1/256 with github.com/xdg-go/scram, resource binding, roster,
// initial presence), then driven by Conn.Serve: a read loop that answers
// the server's pings, hands every other element to the scenario, and calls
// a flush hook whenever it has used up its input and is about to block.
// That hook is where a scenario writes what a whole batch of input made it
// want to write, in one write.
//
// # Cost
//
// The load generator must never be what limits a measurement, so its hot
// loops allocate nothing per stanza and it runs no goroutine per simulated
// user beyond the one that reads each socket. That reader is the simplest
// honest design for Go: a goroutine parked in the netpoller costs its
// stack, the socket, a decoder without scratch and a read buffer of 512
// bytes for an idle session. Measured: about 13 KiB of client RSS per idle
// session, 190 MB for 15,000 sessions in one worker process. A chatting
// session gets up to 32 KiB of buffer so that one read picks up a whole
// batch.
// The message loop has no sender goroutines at all: the reader that
// receives a partner's messages writes that partner's next ones (see the
// msg scenario).
//
// # Scenarios, shards and workers
//
// A Scenario (register, login, idle, msg, presence, bosh, mixed) is bounded
// by counts and a duration and stops by itself.
// Run splits it into shards: as many as asked, and at least enough that no
// shard holds more than MaxSocketsPerProc sockets, since a process may open
// 20,000 files. The CLI runs each shard in a worker process (itself, re-
// executed as "xmppbench worker"), speaking JSON lines over stdin and
// stdout: the job, progress counts, barrier arrivals and releases, and the
// shard's Result. Barriers line the shards up at the points where the
// parent samples the server process from /proc (RSS when every idle
// session is up, CPU time before and after a message run); results merge
// by adding counts and HDR histograms (github.com/HdrHistogram/hdrhistogram-
// go, which travel in its compressed V2 encoding). The Report is one JSON
// line, optionally a Markdown table.
//
// # Clocks
//
// Delivery latency is measured between two sessions of the same process,
// on its monotonic clock: the send time travels in the message id. Both
// sessions of a pair are therefore always in the same shard. Login latency
// runs from a login's scheduled start, so a rate the server cannot keep
// shows as latency rather than as a quietly lower rate.
package bench
