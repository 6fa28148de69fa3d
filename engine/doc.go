// Package engine runs client-to-server XMPP over the gnet reactor: one
// goroutine per event loop, none per connection.
//
// A connection's life: OnOpen admits it (connection limits) and gives it a
// codec.Decoder and a session.Session; OnTraffic feeds the bytes gnet lends
// for the duration of the callback to the decoder (through a tlspipe.Pipe
// when the stream is encrypted) and the decoded elements to the session;
// OnClose unbinds it. The session answers through the connection, which
// implements session.Transport.
//
// # Output
//
// What a session sends during a callback is appended to its loop's write
// buffer and written with one Write when the callback ends (one TLS Write
// for an encrypted stream), so an element that produces several responses
// costs one syscall. No connection owns a write buffer while idle.
//
// Stanzas routed from other loops arrive through Enqueue: they are appended
// to the connection's inbox and the loop is woken once (gnet Wake); the loop
// drains the inbox on its next OnTraffic. The inbox and gnet's outbound
// buffer together are capped (Config.MaxOutbound): a peer that stops
// reading is closed with a policy-violation stream error and counted, never
// allowed to grow memory.
//
// # Slow work
//
// Nothing slow runs on a loop: the session sends SASL and storage work to
// its worker pool and pauses; while paused, the connection stops feeding the
// decoder, leaving bytes in gnet's inbound buffer (or, for TLS, in a small
// plaintext backlog), bounded by Config.MaxPausedInput. TLS handshakes run
// on the tlspipe Handshaker.
//
// # Timers
//
// Each loop has a timerwheel.Wheel. gnet's OnTick runs on its own
// goroutine; it posts each loop's wheel to that loop with Execute, so timer
// callbacks (authentication timeout, keepalive pings) run on the loop that
// owns the connection.
//
// # Counters
//
// Stats counts per listener; what would be touched per stanza or per
// callback is counted per loop and summed when read: the time each loop
// spends in callbacks (Stats.LoopBusy), the routing-latency histogram
// (Stats.RouteLatency) and the loop's session.StanzaCounters. A callback
// reads the monotonic clock when it starts and when it ends; the start is
// also the arrival time of what it reads (session.Transport.ReadAt),
// which a routed stanza carries through the recipient's inbox to be
// observed when the recipient's loop drains it.
//
// # Isolation
//
// A panic while handling one connection's input, timer or worker result
// closes that connection only; it is logged with its stack and counted.
package engine
