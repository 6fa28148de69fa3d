package session

import (
	"xmppd/codec"
	"xmppd/internal/jid"
)

// Blocking (XEP-0191). A session caches its user's block list, loaded at
// bind and replaced on every change (nil when the list is empty, so the
// common case costs one atomic load); stanzas from a blocked address are
// dropped on delivery, stanzas to one are refused with <blocked/>. For a
// user with no session the store is asked (offline storage).

// blockedBy reports whether list blocks addr: an item matches the exact
// JID, or its bare JID, domain or domain/resource form (XEP-0191 §3.5,
// privacy-list matching of RFC 3921 §10).
func blockedBy(list map[string]struct{}, addr jid.JID) bool {
	if len(list) == 0 {
		return false
	}
	if _, ok := list[addr.String()]; ok {
		return true
	}
	if _, ok := list[addr.Bare().String()]; ok {
		return true
	}
	if _, ok := list[addr.Domain()]; ok {
		return true
	}
	if addr.Resource() != "" {
		if d, err := jid.New("", addr.Domain(), addr.Resource()); err == nil {
			if _, ok := list[d.String()]; ok {
				return true
			}
		}
	}
	return false
}

// Blocks reports whether this session's user blocks addr.
func (s *Session) Blocks(addr jid.JID) bool {
	if p := s.blocked.Load(); p != nil {
		return blockedBy(*p, addr)
	}
	return false
}

func (s *Session) setBlockList(list []string) {
	if len(list) == 0 {
		s.blocked.Store(nil)
		return
	}
	m := make(map[string]struct{}, len(list))
	for _, j := range list {
		m[j] = struct{}{}
	}
	s.blocked.Store(&m)
}

// loadBlockList fills the cache at bind, on a worker.
func (s *Session) loadBlockList() {
	user := s.full.Local()
	s.srv.goWork(func() {
		if list, err := s.srv.cfg.Store.BlockList(user); err == nil {
			s.setBlockList(list)
		}
	})
}

func (s *Session) blockingIQ(r reply, child codec.Element) {
	store := s.srv.cfg.Store
	user := s.full.Local()
	name := string(child.Name())
	switch {
	case r.typ == "get" && name == "blocklist":
		s.blockRequested.Store(true)
		s.work(func() func() {
			list, err := store.BlockList(user)
			return func() {
				if err != nil {
					s.sendError(r, errWait, "internal-server-error", "")
					return
				}
				b := getBuf()
				b = append(b, "<blocklist xmlns='"+nsBlocking+"'>"...)
				for _, j := range list {
					b = codec.AppendEmpty(b, "item", "jid", j)
				}
				b = append(b, "</blocklist>"...)
				s.sendResult(r, b)
				putBuf(b)
			}
		}, r)
	case r.typ == "set" && (name == "block" || name == "unblock"):
		var items []string
		for it := range child.Children() {
			if !it.Is("item", nsBlocking) {
				continue
			}
			j, err := jid.ParseBytes(it.Attr("jid"))
			if err != nil {
				s.sendError(r, errModify, "jid-malformed", "")
				return
			}
			items = append(items, j.String())
		}
		if name == "block" && len(items) == 0 {
			s.sendError(r, errModify, "bad-request", "block at least one item")
			return
		}
		full := s.full
		srv := s.srv
		s.work(func() func() {
			var err error
			switch {
			case name == "block":
				err = store.Block(user, items...)
			case len(items) == 0:
				err = store.UnblockAll(user)
			default:
				err = store.Unblock(user, items...)
			}
			var list []string
			if err == nil {
				list, err = store.BlockList(user)
			}
			return func() {
				if err != nil {
					s.sendError(r, errWait, "internal-server-error", "")
					return
				}
				s.sendResult(r, nil)
				srv.blockListChanged(full, name, items, list)
			}
		}, r)
	default:
		s.sendError(r, errModify, "bad-request", "")
	}
}

// blockListChanged refreshes every resource's cache, pushes the change to
// the resources that asked for the list, and, for a block, sends the newly
// blocked contacts unavailable presence from the user's available
// resources (XEP-0191 §3.3).
func (srv *Server) blockListChanged(user jid.JID, op string, items, list []string) {
	push := []byte("<iq type='set'><" + op + " xmlns='" + nsBlocking + "'>")
	for _, j := range items {
		push = codec.AppendEmpty(push, "item", "jid", j)
	}
	push = append(push, "</"+op+"></iq>"...)
	for _, p := range srv.cfg.Router.AppendResources(nil, user.Bare()) {
		sess, ok := p.(*Session)
		if !ok {
			continue
		}
		sess.setBlockList(list)
		if sess.blockRequested.Load() {
			b := withTo(push, sess.full.String())
			b = withAttr(b, "id", "block-"+randomID()[:8])
			sess.Deliver(b)
		}
		if op == "block" {
			if ok, _ := sess.Available(); ok {
				for _, j := range items {
					if c, err := jid.Parse(j); err == nil && srv.Serves(c.Domain()) {
						srv.deliverAvailable(c.Bare(), sess.unavailableStanza(), sess.full, nil)
					}
				}
			}
		}
	}
}

// sendBlockedError refuses a stanza to an address the user blocks
// (XEP-0191 §3.6): not-acceptable with <blocked/>; presence vanishes.
func (s *Session) sendBlockedError(r reply) {
	if r.kind == "presence" {
		return
	}
	s.sendErrorExtra(r, errCancel, "not-acceptable", "", "<blocked xmlns='"+nsBlockingErr+"'/>")
}
