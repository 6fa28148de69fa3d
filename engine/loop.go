package engine

import (
	"context"
	"time"

	"github.com/panjf2000/gnet/v2"

	"xmppd/engine/session"
	"xmppd/engine/timerwheel"
)

// loop is the state one event loop keeps for its connections. Only that
// loop's goroutine touches it.
type loop struct {
	l     *Listener
	el    gnet.EventLoop
	wheel *timerwheel.Wheel
	conns map[*conn]struct{}

	// The shared write buffer: output of the connection being served,
	// written when the callback ends or another connection's output starts.
	wbuf  []byte
	wconn *conn

	// now is when the running callback started (monoNow): the arrival time
	// of what it reads, and the time routed stanzas reach it.
	now   int64
	depth int // callbacks running: gnet may close a connection inside another callback
	stats loopStats
	// counters count the stanzas of the loop's sessions (nil when the
	// listener has no session server, as for components).
	counters *session.StanzaCounters
}

func newLoop(l *Listener, el gnet.EventLoop) *loop {
	return &loop{
		l:     l,
		el:    el,
		wheel: timerwheel.New(time.Now(), timerwheel.Options{Resolution: l.cfg.TimerResolution}),
		conns: make(map[*conn]struct{}),
	}
}

// begin starts timing a callback; end adds its duration to the loop's
// busy time: two monotonic clock reads per callback. A callback nested in
// another (OnClose after a failed write) is part of the outer one.
func (lp *loop) begin() {
	if lp.depth == 0 {
		lp.now = monoNow()
	}
	lp.depth++
}

func (lp *loop) end() {
	if lp.depth--; lp.depth == 0 {
		lp.stats.addBusy(monoNow() - lp.now)
	}
}

// Run advances the timer wheel; OnTick posts it here with Execute.
func (lp *loop) Run(context.Context) error {
	lp.begin()
	lp.wheel.Advance(monoTime(lp.now))
	lp.flush()
	lp.end()
	return nil
}

// write appends b to c's pending output.
func (lp *loop) write(c *conn, b []byte) {
	if lp.wconn != c {
		lp.flush()
		lp.wconn = c
	}
	lp.wbuf = append(lp.wbuf, b...)
}

// flush writes the pending output of the connection it belongs to.
func (lp *loop) flush() {
	c := lp.wconn
	if c == nil || len(lp.wbuf) == 0 {
		lp.wconn = nil
		return
	}
	// Detach the buffer before writing: writing may close a slow consumer,
	// whose stream error then starts a buffer of its own (the written bytes
	// were copied by gnet, so their space can be reused) instead of being
	// appended to these bytes and written with them a second time.
	buf := lp.wbuf
	lp.wbuf, lp.wconn = lp.wbuf[:0], nil
	c.writeOut(buf)
	if cap(lp.wbuf) > 256<<10 {
		lp.wbuf = nil // do not pin a burst's buffer
	}
}

// shutdownAll ends every stream on this loop with <system-shutdown/>.
func (lp *loop) shutdownAll() {
	for c := range lp.conns {
		c.safely(func() { c.sess.StreamError("system-shutdown", "the server is shutting down") })
		lp.flush()
		if !c.closing {
			c.closing = true
			_ = c.gc.Close()
		}
	}
}
