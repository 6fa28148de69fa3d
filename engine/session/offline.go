package session

import (
	"bytes"
	"errors"
	"hash/maphash"

	"xmppd/codec"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Offline storage (XEP-0160): chat and normal messages to a user with no
// available resource are kept, stamped with XEP-0203 delay, and delivered
// in order at the user's next available presence with non-negative
// priority, then deleted.

// storable reports whether a message to an offline user is worth keeping:
// a body or subject, or an explicit store hint, and no no-store hint
// (XEP-0334); chat states alone are not kept.
func storable(e codec.Element) bool {
	store := false
	for c := range e.Children() {
		switch {
		case c.Is("no-store", nsHints), c.Is("no-permanent-store", nsHints):
			return false
		case c.Is("store", nsHints), c.Is("body", NSClient), c.Is("subject", NSClient):
			store = true
		}
	}
	return store
}

// toOffline handles a chat or normal message to a user of ours with no
// available resource: stored when the account exists and the message is
// worth keeping, else answered with service-unavailable (RFC 6121
// §8.5.2.2).
func (s *Session) toOffline(e codec.Element, r reply, bare jid.JID) {
	keep := storable(e)
	stanza := s.stamped(e)
	store := s.srv.cfg.Store
	limit := s.srv.cfg.MaxOfflinePerUser
	// Stores go through the recipient's ordered queue: messages are kept
	// (and later delivered) in the order they were routed (XEP-0160).
	ok := s.srv.offlineQueue(bare.Local()).run(s.srv, func() {
		_, err := store.User(bare.Local())
		if err == nil {
			if blocked, berr := store.IsBlocked(bare.Local(), s.full.Bare().String()); berr == nil && blocked {
				return // dropped, as for an online recipient
			}
		}
		if err == nil && keep {
			_, err = store.AppendOffline(bare.Local(), stanza, limit)
			if err == nil {
				// The user may have come online while this was stored.
				if best := s.srv.bestAvailable(bare); best != nil {
					s.srv.deliverOffline(best)
				}
				return
			}
		}
		s.t.Post(func() {
			switch {
			case errors.Is(err, storage.ErrOfflineFull):
				s.sendError(r, errWait, "resource-constraint", "the recipient's offline storage is full")
			case err != nil && !errors.Is(err, storage.ErrNotFound):
				s.sendError(r, errWait, "internal-server-error", "")
			case err != nil:
				s.sendError(r, errCancel, "service-unavailable", "")
			}
			// An existing account and a message not worth keeping: dropped
			// silently, as RFC 6121 §8.5.2.2.1 allows.
		})
	})
	if !ok {
		s.sendError(r, errWait, "resource-constraint", "")
	}
}

// deliverOffline sends s the user's offline queue, delay-stamped, in order,
// and deletes what was handed over. It runs on a worker.
func (srv *Server) deliverOffline(s *Session) {
	user := s.full.Local()
	mu := &srv.offlineLocks[maphash.String(srv.lockSeed, user)%uint64(len(srv.offlineLocks))]
	mu.Lock() // one delivery of a user's queue at a time, or messages repeat
	defer mu.Unlock()
	msgs, err := srv.cfg.Store.OfflineMessages(user)
	if err != nil || len(msgs) == 0 {
		return
	}
	var last uint64
	for _, m := range msgs {
		if !s.Deliver(withDelay(m.Raw, s.full.Domain(), m)) {
			break
		}
		last = m.Seq
	}
	if last > 0 {
		if err := srv.cfg.Store.DeleteOfflineUpTo(user, last); err != nil {
			srv.cfg.Logger.Warn("offline queue not trimmed", "user", user, "err", err)
		}
	}
}

// withDelay returns raw with a delay element as its last child.
func withDelay(raw []byte, domain string, m storage.OfflineMessage) []byte {
	b := make([]byte, 0, len(raw)+96)
	if i := bytes.LastIndex(raw, []byte("</")); i > 0 && bytes.HasSuffix(bytes.TrimSpace(raw), []byte(">")) && !bytes.HasSuffix(raw, []byte("/>")) {
		b = append(b, raw[:i]...)
		b = appendDelay(b, domain, m.Stamp)
		return append(b, raw[i:]...)
	}
	// A self-closing message: open it.
	trim := bytes.TrimSuffix(bytes.TrimSpace(raw), []byte("/>"))
	b = append(b, trim...)
	b = append(b, '>')
	b = appendDelay(b, domain, m.Stamp)
	return append(b, "</message>"...)
}

// bestAvailable returns an available resource of bare with the highest
// non-negative priority (the one offline messages go to), or nil.
func (srv *Server) bestAvailable(bare jid.JID) *Session {
	for _, p := range srv.cfg.Router.AppendBest(nil, bare) {
		if sess, ok := p.(*Session); ok {
			return sess
		}
	}
	return nil
}

// offlineQueue is the ordered work queue for storing a user's offline
// messages (striped by user).
func (srv *Server) offlineQueue(user string) *orderedWork {
	return &srv.offlineOrder[maphash.String(srv.lockSeed, user)%uint64(len(srv.offlineOrder))]
}
