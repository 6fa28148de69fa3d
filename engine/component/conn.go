package component

import (
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"

	"xmppd/codec"
	"xmppd/engine/timerwheel"
	"xmppd/internal/jid"
)

// queued is a stanza routed to a connection, waiting for its loop.
type queued struct {
	to jid.JID
	b  []byte
}

// conn is one component connection. Fields above mu belong to the owning
// loop; those below are shared with the goroutines that route to it.
type conn struct {
	gc     gnet.Conn
	lp     *loop
	l      *Listener
	remote netip.Addr
	dec    *codec.Decoder
	st     *stream

	closing   bool // Close was called; no more input is processed
	authTimer timerwheel.Timer
	onAuth    func()

	mu         sync.Mutex // guards the following fields
	inbox      []queued
	inboxBytes int
	woken      bool
	overflow   bool
	closed     bool
}

// OnOpen admits a connection and gives it a decoder and a stream.
func (l *Listener) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	var remote netip.Addr
	if a, ok := gc.RemoteAddr().(*net.TCPAddr); ok {
		remote = a.AddrPort().Addr().Unmap()
	}
	if l.Stats.Open.Add(1) > int64(l.cfg.MaxConns) {
		l.Stats.Open.Add(-1)
		l.Stats.Refused.Add(1)
		return nil, gnet.Close
	}
	lp := l.loopOf(gc.EventLoop())
	c := &conn{gc: gc, lp: lp, l: l, remote: remote}
	c.dec = codec.NewDecoder(l.cfg.Limits)
	c.st = newStream(lp.env, c, c)
	c.onAuth = c.authTimeout
	gc.SetContext(c)
	lp.conns[c] = struct{}{}
	l.Stats.Accepted.Add(1)
	c.authTimer = lp.wheel.Add(time.Now().Add(l.cfg.AuthTimeout), c.onAuth)
	return nil, gnet.None
}

// OnTraffic writes routed stanzas, then feeds input.
func (l *Listener) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	c.safely(func() {
		c.drain()
		if !c.closing {
			buf, _ := gc.Next(-1)
			c.feed(buf)
		}
		if c.authTimer != 0 && c.st.ready() {
			c.lp.wheel.Cancel(c.authTimer)
			c.authTimer = 0
		}
	})
	c.lp.flush()
	return gnet.None
}

// OnClose detaches the connection from its domain and hands what was
// still queued for it to the domain's other connections.
func (l *Listener) OnClose(gc gnet.Conn, _ error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.None
	}
	c.mu.Lock()
	c.closed = true
	inbox := c.inbox
	c.inbox, c.inboxBytes = nil, 0
	c.mu.Unlock()
	c.closing = true
	c.safely(c.st.handleClosed)
	lp := c.lp
	lp.wheel.Cancel(c.authTimer)
	c.dec.Reset() // hand pooled scratch back
	if lp.wconn == c {
		lp.wbuf, lp.wconn = lp.wbuf[:0], nil
	}
	delete(lp.conns, c)
	l.Stats.Open.Add(-1)
	if len(inbox) > 0 {
		c.safely(func() { lp.reroute(inbox) })
	}
	return gnet.None
}

// safely runs fn, turning a panic into the close of this connection only.
func (c *conn) safely(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.l.Stats.Panics.Add(1)
			c.l.cfg.Logger.Error("panic while serving a component connection; closing it",
				"remote", c.remote, "panic", r, "stack", string(debug.Stack()))
			c.closing = true
			if c.st.member != nil {
				c.l.cfg.Router.detach(c.st.member)
			}
			_ = c.gc.Close()
		}
	}()
	fn()
}

// drain queues routed stanzas for writing; a connection over its cap is
// closed instead, and its queue goes to the domain's other connections.
func (c *conn) drain() {
	c.mu.Lock()
	inbox, overflow := c.inbox, c.overflow
	c.inbox, c.inboxBytes, c.woken = nil, 0, false
	c.mu.Unlock()
	if overflow {
		c.slowConsumer()
		if len(inbox) > 0 {
			c.lp.reroute(inbox)
		}
		return
	}
	for i, it := range inbox {
		if c.closing {
			c.lp.reroute(inbox[i:])
			return
		}
		// A stanza that declares jabber:client (as a BOSH client's do)
		// must inherit the component stream's namespace instead.
		c.lp.write(c, dropDefaultNS(it.b, nsClient))
		c.l.Stats.StanzasOut.Add(1)
	}
}

// feed decodes p and hands the events to the stream.
func (c *conn) feed(p []byte) {
	for len(p) > 0 && !c.closing && !c.st.closed() {
		ev, n, err := c.dec.Next(p)
		if err != nil {
			c.st.handleDecodeError(err)
			break
		}
		p = p[n:]
		switch ev {
		case codec.EventStreamStart:
			c.st.handleHeader(c.dec.Header())
		case codec.EventElement:
			c.st.handleElement(c.dec.Element())
		case codec.EventStreamEnd:
			c.st.handleStreamEnd()
		}
	}
	c.dec.Release() // an idle connection holds no tape
}

// writeOut writes b (the loop's buffer, reused after the call) and closes a
// peer whose queued output is over the cap.
func (c *conn) writeOut(b []byte) {
	_, _ = c.gc.Write(b)
	if !c.closing && c.gc.OutboundBuffered() > c.l.cfg.MaxOutbound {
		c.slowConsumer()
	}
}

// slowConsumer closes a component that does not read what it is sent.
func (c *conn) slowConsumer() {
	if c.closing {
		return
	}
	c.l.Stats.SlowClosed.Add(1)
	c.l.cfg.Logger.Warn("closing a component that does not read", "remote", c.remote, "domain", c.domainName())
	c.st.streamError("policy-violation", "you are not reading what the server sends")
}

func (c *conn) domainName() string {
	if c.st.dom == nil {
		return ""
	}
	return c.st.dom.name
}

func (c *conn) authTimeout() {
	c.authTimer = 0
	if c.closing || c.st.ready() {
		return
	}
	c.l.Stats.Timeouts.Add(1)
	c.safely(func() { c.st.streamError("connection-timeout", "the handshake took too long") })
	c.lp.flush()
}

// The transport implementation, on the loop.

func (c *conn) send(b []byte) {
	if !c.closing || c.lp.wconn == c {
		c.lp.write(c, b)
	}
}

func (c *conn) close() {
	if c.closing {
		return
	}
	c.closing = true
	if c.lp.wconn == c {
		c.lp.flush()
	}
	_ = c.gc.Close()
}

// enqueue is the sink implementation: any goroutine hands the connection a
// stanza; the loop writes it on its next wake-up.
func (c *conn) enqueue(to jid.JID, b []byte) bool {
	c.mu.Lock()
	if c.closed || c.overflow {
		c.mu.Unlock()
		return false
	}
	ok := c.inboxBytes+len(b) <= c.l.cfg.MaxOutbound
	if ok {
		c.inbox = append(c.inbox, queued{to: to, b: b})
		c.inboxBytes += len(b)
	} else {
		c.overflow = true // the loop closes it; this stanza goes elsewhere
	}
	wake := !c.woken
	c.woken = true
	c.mu.Unlock()
	if wake {
		_ = c.gc.Wake(nil)
	}
	return ok
}
