package engine

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"

	"xmppd/codec"
	"xmppd/engine/session"
	"xmppd/engine/timerwheel"
	"xmppd/engine/tlspipe"
)

// conn is one client connection. Fields above mu belong to the owning
// loop; those below are shared with other goroutines.
type conn struct {
	gc     gnet.Conn
	lp     *loop
	l      *Listener
	remote netip.Addr
	dec    *codec.Decoder
	sess   Stream
	pipe   *tlspipe.Pipe

	tlsSwitch bool // StartTLS was asked for during the current feed
	closing   bool // Close was called; no more input is processed
	// Guarded by mu, with the mailbox; here, they share the word above.
	woken    bool // a Wake is on its way
	overflow bool // the inbox went over MaxOutbound: the connection closes
	closed   bool // OnClose ran: nothing more is accepted

	pending []byte // TLS plaintext held while the session is paused

	lastRead   int64 // unixNano of the last input
	pingSent   int64 // unixNano of the outstanding keepalive ping, or 0
	authTimer  timerwheel.Timer
	aliveTimer timerwheel.Timer
	onPlain    func([]byte)

	mu sync.Mutex // guards mb, woken, overflow and closed
	mb *mailbox   // nil while nothing waits
}

// mailbox is what other goroutines leave for a connection: routed stanzas
// and posted functions. A connection holds one only while something waits
// for its loop, so an idle connection keeps none; drained ones go back to
// mailboxes with their slices' capacity, so a busy connection does not
// allocate one per wake-up either.
type mailbox struct {
	inbox      []queued
	inboxBytes int
	posted     []func()
}

var mailboxes = sync.Pool{New: func() any { return new(mailbox) }}

// maxPooledMailbox bounds the capacity a pooled mailbox keeps: a burst's
// large arrays are left to the garbage collector.
const maxPooledMailbox = 256

// recycle clears m (the stanzas and functions it referenced are no longer
// kept alive by it) and returns it to the pool.
func (m *mailbox) recycle() {
	clear(m.inbox)
	clear(m.posted)
	m.inbox, m.posted, m.inboxBytes = m.inbox[:0], m.posted[:0], 0
	if cap(m.inbox) > maxPooledMailbox || cap(m.posted) > maxPooledMailbox {
		m.inbox, m.posted = nil, nil
	}
	mailboxes.Put(m)
}

// box returns the connection's mailbox, taking one from the pool if it has
// none. Call with mu held.
func (c *conn) box() *mailbox {
	if c.mb == nil {
		c.mb = mailboxes.Get().(*mailbox)
	}
	return c.mb
}

// queued is a routed stanza in a connection's inbox, with the monoNow at
// which its sender's loop read it (0: not timed).
type queued struct {
	b      []byte
	readAt int64
}

var errNoTLS = errors.New("engine: TLS is not configured on this listener")

// OnOpen admits a connection and gives it a decoder and a session.
func (l *Listener) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	var remote netip.Addr
	if a, ok := gc.RemoteAddr().(*net.TCPAddr); ok {
		remote = a.AddrPort().Addr().Unmap()
	}
	lp := l.loopOf(gc.EventLoop())
	lp.begin()
	defer lp.end()
	if !l.cfg.Admission.admit(remote) {
		l.Stats.Refused.Add(1)
		return nil, gnet.Close
	}
	c := &conn{gc: gc, lp: lp, l: l, remote: remote, lastRead: unixNano(lp.now)}
	c.dec = codec.NewDecoder(l.cfg.Limits)
	c.sess = l.cfg.NewStream(c)
	gc.SetContext(c)
	lp.conns[c] = struct{}{}
	l.Stats.Open.Add(1)
	l.Stats.Accepted.Add(1)
	c.authTimer = lp.wheel.AddHandler(time.Now().Add(l.cfg.AuthTimeout), c, timerAuth)
	if l.cfg.DirectTLS {
		c.onPlain = c.plain
		p, err := tlspipe.Server(tlspipe.NewGnetSocket(gc), l.cfg.TLS, nil)
		if err != nil {
			l.cfg.Logger.Warn("direct TLS refused", "remote", remote, "err", err)
			return nil, gnet.Close
		}
		c.pipe = p
	}
	return nil, gnet.None
}

