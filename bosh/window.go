package bosh

import "time"

// ridClass is where a request's rid falls relative to the session's window
// (XEP-0124 §14).
type ridClass uint8

const (
	ridNext   ridClass = iota // the next rid: process it now
	ridFuture                 // inside the window but early: wait for the gap to fill
	ridOld                    // already processed: a resend
	ridBeyond                 // past the window: terminal item-not-found
)

// classify places rid against last, the highest rid processed in order,
// with a window of size requests.
func classify(rid, last uint64, requests int) ridClass {
	switch {
	case rid <= last:
		return ridOld
	case rid == last+1:
		return ridNext
	case rid-last <= uint64(requests):
		return ridFuture
	}
	return ridBeyond
}

// respCache keeps the last responses of a session for resends (XEP-0124
// §14.3): as many as the session may have requests outstanding. Entries
// are the bodies as first sent (uncompressed); the shared empty body costs
// nothing to keep.
type respCache struct {
	ents []cached // ring, len <= cap
	next int      // where the next entry goes once full
}

type cached struct {
	rid  uint64
	body []byte
	at   time.Time
}

func newRespCache(n int) respCache { return respCache{ents: make([]cached, 0, n)} }

// put records the response to rid, evicting the oldest when full.
func (c *respCache) put(rid uint64, body []byte, at time.Time) {
	e := cached{rid: rid, body: body, at: at}
	if len(c.ents) < cap(c.ents) {
		c.ents = append(c.ents, e)
		return
	}
	if cap(c.ents) == 0 {
		return
	}
	c.ents[c.next] = e
	c.next = (c.next + 1) % len(c.ents)
}

// get returns the cached response to rid.
func (c *respCache) get(rid uint64) ([]byte, bool) {
	for i := range c.ents {
		if c.ents[i].rid == rid && c.ents[i].body != nil {
			return c.ents[i].body, true
		}
	}
	return nil, false
}

// sentAt returns when the response to rid was sent.
func (c *respCache) sentAt(rid uint64) (time.Time, bool) {
	for i := range c.ents {
		if c.ents[i].rid == rid && c.ents[i].body != nil {
			return c.ents[i].at, true
		}
	}
	return time.Time{}, false
}

// ack forgets the responses the client acknowledged (rid <= upTo, §9.2):
// they will not be asked for again.
func (c *respCache) ack(upTo uint64) {
	for i := range c.ents {
		if c.ents[i].rid <= upTo {
			c.ents[i].body = nil
		}
	}
}

// highest is the highest rid with a response, or 0.
func (c *respCache) highest() uint64 {
	var h uint64
	for i := range c.ents {
		if c.ents[i].body != nil && c.ents[i].rid > h {
			h = c.ents[i].rid
		}
	}
	return h
}
