package bosh

import (
	"crypto/sha1"
	"encoding/hex"
	"time"

	"xmppd/codec"
)

// reportAfter is how long a response must have been out, unacknowledged,
// before a request acknowledging less makes the server report it (§9.2).
const reportAfter = 2 * time.Second

// handle serves one request of an existing session and returns the body
// and HTTP status to write, or a waiter to hold: then the caller must call
// park. Holding happens there, after the request body was processed and
// the frames that did it returned, so that a held request keeps neither
// its decoder nor a deep stack (a held request is a parked goroutine whose
// stack the GC shrinks only while little of it is in use).
func (b *boshSession) handle(r *request) ([]byte, int, *waiter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv.closing.Load() {
		// Shutdown may have listed the sessions before this one's
		// request came in; nothing is held past it.
		b.destroy(condSystemShutdown)
	}
	if b.ended {
		resp, st := b.srv.terminal(b.legacy, condItemNotFound)
		if b.endCond == condSystemShutdown {
			resp, st = b.srv.terminal(b.legacy, condSystemShutdown)
		}
		return resp, st, nil
	}
	b.enter()
	resp, st, w := b.route(r)
	if w == nil {
		b.leave()
	}
	return resp, st, w
}

// park holds w (see await) and ends the request.
func (b *boshSession) park(w *waiter) ([]byte, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.leave()
	return b.await(w)
}

// route sends the request where its rid says.
func (b *boshSession) route(r *request) ([]byte, int, *waiter) {
	// A pause lasts until the next request (§10).
	b.idleLimit.Store(int64(b.srv.cfg.Inactivity))

	switch classify(r.rid, b.lastRID, b.requests) {
	case ridOld:
		return b.resend(r)
	case ridBeyond:
		resp, st := b.fail(condItemNotFound)
		return resp, st, nil
	case ridFuture:
		w := newWaiter(r.rid)
		if old := find(b.pend, r.rid); old != nil {
			// A resend of a request still waiting for its turn: it takes
			// the old one's place (that connection broke, §14.3).
			b.pend[index(b.pend, old)] = w
			old.resp, old.status, old.done = emptyBody, 200, true
			signal(old.sig)
		} else {
			if !b.admit(r, false) {
				resp, st := b.fail(condPolicyViolation)
				return resp, st, nil
			}
			b.pend = append(b.pend, w)
		}
		if !b.awaitTurn(w) {
			return w.resp, w.status, nil
		}
		return b.process(r, w)
	}
	if !b.admit(r, true) {
		resp, st := b.fail(condPolicyViolation)
		return resp, st, nil
	}
	return b.process(r, newWaiter(r.rid))
}

// admit applies the overactivity rules (§11) to a new request; next says
// it is the next one in rid order (not one that overtook another).
func (b *boshSession) admit(r *request, next bool) bool {
	outstanding := len(b.held) + len(b.pend) + 1
	if r.pause >= 0 || r.term {
		return outstanding <= b.requests+1
	}
	if outstanding > b.requests {
		return false
	}
	now := b.srv.cfg.Clock.Now()
	// As many requests as allowed, none answered, the last one (in rid
	// order: none overtook it) empty and hard on the heels of the one
	// before: too frequent.
	if next && len(b.pend) == 0 && outstanding == b.requests && b.requests > 1 && r.empty() &&
		!b.lastReqAt.IsZero() && now.Sub(b.lastReqAt) < b.srv.cfg.Polling {
		return false
	}
	b.lastReqAt = now
	return true
}

// awaitTurn waits until the requests before w were processed. False when
// w was answered meanwhile (superseded, or the session ended).
func (b *boshSession) awaitTurn(w *waiter) bool {
	t := b.srv.cfg.Clock.NewTimer(2 * max(b.wait, 5*time.Second))
	defer t.Stop()
	for !w.done && b.lastRID+1 != w.rid {
		b.mu.Unlock()
		timedOut := false
		select {
		case <-w.sig:
		case <-t.C():
			timedOut = true
		case <-b.srv.done:
		}
		b.mu.Lock()
		switch {
		case w.done || b.lastRID+1 == w.rid:
		case b.srv.closing.Load():
			b.destroy(condSystemShutdown)
		case timedOut:
			// The gap never filled: the client lost a request.
			b.pend = remove(b.pend, w)
			w.resp, w.status = b.fail(condItemNotFound)
			w.done = true
		}
	}
	if w.done {
		return false
	}
	b.pend = remove(b.pend, w)
	return true
}

