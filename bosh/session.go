package bosh

import (
	"crypto/tls"
	"errors"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"xmppd/engine/session"
)

// boshSession is one BOSH session: the transport of one XMPP stream
// (session.Transport) and the state of its HTTP requests.
//
// Its owner is mu, not a goroutine: whoever holds mu may call into xs, and
// everything that does (a request handler feeding a body, the goroutine
// that runs posted worker results, the inactivity sweep, shutdown) holds
// it. Lock order: mu, then Server.mu; mu, then qmu. qmu is a leaf: Enqueue
// and Post take only qmu, so a session routing to another never waits for
// the other's owner.
type boshSession struct {
	srv *Server
	sid string

	// Fixed at creation.
	domain      string
	lang        string
	xmppVersion string
	wait        time.Duration
	hold        int
	requests    int
	legacy      bool // no 'ver': HTTP status codes for terminal errors
	acks        bool // the client asked for acknowledgements (§9)
	content     string
	remote      netip.Addr
	secure      bool

	mu       sync.Mutex // the owner: guards the following fields and every call into xs
	xs       *session.Session
	lastRID  uint64    // the highest rid processed in order
	held     []*waiter // processed requests waiting for output, in rid order
	pend     []*waiter // early requests waiting for the gap before them to fill
	cache    respCache
	active   int    // requests inside the session now
	key      []byte // the key the next request must hash to (§15), or nil
	streamID string // the XMPP stream id (the creation response's authid)
	ended    bool
	endCond  string
	// Polling rules (§11, §12): the last new request, and the last empty one.
	lastReqAt    time.Time
	emptyRID     uint64
	emptyAt      time.Time
	emptyPayload bool // the response to emptyRID carried payloads

	qmu      sync.Mutex // guards the following: taken from any goroutine, never held while calling out
	out      *[]byte    // payloads for the next response; nil when none
	outFlags frameFlags
	posted   []func()
	draining bool // a goroutine is on its way to run posted
	gone     bool
	overflow bool

	postSig chan struct{} // cap 1: a function was posted

	// Written under mu, read without it: by Enqueue, to wake the request
	// that will carry what it queued, and by the sweep.
	head      atomic.Pointer[waiter] // the oldest held request, or nil
	deadline  atomic.Int64           // unix ns when head's 'wait' is up; 0 with no head
	idleAt    atomic.Int64           // unix ns since no request is in the session; 0 while one is
	idleLimit atomic.Int64           // ns of idleness allowed: inactivity, or a pause
}

// waiter is one request inside a session. A held request's goroutine
// waits on sig alone (one runtime sudog, no timer): whoever answers it, or
// queues output for it, signals; its 'wait' is enforced by the sweep.
type waiter struct {
	rid      uint64
	sig      chan struct{} // cap 1: done, output for it, or the gap before it filled
	done     bool          // resp is final (guarded by the session's mu)
	deadline int64         // unix ns when its 'wait' is up, once held
	resp     []byte
	status   int
	// report (§9.2): the response goes out at once with these.
	report     uint64
	reportTime int64
}

