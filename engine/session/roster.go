package session

import (
	"errors"
	"slices"
	"strconv"

	"xmppd/codec"
	"xmppd/engine/im/subscription"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Rosters (RFC 6121 §2) with versioning (XEP-0237).
//
// Memory policy: a session keeps no copy of its roster. Every operation
// that needs it (a roster get, a presence broadcast, a subscription change)
// reads it from the store on a worker; a 500-item roster is one prefix scan
// of about 0.3 ms, and idle sessions, the vast majority, pay nothing. The
// only roster state held per session is whether it asked for the roster,
// which makes it an "interested resource" that receives pushes.

const maxGroupLen = 1023

// rosterIQ handles a roster get or set from the user.
func (s *Session) rosterIQ(r reply, child codec.Element) {
	switch r.typ {
	case "get":
		s.rosterGet(r, child)
	case "set":
		s.rosterSet(r, child)
	}
}

func (s *Session) rosterGet(r reply, child codec.Element) {
	s.interested.Store(true)
	ver, versioned := child.Attr("ver"), child.HasAttr("ver")
	clientVer := string(ver)
	user := s.full.Local()
	store := s.srv.cfg.Store
	s.work(func() func() {
		items, v, err := store.RosterItems(user)
		return func() {
			if err != nil {
				s.sendError(r, errWait, "internal-server-error", "")
				return
			}
			cur := strconv.FormatUint(v, 10)
			if versioned && clientVer == cur {
				s.sendResult(r, nil) // unchanged: pushes will follow (XEP-0237 §2.3)
				return
			}
			b := getBuf()
			b = append(b, "<query xmlns='"+nsRoster+"'"...)
			if versioned {
				b = codec.AppendAttr(b, "ver", cur)
			}
			b = append(b, '>')
			for i := range items {
				if subscription.InRoster(&items[i]) {
					b = appendItem(b, &items[i], false)
				}
			}
			b = append(b, "</query>"...)
			s.sendResult(r, b)
			putBuf(b)
		}
	}, r)
}

// appendItem appends <item/> for a roster result or push.
func appendItem(b []byte, it *storage.RosterItem, remove bool) []byte {
	b = append(b, "<item"...)
	b = codec.AppendAttr(b, "jid", it.Contact)
	if remove {
		return append(b, " subscription='remove'/>"...)
	}
	if it.Name != "" {
		b = codec.AppendAttr(b, "name", it.Name)
	}
	b = codec.AppendAttr(b, "subscription", it.Subscription.String())
	if it.Ask {
		b = append(b, " ask='subscribe'"...)
	}
	if it.Approved {
		b = append(b, " approved='true'"...)
	}
	if len(it.Groups) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, '>')
	for _, g := range it.Groups {
		b = codec.AppendTextElement(b, "group", g)
	}
	return append(b, "</item>"...)
}

// rosterSet adds, updates or removes one item (RFC 6121 §2.3-§2.5).
func (s *Session) rosterSet(r reply, child codec.Element) {
	item := child.FirstChild()
	if item.IsZero() || !item.Is("item", nsRoster) || !item.NextSibling().IsZero() {
		s.sendError(r, errModify, "bad-request", "a roster set carries exactly one item")
		return
	}
	contact, err := jid.ParseBytes(item.Attr("jid"))
	if err != nil || contact.Resource() != "" {
		s.sendError(r, errModify, "jid-malformed", "the item's jid must be a bare JID")
		return
	}
	if string(item.Attr("subscription")) == "remove" {
		s.rosterRemove(r, contact)
		return
	}
	name := string(item.Attr("name"))
	if len(name) > maxGroupLen {
		s.sendError(r, errModify, "not-acceptable", "the name is too long")
		return
	}
	var groups []string
	for g := range item.Children() {
		if !g.Is("group", nsRoster) {
			continue
		}
		t := string(g.Text())
		switch {
		case t == "" || len(t) > maxGroupLen:
			s.sendError(r, errModify, "not-acceptable", "a group name must be 1 to 1023 bytes")
			return
		case slices.Contains(groups, t):
			s.sendError(r, errModify, "bad-request", "a group is listed twice")
			return
		}
		groups = append(groups, t)
	}
	user := s.full.Local()
	store := s.srv.cfg.Store
	s.work(func() func() {
		it, err := store.RosterItem(user, contact.String())
		if errors.Is(err, storage.ErrNotFound) {
			it, err = storage.RosterItem{Owner: user, Contact: contact.String()}, nil
		}
		var ver uint64
		if err == nil {
			it.Name, it.Groups = name, groups
			it.Hidden = false // the user lists the contact now
			ver, err = store.PutRosterItem(it)
		}
		return func() {
			if err != nil {
				s.sendError(r, errWait, "internal-server-error", "")
				return
			}
			s.sendResult(r, nil)
			s.srv.pushRoster(s.full.Bare(), &it, false, ver)
		}
	}, r)
}

// rosterRemove deletes an item and cancels the subscriptions in both
// directions (RFC 6121 §2.5.2).
func (s *Session) rosterRemove(r reply, contact jid.JID) {
	user := s.full.Local()
	store := s.srv.cfg.Store
	s.work(func() func() {
		it, err := store.RosterItem(user, contact.String())
		if err != nil {
			return func() {
				if errors.Is(err, storage.ErrNotFound) {
					s.sendError(r, errCancel, "item-not-found", "")
				} else {
					s.sendError(r, errWait, "internal-server-error", "")
				}
			}
		}
		ver, err := store.DeleteRosterItem(user, contact.String())
		if err == nil {
			s.srv.cancelSubscriptions(s.full.Bare(), contact, it)
		}
		return func() {
			if err != nil {
				s.sendError(r, errWait, "internal-server-error", "")
				return
			}
			s.sendResult(r, nil)
			s.srv.pushRoster(s.full.Bare(), &it, true, ver)
		}
	}, r)
}

// pushRoster sends a roster push to every interested resource of user
// (RFC 6121 §2.1.6). Safe from any goroutine.
func (srv *Server) pushRoster(user jid.JID, it *storage.RosterItem, remove bool, ver uint64) {
	for _, p := range srv.cfg.Router.AppendResources(nil, user) {
		sess, ok := p.(*Session)
		if !ok || !sess.interested.Load() {
			continue
		}
		b := append([]byte(nil), "<iq type='set'"...)
		b = codec.AppendAttr(b, "id", "push-"+randomID()[:10])
		b = codec.AppendAttr(b, "to", sess.full.String())
		b = append(b, "><query xmlns='"+nsRoster+"'"...)
		b = codec.AppendAttr(b, "ver", strconv.FormatUint(ver, 10))
		b = append(b, '>')
		b = appendItem(b, it, remove)
		b = append(b, "</query></iq>"...)
		sess.Deliver(b)
	}
}

// work runs task on a worker while input pauses; the function it returns
// runs on the owner afterwards, and then input resumes. When the pool is
// full the iq r is answered with resource-constraint.
func (s *Session) work(task func() func(), r reply) {
	s.busy = true
	ok := s.srv.goWork(func() {
		done := task()
		s.t.Post(func() {
			s.busy = false
			defer s.t.Resume()
			if s.phase != phClosed {
				done()
			}
		})
	})
	if !ok {
		s.busy = false
		s.sendError(r, errWait, "resource-constraint", "server busy")
	}
}