// resend answers a rid already processed: the cached response, or the
// place of a request still held (its connection broke, §14.3).
func (b *boshSession) resend(r *request) ([]byte, int, *waiter) {
	if body, ok := b.cache.get(r.rid); ok {
		b.srv.Stats.Resends.Add(1)
		return body, 200, nil
	}
	old := find(b.held, r.rid)
	if old == nil {
		resp, st := b.fail(condItemNotFound)
		return resp, st, nil
	}
	b.srv.Stats.Resends.Add(1)
	w := newWaiter(r.rid)
	w.deadline = b.srv.cfg.Clock.Now().Add(b.wait).UnixNano()
	b.held[index(b.held, old)] = w
	b.setHead()
	old.resp, old.status, old.done = emptyBody, 200, true
	signal(old.sig)
	return nil, 0, w
}

// process handles the request whose turn it is: its attributes and
// payloads, then its response.
func (b *boshSession) process(r *request, w *waiter) ([]byte, int, *waiter) {
	now := b.srv.cfg.Clock.Now()
	if !b.checkKey(r) {
		resp, st := b.fail(condItemNotFound)
		return resp, st, nil
	}
	if r.pause > 0 && time.Duration(r.pause)*time.Second > b.srv.cfg.MaxPause {
		resp, st := b.fail(condPolicyViolation)
		return resp, st, nil
	}
	if b.hold == 0 && r.empty() {
		// Polling session: two empty requests closer than 'polling', the
		// first answered with nothing (§12).
		if b.emptyRID == r.rid-1 && !b.emptyPayload && now.Sub(b.emptyAt) < b.srv.cfg.Polling {
			resp, st := b.fail(condPolicyViolation)
			return resp, st, nil
		}
		b.emptyRID, b.emptyAt, b.emptyPayload = r.rid, now, false
	}
	if r.ack > 0 && b.acks {
		b.cache.ack(r.ack)
		if h := b.cache.highest(); r.ack < h {
			if at, ok := b.cache.sentAt(r.ack + 1); ok && now.Sub(at) >= reportAfter {
				w.report, w.reportTime = r.ack+1, now.Sub(at).Milliseconds()
			}
		}
	}
	b.feed(r)
	if r.rid > b.lastRID {
		b.lastRID = r.rid
	}
	if next := find(b.pend, r.rid+1); next != nil {
		signal(next.sig)
	}
	if b.ended {
		return b.compose(w, true), w.status, nil
	}
	w.deadline = now.Add(b.wait).UnixNano()
	b.held = append(b.held, w)
	b.setHead()
	switch {
	case r.pause >= 0:
		// Everything held returns now; the pause response itself carries
		// no payloads (§10), and the session may idle for the pause.
		b.releaseUpTo(w, false)
		b.idleLimit.Store(int64(time.Duration(r.pause) * time.Second))
	case w.report != 0:
		b.releaseUpTo(w, true)
	default:
		b.flush()
		for len(b.held) > b.hold {
			b.release(b.held[0], true)
		}
	}
	if w.done {
		return w.resp, w.status, nil
	}
	return nil, 0, w
}

// await holds w until it is answered: output for it, a newer request
// that pushes it out, its 'wait' (the sweep), or the end of the session.
// Called with mu held.
func (b *boshSession) await(w *waiter) ([]byte, int) {
	b.srv.Stats.Held.Add(1)
	for !w.done {
		b.mu.Unlock()
		<-w.sig
		b.mu.Lock()
		if !w.done {
			b.flush() // output arrived: it goes to the oldest held request
		}
	}
	b.srv.Stats.Held.Add(-1)
	return w.resp, w.status
}

