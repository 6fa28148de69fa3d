package component

import (
	"context"
	"time"

	"github.com/panjf2000/gnet/v2"

	"xmppd/engine/timerwheel"
)

// loop is the state one event loop keeps for its connections. Only that
// loop's goroutine touches it.
type loop struct {
	l     *Listener
	el    gnet.EventLoop
	wheel *timerwheel.Wheel
	conns map[*conn]struct{}
	env   *env

	// The shared write buffer: output of the connection being served,
	// written when the callback ends or another connection's output starts.
	wbuf  []byte
	wconn *conn
}

func newLoop(l *Listener, el gnet.EventLoop) *loop {
	cfg := &l.cfg
	return &loop{
		l:     l,
		el:    el,
		wheel: timerwheel.New(time.Now(), timerwheel.Options{Resolution: cfg.TimerResolution}),
		conns: make(map[*conn]struct{}),
		env: &env{
			router: cfg.Router,
			in:     cfg.Server,
			domain: cfg.Domain,
			log:    cfg.Logger,
			stats:  &l.Stats,
			limits: cfg.Limits,
		},
	}
}

// Run advances the timer wheel; OnTick posts it here with Execute.
func (lp *loop) Run(context.Context) error {
	lp.wheel.Advance(time.Now())
	lp.flush()
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

// flush writes the pending output of the connection it belongs to. The
// buffer is handed over before the write, so a stream error the write
// provokes (outbound cap) is queued and flushed on its own.
func (lp *loop) flush() {
	c, b := lp.wconn, lp.wbuf
	lp.wconn, lp.wbuf = nil, lp.wbuf[:0]
	if c == nil || len(b) == 0 {
		return
	}
	c.writeOut(b)
	if lp.wconn == nil && cap(lp.wbuf) > 256<<10 {
		lp.wbuf = nil // do not pin a burst's buffer
	}
}

// shutdownAll ends every stream on this loop with <system-shutdown/>.
func (lp *loop) shutdownAll() {
	for c := range lp.conns {
		c.safely(func() { c.st.streamError("system-shutdown", "the server is shutting down") })
		lp.flush()
		if !c.closing {
			c.closing = true
			_ = c.gc.Close()
		}
	}
}

// reroute hands stanzas that were queued for a connection that is gone to
// the domain's remaining connections; what none takes is bounced to its
// sender with service-unavailable, as the c2s side does when no
// connection is up.
func (lp *loop) reroute(items []queued) {
	for _, it := range items {
		if lp.env.router.Deliver(it.to, it.b) {
			lp.l.Stats.Rerouted.Add(1)
			continue
		}
		lp.bounceToSender(it.b)
	}
}

// bounceToSender answers a stanza for a component that could not be
// delivered, routing the error to its sender through the server.
func (lp *loop) bounceToSender(b []byte) {
	e, ok := lp.env.decode(b)
	if !ok {
		return
	}
	if !bounceable(string(e.Name()), string(e.Attr("type"))) || e.Attr("from") == nil {
		lp.env.frag.Release()
		return
	}
	errb := appendBounce(nil, e, "service-unavailable", "", "")
	lp.env.frag.Release()
	if be, ok := lp.env.decode(errb); ok {
		lp.l.Stats.Bounced.Add(1)
		_ = lp.env.in.RouteExternal(be) // an error is never answered
		lp.env.frag.Release()
	}
}