func newWaiter(rid uint64) *waiter {
	return &waiter{rid: rid, sig: make(chan struct{}, 1), status: 200}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// The session.Transport implementation.

var errNoStartTLS = errors.New("bosh: no STARTTLS over BOSH; serve HTTPS instead")

// Send queues what the session wrote for the next response. Called by the
// owner only.
func (b *boshSession) Send(p []byte) {
	b.qmu.Lock()
	if b.out == nil {
		b.out = getOutBuf()
	}
	var fl frameFlags
	var id []byte
	*b.out, fl, id = appendPayload(*b.out, p)
	b.outFlags |= fl
	b.qmu.Unlock()
	if id != nil {
		b.streamID = string(id)
	}
}

// Enqueue queues a routed stanza from any goroutine and wakes a held
// request. Past MaxOutbound the session ends as a slow consumer.
func (b *boshSession) Enqueue(p []byte) bool {
	b.qmu.Lock()
	if b.gone || b.overflow {
		b.qmu.Unlock()
		return false
	}
	n := 0
	if b.out != nil {
		n = len(*b.out)
	}
	if n+len(p) > b.srv.cfg.MaxOutbound {
		b.overflow = true
		b.qmu.Unlock()
		b.srv.Stats.Overflows.Add(1)
		b.Post(b.slowConsumer)
		return false
	}
	if b.out == nil {
		b.out = getOutBuf()
	}
	var fl frameFlags
	*b.out, fl, _ = appendPayload(*b.out, p)
	b.outFlags |= fl
	b.qmu.Unlock()
	// The head is read after the output is queued, and set before the
	// owner looks for output (setHead): one of the two sees the other.
	if h := b.head.Load(); h != nil {
		signal(h.sig)
	}
	return true
}

// EnqueueAt is Enqueue: BOSH does not time routes (its requests come on
// HTTP workers, not on an event loop with a shared clock).
func (b *boshSession) EnqueueAt(p []byte, _ int64) bool { return b.Enqueue(p) }

// ReadAt is 0: BOSH does not time routes.
func (b *boshSession) ReadAt() int64 { return 0 }

// StanzaCounters is nil: the owner is whichever goroutine holds mu, so
// the session server's shared counters count BOSH stanzas.
func (b *boshSession) StanzaCounters() *session.StanzaCounters { return nil }

// slowConsumer ends a session whose client does not fetch what it is sent.
func (b *boshSession) slowConsumer() {
	b.qmu.Lock()
	putOutBuf(b.out)
	b.out, b.outFlags = nil, 0
	b.qmu.Unlock()
	b.xs.StreamError("policy-violation", "you are not reading what the server sends")
}

func (b *boshSession) StartTLS() error { return errNoStartTLS }

// ResetStream: the client restarts the stream with xmpp:restart (XEP-0206
// §5); the body decoder is per request, so there is nothing to reset.
func (b *boshSession) ResetStream() {}

// Close ends the BOSH session once the stream is over: the next response
// carries what is left, with type='terminate' (remote-stream-error when
// the stream ended with a stream error, XEP-0206 §7).
func (b *boshSession) Close() {
	b.qmu.Lock()
	streamErr := b.outFlags&frStreamErr != 0
	b.qmu.Unlock()
	cond := ""
	if streamErr {
		cond = condRemoteStreamError
	}
	b.end(cond)
}

// Post runs fn under the owner lock, after whatever holds it now.
func (b *boshSession) Post(fn func()) bool {
	b.qmu.Lock()
	if b.gone {
		b.qmu.Unlock()
		return false
	}
	b.posted = append(b.posted, fn)
	start := !b.draining
	b.draining = true
	b.qmu.Unlock()
	signal(b.postSig)
	if start {
		go b.drain()
	}
	return true
}

// Resume wakes a request waiting for the session to take input again.
func (b *boshSession) Resume() { signal(b.postSig) }

// secureState stands for "encrypted, without channel binding": the
// requests of a BOSH session come over several TLS connections, so none
// of them can be bound to (no -PLUS mechanisms), but PLAIN is safe.
var secureState = &tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS12}

func (b *boshSession) Info() session.TransportInfo {
	info := session.TransportInfo{Remote: b.remote, Kind: session.TransportBOSH}
	if b.secure {
		info.Secure, info.TLS = true, secureState
	}
	return info
}

// drain runs posted functions on behalf of the owner, then hands any
// output they produced to a held request.
func (b *boshSession) drain() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.runPosted()
	b.flush()
}

// runPosted runs the posted functions in order. Called with mu held.
func (b *boshSession) runPosted() {
	for {
		b.qmu.Lock()
		fns := b.posted
		b.posted = nil
		if len(fns) == 0 {
			b.draining = false
			b.qmu.Unlock()
			return
		}
		b.qmu.Unlock()
		for _, fn := range fns {
			if b.ended {
				break
			}
			b.call(fn)
		}
	}
}

// call runs fn, which calls into xs, and turns a panic into the end of
// this session only.
func (b *boshSession) call(fn func()) {
	defer b.recoverPanic()
	fn()
}

func (b *boshSession) recoverPanic() {
	if r := recover(); r != nil {
		b.srv.Stats.Panics.Add(1)
		b.srv.cfg.Logger.Error("panic in a BOSH session; ending it", "sid", b.sid, "panic", r, "stack", string(debug.Stack()))
		b.destroy(condUndefined)
	}
}

// Output buffers are pooled: an idle session holds none.
var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func getOutBuf() *[]byte { return outPool.Get().(*[]byte) }

func putOutBuf(p *[]byte) {
	if p != nil && cap(*p) <= 64<<10 {
		*p = (*p)[:0]
		outPool.Put(p)
	}
}

// hasOutput reports whether payloads wait for a response.
func (b *boshSession) hasOutput() bool {
	b.qmu.Lock()
	defer b.qmu.Unlock()
	return b.out != nil && len(*b.out) > 0
}

