package session

import (
	"bytes"
	"strconv"
	"time"

	"xmppd/codec"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Presence (RFC 6121 §4). The session remembers only its own last
// available presence (for probes answered on its behalf) and the addresses
// it sent directed presence to; rosters are read from the store when a
// broadcast needs them.

// ownPresence handles presence without 'to': the user's broadcast.
func (s *Session) ownPresence(e codec.Element, r reply) {
	switch r.typ {
	case "":
		prio := 0
		if p := childText(e, "priority", NSClient); p != nil {
			v, err := strconv.Atoi(string(bytes.TrimSpace(p)))
			if err != nil || v < -128 || v > 127 {
				s.sendError(r, errModify, "bad-request", "priority must be an integer from -128 to 127")
				return
			}
			prio = v
		}
		wasAvailable, _ := s.Available()
		stanza := codec.AppendAddressed(nil, e, []byte(s.full.String()), nil)
		s.lastPresence.Store(&stanza)
		s.setAvailable(true, int8(prio))
		s.srv.broadcastPresence(s, stanza, !wasAvailable, prio >= 0 && !s.offlineDone)
		if prio >= 0 {
			s.offlineDone = true
		}
	case "unavailable":
		if ok, _ := s.Available(); !ok {
			return
		}
		stanza := codec.AppendAddressed(nil, e, []byte(s.full.String()), nil)
		s.goUnavailable(stanza, childText(e, "status", NSClient))
	case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
		s.sendError(r, errModify, "bad-request", "a subscription request needs a 'to'")
	}
	// Probes and errors without 'to' have no meaning from a client.
}

// goUnavailable broadcasts unavailable presence, ends directed presence and
// records the last activity.
func (s *Session) goUnavailable(stanza []byte, status []byte) {
	s.setAvailable(false, 0)
	s.lastPresence.Store(nil)
	directed := s.directed
	s.directed = nil
	full, srv := s.full, s.srv
	st := string(status) // status points into the decoder's buffer: copy it now
	s.ordered.run(srv, func() { srv.broadcastUnavailable(full, stanza, directed, st) })
}

// unavailableStanza is what a disconnect broadcasts.
func (s *Session) unavailableStanza() []byte {
	return []byte("<presence type='unavailable' from='" + string(codec.AppendAttrValue(nil, s.full.String())) + "'/>")
}

// withTo inserts to='addr' into a stanza that has no 'to' (as produced by
// AppendAddressed for the user's own broadcast). A stanza that already has
// one (subscription requests, addressed to the bare JID) is copied as it
// is: an element must not carry an attribute twice.
func withTo(stanza []byte, addr string) []byte {
	if attrInTag(stanza, "to") != nil {
		return append([]byte(nil), stanza...)
	}
	return withAttr(stanza, "to", addr)
}

// withAttr returns a copy of stanza with name='v' inserted after the
// element name.
func withAttr(stanza []byte, name, v string) []byte {
	i := 1
	for i < len(stanza) && stanza[i] != ' ' && stanza[i] != '/' && stanza[i] != '>' {
		i++
	}
	b := make([]byte, 0, len(stanza)+len(name)+len(v)+4)
	b = append(b, stanza[:i]...)
	b = codec.AppendAttr(b, name, v)
	return append(b, stanza[i:]...)
}

// deliverAvailable hands stanza, sent by from, (addressed to each) to the
// available resources of bare that do not block from; it returns how many
// took it. Callers pass from rather than have it parsed out of the stanza
// once per recipient of a broadcast.
func (srv *Server) deliverAvailable(bare jid.JID, stanza []byte, from jid.JID, skip *Session) int {
	n := 0
	for _, p := range srv.cfg.Router.AppendResources(nil, bare) {
		if ok, _ := p.Available(); !ok || p == skip {
			continue
		}
		if ps, ok := p.(*Session); ok && !from.IsZero() && ps.Blocks(from) {
			continue
		}
		if p.Deliver(withTo(stanza, p.JID().String())) {
			n++
		}
	}
	return n
}

// broadcastPresence runs the user's presence broadcast on a worker: to the
// contacts subscribed to the user (from, both), to the user's other
// resources, and, on initial presence, probes of the contacts the user is
// subscribed to (to, both), the user's other resources' presence, pending
// subscription requests, and the offline queue.
func (srv *Server) broadcastPresence(s *Session, stanza []byte, initial, offline bool) {
	user := s.full
	s.ordered.run(srv, func() {
		items, _, err := srv.cfg.Store.RosterItems(user.Local())
		if err != nil {
			srv.cfg.Logger.Warn("presence broadcast: roster read failed", "user", user.Bare(), "err", err)
		}
		for i := range items {
			it := &items[i]
			if it.Subscription.From() {
				if c, err := jid.Parse(it.Contact); err == nil && srv.Serves(c.Domain()) && !s.Blocks(c) {
					srv.deliverAvailable(c, stanza, user, nil)
				}
			}
		}
		srv.deliverAvailable(user.Bare(), stanza, user, s)
		srv.toComponentContacts(items, user, stanza, initial)
		if !initial {
			return
		}
		for i := range items {
			it := &items[i]
			c, err := jid.Parse(it.Contact)
			if err != nil {
				continue
			}
			if it.Subscription.To() && srv.Serves(c.Domain()) {
				srv.answerProbe(c, s)
			}
			if it.PendingIn {
				req := it.PendingInStanza
				if len(req) == 0 {
					req = []byte("<presence type='subscribe' from='" + string(codec.AppendAttrValue(nil, c.String())) + "'/>")
				}
				s.Deliver(append([]byte(nil), req...))
			}
		}
		// The presence of the user's other available resources.
		for _, p := range srv.cfg.Router.AppendResources(nil, user.Bare()) {
			o, ok := p.(*Session)
			if !ok || o == s {
				continue
			}
			if lp := o.lastPresence.Load(); lp != nil {
				s.Deliver(withTo(*lp, user.String()))
			}
		}
		if offline {
			srv.deliverOffline(s)
		}
	})
}

// answerProbe sends to s the presence of contact (RFC 6121 §4.3.2): the
// last available presence of each available resource, or unavailable
// presence stamped with the contact's last activity.
func (srv *Server) answerProbe(contact jid.JID, s *Session) {
	sent := 0
	for _, p := range srv.cfg.Router.AppendResources(nil, contact) {
		o, ok := p.(*Session)
		if !ok {
			continue
		}
		if lp := o.lastPresence.Load(); lp != nil {
			s.Deliver(withTo(*lp, s.full.String()))
			sent++
		}
	}
	if sent > 0 {
		return
	}
	b := []byte("<presence type='unavailable'")
	b = codec.AppendAttr(b, "from", contact.String())
	b = codec.AppendAttr(b, "to", s.full.String())
	if la, err := srv.cfg.Store.LastActivity(contact.Local()); err == nil {
		b = append(b, '>')
		if la.Status != "" {
			b = codec.AppendTextElement(b, "status", la.Status)
		}
		b = appendDelay(b, contact.Domain(), la.Time)
		b = append(b, "</presence>"...)
	} else {
		b = append(b, "/>"...)
	}
	s.Deliver(b)
}

// broadcastUnavailable tells the contacts, the user's other resources and
// every directed-presence recipient that a resource went offline, and, when
// it was the user's last resource, records the last activity (XEP-0012).
// It runs on a worker (the session's ordered queue).
func (srv *Server) broadcastUnavailable(full jid.JID, stanza []byte, directed map[string]struct{}, status string) {
	items, _, _ := srv.cfg.Store.RosterItems(full.Local())
	for i := range items {
		if items[i].Subscription.From() {
			if c, err := jid.Parse(items[i].Contact); err == nil && srv.Serves(c.Domain()) {
				srv.deliverAvailable(c, stanza, full, nil)
			}
		}
	}
	srv.deliverAvailable(full.Bare(), stanza, full, nil)
	srv.toComponentContacts(items, full, stanza, false)
	for addr := range directed {
		if to, err := jid.Parse(addr); err == nil && srv.cfg.Components != nil && srv.cfg.Components.Serves(to.Domain()) {
			srv.cfg.Components.Deliver(to, withTo(stanza, addr))
		} else if err == nil && srv.Serves(to.Domain()) {
			if to.Resource() != "" {
				if p := srv.cfg.Router.Lookup(to); p != nil {
					p.Deliver(withTo(stanza, addr))
				}
			} else {
				srv.deliverAvailable(to, stanza, full, nil)
			}
		}
	}
	if !srv.cfg.Router.Online(full.Bare()) || !srv.anyAvailable(full.Bare()) {
		_ = srv.cfg.Store.SetLastActivity(full.Local(), storage.LastActivity{Time: srv.cfg.Clock(), Status: status})
	}
}

func (srv *Server) anyAvailable(bare jid.JID) bool {
	for _, p := range srv.cfg.Router.AppendResources(nil, bare) {
		if ok, _ := p.Available(); ok {
			return true
		}
	}
	return false
}

// appendDelay appends an XEP-0203 delay element.
func appendDelay(b []byte, from string, t time.Time) []byte {
	b = append(b, "<delay xmlns='"+nsDelay+"'"...)
	b = codec.AppendAttr(b, "from", from)
	b = codec.AppendAttr(b, "stamp", t.UTC().Format("2006-01-02T15:04:05.000Z"))
	return append(b, "/>"...)
}