// feed hands the request's stream-level steps and payloads to the XMPP
// session, in order, waiting out the session's workers between elements.
func (b *boshSession) feed(r *request) {
	defer b.recoverPanic()
	if r.restart {
		if !b.waitIdle() {
			return
		}
		lang := b.lang
		if len(r.lang) > 0 {
			lang = string(r.lang)
		}
		b.openStream(lang)
	}
	var dec *codec.Decoder
	defer func() {
		if dec != nil {
			putDecoder(&clientDecoders, dec)
		}
	}()
	for c := r.body.FirstChild(); !c.IsZero(); c = c.NextSibling() {
		if !b.waitIdle() {
			return
		}
		el := c
		if string(c.NS()) == nsHTTPBind {
			// A stanza that inherited the wrapper's namespace: read it
			// as the stream's default, jabber:client, as it was meant.
			if dec == nil {
				dec = getDecoder(&clientDecoders, nsClient, b.srv.cfg.MaxBodySize)
			}
			dec.Reset()
			ev, _, err := dec.Next(c.Raw())
			if err != nil || ev != codec.EventElement {
				b.xs.StreamError("bad-format", "")
				return
			}
			el = dec.Element()
		}
		b.xs.HandleElement(el)
		if b.ended {
			return
		}
	}
	if r.term && b.waitIdle() {
		b.xs.HandleStreamEnd()
		b.destroy("")
	}
}

// openStream gives the session the stream header a TCP client would have
// sent: BOSH has none (session creation and xmpp:restart stand for it).
func (b *boshSession) openStream(lang string) {
	dec := codec.NewDecoder(codec.Limits{})
	hdr := codec.AppendStreamHeader(make([]byte, 0, 256), codec.StreamHeader{
		NS: nsClient, To: b.domain, Version: b.xmppVersion, Lang: lang,
	})
	ev, _, err := dec.Next(hdr)
	if err != nil || ev != codec.EventStreamStart {
		b.xs.StreamError("bad-format", "")
		return
	}
	b.xs.HandleHeader(dec.Header())
	dec.Reset()
}

// waitIdle waits, holding the owner lock, until the session takes input
// again, running the worker results that are posted meanwhile. False when
// the session ended (or its worker took longer than WorkTimeout, which
// ends it).
func (b *boshSession) waitIdle() bool {
	if b.ended {
		return false
	}
	if !b.xs.Busy() {
		return true
	}
	t := b.srv.cfg.Clock.NewTimer(b.srv.cfg.WorkTimeout)
	defer t.Stop()
	for !b.ended {
		b.runPosted()
		if b.ended || !b.xs.Busy() {
			break
		}
		select {
		case <-b.postSig:
		case <-t.C():
			b.srv.cfg.Logger.Warn("BOSH session worker timed out; ending the session", "sid", b.sid)
			b.destroy(condUndefined)
		}
	}
	return !b.ended
}

// checkKey verifies the key sequence of §15 when the client uses one.
func (b *boshSession) checkKey(r *request) bool {
	if b.key == nil {
		if len(r.newkey) > 0 {
			b.key = append(b.key[:0], r.newkey...)
		}
		return true
	}
	sum := sha1.Sum(r.key)
	var hexSum [40]byte
	hex.Encode(hexSum[:], sum[:])
	if len(r.key) == 0 || string(hexSum[:]) != string(b.key) {
		return false
	}
	if len(r.newkey) > 0 {
		b.key = append(b.key[:0], r.newkey...)
	} else {
		b.key = append(b.key[:0], r.key...)
	}
	return true
}

// fail ends the session with a terminal condition caused by this request.
func (b *boshSession) fail(cond string) ([]byte, int) {
	b.srv.Stats.Terminal.Add(1)
	b.destroy(cond)
	return b.srv.terminal(b.legacy, cond)
}

func find(l []*waiter, rid uint64) *waiter {
	for _, w := range l {
		if w.rid == rid {
			return w
		}
	}
	return nil
}

func index(l []*waiter, w *waiter) int {
	for i, x := range l {
		if x == w {
			return i
		}
	}
	return -1
}