// compose builds the response to w (with the pending payloads when
// payload is true). Called with mu held.
func (b *boshSession) compose(w *waiter, payload bool) []byte {
	var a bodyAttrs
	var out *[]byte
	if payload {
		b.qmu.Lock()
		out = b.out
		if out != nil {
			a.streamNS = b.outFlags&frStreamNS != 0
			b.out, b.outFlags = nil, 0
		}
		b.qmu.Unlock()
	}
	if b.ended {
		a.terminate, a.condition = true, b.endCond
		if b.legacy {
			w.status = legacyStatus(b.endCond)
		}
	}
	if b.acks && b.lastRID > w.rid {
		a.ack = b.lastRID
	}
	a.report, a.time = w.report, w.reportTime
	var p []byte
	if out != nil {
		p = *out
	}
	body := responseBody(&a, p)
	if w.rid == b.emptyRID {
		b.emptyPayload = len(p) > 0
	}
	putOutBuf(out)
	return body
}

// release answers w now and removes it from the held or pending list.
// Called with mu held.
func (b *boshSession) release(w *waiter, payload bool) {
	b.held = remove(b.held, w)
	b.pend = remove(b.pend, w)
	w.resp = b.compose(w, payload)
	if !b.ended {
		b.cache.put(w.rid, w.resp, b.srv.cfg.Clock.Now())
	}
	w.done = true
	signal(w.sig)
	b.setHead()
}

// setHead publishes the oldest held request after b.held changed, and
// wakes it if output is already waiting. Called with mu held.
func (b *boshSession) setHead() {
	if len(b.held) == 0 {
		b.head.Store(nil)
		b.deadline.Store(0)
		return
	}
	h := b.held[0]
	b.head.Store(h)
	b.deadline.Store(h.deadline)
	if b.hasOutput() {
		signal(h.sig)
	}
}

// expire answers the held requests whose 'wait' is up at now (unix ns),
// oldest first. Called with mu held.
func (b *boshSession) expire(now int64) {
	for len(b.held) > 0 && b.held[0].deadline <= now {
		b.release(b.held[0], true)
	}
}

func remove(l []*waiter, w *waiter) []*waiter {
	for i, x := range l {
		if x == w {
			copy(l[i:], l[i+1:])
			l[len(l)-1] = nil
			return l[:len(l)-1]
		}
	}
	return l
}

// flush hands pending payloads to the oldest held request, so that
// responses leave in rid order (§8). Called with mu held.
func (b *boshSession) flush() {
	if len(b.held) > 0 && b.hasOutput() {
		b.release(b.held[0], true)
	}
}

// releaseUpTo answers every held request up to and including w, oldest
// first; w gets payloads only when payload is true.
func (b *boshSession) releaseUpTo(w *waiter, payload bool) {
	for len(b.held) > 0 && b.held[0] != w && b.held[0].rid < w.rid {
		b.release(b.held[0], true)
	}
	b.release(w, payload)
}

// end terminates the BOSH session: it leaves the server, and every
// request still inside gets a terminate body (the oldest one with the
// payloads left). Called with mu held; xs must be closed already.
func (b *boshSession) end(cond string) {
	if b.ended {
		return
	}
	b.ended, b.endCond = true, cond
	b.qmu.Lock()
	b.gone = true
	b.posted = nil
	b.qmu.Unlock()
	b.srv.remove(b)
	for len(b.held) > 0 {
		b.release(b.held[0], true)
	}
	for len(b.pend) > 0 {
		b.release(b.pend[0], true)
	}
}

// destroy closes the stream as a disconnect does (the resource goes
// unavailable) and ends the session with cond. Called with mu held.
func (b *boshSession) destroy(cond string) {
	if b.ended {
		return
	}
	if b.xs != nil {
		func() {
			defer func() {
				if r := recover(); r != nil {
					b.srv.cfg.Logger.Error("panic closing a BOSH session", "sid", b.sid, "panic", r)
				}
			}()
			b.xs.HandleClosed()
		}()
	}
	b.end(cond)
}

// enter and leave count the requests inside the session, which decide
// whether it is idle. Called with mu held.
func (b *boshSession) enter() {
	b.active++
	b.idleAt.Store(0)
}

func (b *boshSession) leave() {
	b.active--
	if b.active == 0 {
		b.idleAt.Store(b.srv.cfg.Clock.Now().UnixNano())
	}
}
