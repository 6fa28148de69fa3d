package router

import (
	"hash/maphash"
	"sync"

	"xmppd/internal/jid"
)

// Session is what the router keeps for a bound resource. Deliver and the
// presence accessors are called from any goroutine.
type Session interface {
	// JID is the session's full JID; it does not change once bound.
	JID() jid.JID
	// Deliver queues stanza for the peer and takes ownership of it. It
	// returns false when the session is closing or its queue is full.
	Deliver(stanza []byte) bool
	// Available reports whether the resource has sent available presence,
	// and with which priority (RFC 6121 §4.7.2.3).
	Available() (ok bool, priority int8)
}

// Remote delivers to sessions on other nodes (the cluster seam).
type Remote interface {
	Deliver(to jid.JID, stanza []byte) bool
}

const shardCount = 64

type shard struct {
	mu    sync.RWMutex // guards the following fields
	bare  map[jid.JID][]Session
	count int
}

// Router is the table of bound sessions. The zero value is not usable; use
// New.
type Router struct {
	seed   maphash.Seed
	shards [shardCount]shard
	Remote Remote // nil on a single node
}

// New returns an empty router.
func New() *Router {
	r := &Router{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].bare = make(map[jid.JID][]Session)
	}
	return r
}

func (r *Router) shard(bare jid.JID) *shard {
	return &r.shards[maphash.String(r.seed, bare.String())%shardCount]
}

// Bind registers s under its full JID. When another session holds the same
// full JID it is replaced and returned, so the caller can close it with a
// <conflict/> stream error (RFC 6120 §7.7.2.2).
func (r *Router) Bind(s Session) (replaced Session) {
	full := s.JID()
	bare := full.Bare()
	sh := r.shard(bare)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.bare[bare]
	for i, o := range list {
		if o.JID() == full {
			list[i] = s
			return o
		}
	}
	sh.bare[bare] = append(list, s)
	sh.count++
	return nil
}

// Unbind removes s if it is still the session bound to its JID.
func (r *Router) Unbind(s Session) {
	full := s.JID()
	bare := full.Bare()
	sh := r.shard(bare)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	list := sh.bare[bare]
	for i, o := range list {
		if o == s {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			list = list[:last]
			sh.count--
			if len(list) == 0 {
				delete(sh.bare, bare)
			} else {
				sh.bare[bare] = list
			}
			return
		}
	}
}

// Lookup returns the session bound to a full JID, or nil.
func (r *Router) Lookup(full jid.JID) Session {
	bare := full.Bare()
	sh := r.shard(bare)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for _, s := range sh.bare[bare] {
		if s.JID() == full {
			return s
		}
	}
	return nil
}

// AppendResources appends the sessions bound to resources of bare to dst.
func (r *Router) AppendResources(dst []Session, bare jid.JID) []Session {
	sh := r.shard(bare)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return append(dst, sh.bare[bare]...)
}

// Online reports whether any resource of bare is bound.
func (r *Router) Online(bare jid.JID) bool {
	sh := r.shard(bare)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return len(sh.bare[bare]) > 0
}

// Count is the number of bound sessions.
func (r *Router) Count() int {
	n := 0
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		n += sh.count
		sh.mu.RUnlock()
	}
	return n
}

// Each calls fn for every bound session until fn returns false. Sessions
// bound or unbound meanwhile may or may not be seen.
func (r *Router) Each(fn func(Session) bool) {
	var buf []Session
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		buf = buf[:0]
		for _, l := range sh.bare {
			buf = append(buf, l...)
		}
		sh.mu.RUnlock()
		for _, s := range buf {
			if !fn(s) {
				return
			}
		}
	}
}

// AppendBest appends to dst the resources of bare that a message to the
// bare JID goes to (RFC 6121 §8.5.2.1.1): the available ones with the
// highest non-negative priority, all of them when several share it. None
// when no resource is available with a non-negative priority.
func (r *Router) AppendBest(dst []Session, bare jid.JID) []Session {
	sh := r.shard(bare)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return AppendBestOf(dst, sh.bare[bare])
}

// AppendBestOf appends to dst the sessions of list that AppendBest would
// choose, for a caller that holds the resources already (AppendResources).
// dst may be list[:0]: the choice is then made in place.
func AppendBestOf(dst, list []Session) []Session {
	best := int8(-1)
	for _, s := range list {
		if ok, p := s.Available(); ok && p > best {
			best = p
		}
	}
	if best < 0 {
		return dst
	}
	for _, s := range list {
		if ok, p := s.Available(); ok && p == best {
			dst = append(dst, s)
		}
	}
	return dst
}