// OnTraffic runs worker results and routed stanzas, then feeds input.
func (l *Listener) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	c.lp.begin()
	c.safely(func() {
		c.drain()
		if !c.closing {
			c.readInput()
		}
		if !c.closing && c.authTimer != 0 && c.authenticated() {
			c.lp.wheel.Cancel(c.authTimer)
			c.authTimer = 0
			if _, ok := c.sess.(Pinger); ok && l.cfg.PingInterval > 0 {
				c.aliveTimer = c.lp.wheel.AddHandler(time.Now().Add(l.cfg.PingInterval), c, timerAlive)
			}
		}
	})
	c.lp.flush()
	c.lp.end()
	return gnet.None
}

// OnClose unbinds the session and releases the connection's resources.
func (l *Listener) OnClose(gc gnet.Conn, _ error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.None
	}
	lp := c.lp
	lp.begin()
	defer lp.end()
	c.mu.Lock()
	c.closed = true
	mb := c.mb
	c.mb = nil
	c.mu.Unlock()
	c.closing = true
	c.safely(c.sess.HandleClosed)
	if mb != nil {
		if len(mb.inbox) > 0 {
			c.safely(func() { c.unsent(mb.inbox) })
		}
		mb.recycle()
	}
	lp.wheel.Cancel(c.authTimer)
	lp.wheel.Cancel(c.aliveTimer)
	if c.pipe != nil {
		_ = c.pipe.Close()
	}
	c.dec.Reset() // hand pooled scratch back
	c.pending = nil
	if lp.wconn == c {
		lp.wbuf, lp.wconn = lp.wbuf[:0], nil
	}
	delete(lp.conns, c)
	l.cfg.Admission.release(c.remote)
	if l.Stats.Open.Add(-1) == 0 {
		select {
		case l.drained <- struct{}{}:
		default: // a token is waiting already
		}
	}
	return gnet.None
}

// safely runs fn, turning a panic into the close of this connection only.
func (c *conn) safely(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.l.Stats.Panics.Add(1)
			c.l.cfg.Logger.Error("panic while serving a connection; closing it",
				"remote", c.remote, "panic", r, "stack", string(debug.Stack()))
			c.closing = true
			_ = c.gc.Close()
		}
	}()
	fn()
}

// drain runs posted functions and queues routed stanzas for writing; a
// connection that is closing or over its cap writes none of them. Timed
// stanzas reach the routing-latency histogram here.
func (c *conn) drain() {
	c.mu.Lock()
	mb, overflow := c.mb, c.overflow
	c.mb, c.woken = nil, false
	c.mu.Unlock()
	if mb == nil {
		if overflow {
			c.slowConsumer()
		}
		return
	}
	defer mb.recycle()
	for _, fn := range mb.posted {
		if c.closing {
			break
		}
		fn()
	}
	if overflow {
		c.slowConsumer()
	}
	if overflow || c.closing {
		c.unsent(mb.inbox)
		return
	}
	lp := c.lp
	for _, q := range mb.inbox {
		if q.readAt > 0 {
			lp.stats.observeRoute(lp.now - q.readAt)
		}
		lp.write(c, q.b)
	}
}

// unsent hands routed stanzas that will not be written back to a stream
// that wants them (UnsentHandler).
func (c *conn) unsent(inbox []queued) {
	if h, ok := c.sess.(UnsentHandler); ok && len(inbox) > 0 {
		stanzas := make([][]byte, len(inbox))
		for i, q := range inbox {
			stanzas[i] = q.b
		}
		h.HandleUnsent(stanzas)
	}
}

