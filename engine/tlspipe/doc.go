// Package tlspipe runs crypto/tls on a reactor socket (gnet) that never
// blocks: the standard library does all of TLS, over an in-memory net.Conn
// that the event loop feeds with ciphertext and that hands encrypted records
// back to the socket's ordered asynchronous write path.
//
// # Model
//
// A Pipe is one server-side TLS connection. It starts in the handshaking
// state, either from OnOpen (direct TLS, XEP-0368) or right after <proceed/>
// (STARTTLS), in which case bytes the client sent after <starttls/> in the
// same read are passed to Server as the start of the TLS stream.
//
// Handshake. crypto/tls handshake errors are sticky, so the handshake cannot
// be retried step by step on the loop; it runs as one blocking
// tls.Conn.Handshake call on a worker goroutine of a Handshaker, which bounds
// the number of such goroutines (excess handshakes wait in its queue). The
// pipe is queued once the first TLS record (the ClientHello) is complete, so
// a silent connection holds no goroutine. While the handshake runs, the
// in-memory conn's Read blocks until the loop Feeds more ciphertext. A timer
// (Config.HandshakeTimeout, counted from Server, so time spent waiting for
// the ClientHello or for a worker counts) closes a connection whose
// handshake does not finish.
// When the handshake succeeds the pipe becomes ready and calls Socket.Wake,
// so the loop runs OnTraffic once more and drains any application data that
// arrived meanwhile; when it fails, any alert crypto/tls produced is queued
// and then the socket is closed.
//
// Reading. Once ready, the loop calls Input (or Feed and ReadPlain), which
// pumps tls.Conn.Read until the in-memory conn reports "would block": an
// error whose Temporary() is true, which crypto/tls does not make sticky, and
// which leaves a partial record buffered inside tls.Conn until the rest
// arrives. No goroutine exists per connection after the handshake.
//
// Writing. Write encrypts on the calling goroutine (any goroutine; crypto/tls
// serialises writers). Every record crypto/tls emits, including handshake
// flights, alerts and key-update replies, goes through Socket.AsyncWrite in
// the order it was sealed, so the wire order equals the record sequence
// order. Never write raw bytes to the socket once a pipe exists, or records
// get reordered. Records sealed during one Write call are coalesced into one
// AsyncWrite (up to 64 KiB) from pooled buffers that the socket releases
// when the bytes have been written; so Write once per flush (all stanzas
// queued for the session), not once per stanza: each Write is at least one
// record, one AsyncWrite and usually one write syscall.
//
// # Threads and ownership
//
// Input, Feed and ReadPlain belong to the loop that owns the socket; the
// plaintext passed to ReadPlain's callback is valid only during the call.
// Write, CloseWrite, Close, Ready, Err, ConnectionState and ChannelBinding
// are safe from any goroutine.
//
// Errors. io.EOF from Input or ReadPlain is the peer's close_notify; the
// pipe stays writable until the caller closes it. Any other error from
// Input, Feed or ReadPlain (a bad record, overflow, a failed or timed-out
// handshake), like a handshake failure off the loop, means the pipe has
// closed itself and queued Socket.Close behind the records it wrote, such
// as crypto/tls's alert. The loop then returns gnet.None and
// lets that close arrive (OnClose follows); returning gnet.Close also works
// but may drop the alert, which waits in gnet's async queue. The engine
// calls Pipe.Close when it decides to close, and in OnClose.
//
// Lock order: tls.Conn's internal locks, then Pipe.mu (in-memory Read) or
// Pipe.omu (in-memory Write). Neither is held while calling into tls.Conn;
// Pipe.omu is held while calling Socket.AsyncWrite, to keep record order.
//
// # Memory
//
// After the handshake a pipe holds no buffer of its own: ciphertext lent by
// the loop is read by crypto/tls during Input and never retained, and
// handshake-time input is dropped once consumed. What remains per idle
// connection is crypto/tls's own state and about 200 bytes of Pipe, and no
// goroutine. Measured (TestIdleHeapPerConn, Go 1.26, Go client with default
// curves): about 6.6 KiB per idle TLS 1.3 connection: tls.Conn's record
// input buffer 2.0 KiB and handshake message buffer 1.5 KiB (both sized by
// the ~1.5 KB ClientHello that carries an ML-KEM key share, and never
// shrunk), two AES-GCM states 1.75 KiB, tls.Conn 0.9 KiB, exporter and
// resumption secrets 0.2 KiB. TLS 1.2 costs about 4 KiB. crypto/tls keeps
// its input buffer at the size of the largest record received, so a client
// that sends a 16 KiB record pins about 17 KiB until it disconnects.
//
// # Channel binding
//
// ChannelBinding returns RFC 9266 tls-exporter data for SCRAM-*-PLUS. It is
// defined for TLS 1.3 only; on older versions it fails rather than offer a
// binding that RFC 9266 deems unsafe without extended master secret.
//
// The design depends on crypto/tls internals (Temporary errors are not sticky
// in Conn.readRecordOrCCS; a record is read with at least one Read of the
// missing bytes). The trickle tests pin this behaviour: keep them in CI and
// re-run them when the Go version changes.
package tlspipe