// readInput feeds what gnet has buffered, through TLS when it is on.
func (c *conn) readInput() {
	if c.pipe != nil {
		if len(c.pending) > 0 && !c.sess.Busy() {
			n := c.feed(c.pending)
			c.pending = append(c.pending[:0], c.pending[n:]...)
			if len(c.pending) == 0 {
				c.pending = nil
			}
		}
		buf, _ := c.gc.Next(-1)
		if len(buf) > 0 {
			c.lastRead = unixNano(c.lp.now)
		}
		if err := c.pipe.Input(buf, c.onPlain); err != nil {
			if errors.Is(err, io.EOF) {
				// close_notify: the client is done; end the stream cleanly.
				c.sess.HandleStreamEnd()
				return
			}
			// The pipe has closed the socket itself, behind any TLS alert;
			// closing here too could drop the alert.
			c.closing = true
		}
		return
	}
	for !c.closing && !c.sess.Busy() {
		buf, _ := c.gc.Peek(-1)
		if len(buf) == 0 {
			return
		}
		c.lastRead = unixNano(c.lp.now)
		n := c.feed(buf)
		if c.tlsSwitch {
			c.tlsSwitch = false
			initial := append([]byte(nil), buf[n:]...)
			_, _ = c.gc.Discard(len(buf))
			c.startTLS(initial)
			return
		}
		_, _ = c.gc.Discard(n)
		if n < len(buf) {
			break
		}
	}
	if c.sess.Busy() && c.gc.InboundBuffered() > c.l.cfg.MaxPausedInput {
		c.l.Stats.PausedOverflow.Add(1)
		c.sess.StreamError("policy-violation", "too much data while the server was busy with your request")
	}
}

// plain receives decrypted bytes; they are only valid during the call.
func (c *conn) plain(p []byte) {
	if c.closing {
		return
	}
	if len(c.pending) == 0 && !c.sess.Busy() {
		n := c.feed(p)
		p = p[n:]
	}
	if len(p) > 0 && !c.closing {
		if len(c.pending)+len(p) > c.l.cfg.MaxPausedInput {
			c.l.Stats.PausedOverflow.Add(1)
			c.sess.StreamError("policy-violation", "too much data while the server was busy with your request")
			return
		}
		c.pending = append(c.pending, p...)
	}
}

// feed decodes p and hands the events to the session until p is used up or
// the session pauses, closes or switches to TLS. It returns the bytes used.
func (c *conn) feed(p []byte) int {
	used := 0
	for used < len(p) && !c.closing && !c.tlsSwitch && !c.sess.Busy() && !c.sess.IsClosed() {
		ev, n, err := c.dec.Next(p[used:])
		if err != nil {
			c.sess.HandleDecodeError(err)
			return len(p)
		}
		used += n
		switch ev {
		case codec.EventStreamStart:
			c.sess.HandleHeader(c.dec.Header())
			c.dec.CompactHeader() // streams read the header only while handling it
		case codec.EventElement:
			c.sess.HandleElement(c.dec.Element())
		case codec.EventStreamEnd:
			c.sess.HandleStreamEnd()
		case codec.EventNone:
			c.dec.Release()
			return used
		}
	}
	c.dec.Release() // an idle connection holds no tape
	return used
}

func (c *conn) startTLS(initial []byte) {
	c.onPlain = c.plain
	p, err := tlspipe.Server(tlspipe.NewGnetSocket(c.gc), c.l.cfg.TLS, initial)
	if err != nil {
		c.l.cfg.Logger.Warn("STARTTLS failed", "remote", c.remote, "err", err)
		c.closing = true
		_ = c.gc.Close()
		return
	}
	c.pipe = p
}

// writeOut writes b (the loop's buffer, reused after the call) to the peer
// and closes a peer whose queued output is over the cap.
func (c *conn) writeOut(b []byte) {
	if c.pipe != nil {
		if _, err := c.pipe.Write(b); err != nil {
			c.closing = true
			_ = c.gc.Close()
			return
		}
	} else {
		_, _ = c.gc.Write(b)
	}
	if c.gc.OutboundBuffered() > c.l.cfg.MaxOutbound {
		c.slowConsumer()
	}
}

// slowConsumer closes a peer that does not read what it is sent.
func (c *conn) slowConsumer() {
	if c.closing {
		return
	}
	c.l.Stats.SlowClosed.Add(1)
	c.sess.StreamError("policy-violation", "you are not reading what the server sends")
}

// authenticated reports whether the stream is past authentication; a
// stream that does not say is treated as authenticated.
func (c *conn) authenticated() bool {
	a, ok := c.sess.(Authenticated)
	return !ok || a.Bound()
}

// A connection's timers, armed with the connection itself as their
// timerwheel.Handler (no closure per connection).
const (
	timerAuth  uint8 = iota // the stream must authenticate by then
	timerAlive              // keepalive: ping a silent client, or give up on it
)

// Expire implements timerwheel.Handler.
func (c *conn) Expire(kind uint8) {
	switch kind {
	case timerAuth:
		c.authTimeout()
	case timerAlive:
		c.keepalive()
	}
}

func (c *conn) authTimeout() {
	c.authTimer = 0
	if c.closing || c.authenticated() {
		return
	}
	c.l.Stats.Timeouts.Add(1)
	c.safely(func() { c.sess.StreamError("connection-timeout", "authentication took too long") })
}

// keepalive pings a silent client (XEP-0199 §4.2) and closes one that does
// not answer in time.
func (c *conn) keepalive() {
	c.aliveTimer = 0
	if c.closing {
		return
	}
	cfg := &c.l.cfg
	p, ok := c.sess.(Pinger)
	if !ok {
		return
	}
	now := unixNano(monoNow())
	if c.pingSent != 0 && !p.PingOutstanding() {
		c.pingSent = 0 // answered
	}
	var next int64
	switch {
	case c.pingSent != 0 && now-c.pingSent >= int64(cfg.PingTimeout):
		c.l.Stats.Timeouts.Add(1)
		c.safely(func() { c.sess.StreamError("connection-timeout", "no answer to a keepalive ping") })
		return
	case c.pingSent != 0:
		next = c.pingSent + int64(cfg.PingTimeout)
	case now-c.lastRead >= int64(cfg.PingInterval):
		c.safely(func() { p.SendPing() })
		c.pingSent = now
		next = now + int64(cfg.PingTimeout)
	default:
		next = c.lastRead + int64(cfg.PingInterval)
	}
	c.aliveTimer = c.lp.wheel.AddHandler(time.Unix(0, next), c, timerAlive)
}

// The session.Transport implementation.

func (c *conn) Send(b []byte) {
	if !c.closing || c.lp.wconn == c {
		c.lp.write(c, b)
	}
}

func (c *conn) Enqueue(b []byte) bool { return c.EnqueueAt(b, 0) }

// EnqueueAt implements session.Transport: Enqueue for a stanza that
// its sender's loop read at readAt (monoNow).
func (c *conn) EnqueueAt(b []byte, readAt int64) bool {
	c.mu.Lock()
	if c.closed || c.overflow {
		c.mu.Unlock()
		return false
	}
	if mb := c.box(); mb.inboxBytes+len(b) > c.l.cfg.MaxOutbound {
		c.overflow = true
	} else {
		mb.inbox = append(mb.inbox, queued{b, readAt})
		mb.inboxBytes += len(b)
	}
	wake := !c.woken
	c.woken = true
	ok := !c.overflow
	c.mu.Unlock()
	if wake {
		_ = c.gc.Wake(nil)
	}
	return ok
}

func (c *conn) Post(fn func()) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	mb := c.box()
	mb.posted = append(mb.posted, fn)
	wake := !c.woken
	c.woken = true
	c.mu.Unlock()
	if wake {
		_ = c.gc.Wake(nil)
	}
	return true
}

func (c *conn) StartTLS() error {
	if c.l.cfg.TLS == nil || c.pipe != nil {
		return errNoTLS
	}
	c.lp.flush() // <proceed/> goes out in the clear, before any record
	c.tlsSwitch = true
	return nil
}

func (c *conn) ResetStream() { c.dec.Reset() }

// ReadAt implements session.Transport: input is handled in the
// callback that read it, so its arrival is the callback's start.
func (c *conn) ReadAt() int64 { return c.lp.now }

// StanzaCounters implements session.Transport: the loop's own.
func (c *conn) StanzaCounters() *session.StanzaCounters { return c.lp.counters }

func (c *conn) Close() {
	if c.closing {
		return
	}
	c.closing = true
	if c.lp.wconn == c {
		c.lp.flush()
	}
	_ = c.gc.Close()
}

func (c *conn) Resume() { _ = c.gc.Wake(nil) }

func (c *conn) Info() session.TransportInfo {
	info := session.TransportInfo{
		Remote:      c.remote,
		Kind:        c.l.transport(),
		CanStartTLS: c.l.cfg.TLS != nil && c.pipe == nil && !c.l.cfg.DirectTLS,
	}
	if c.pipe != nil && c.pipe.Ready() {
		if cs, ok := c.pipe.ConnectionState(); ok {
			info.Secure = true
			info.TLS = &cs
		}
	}
	return info
}
