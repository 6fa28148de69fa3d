package session

import (
	"errors"
	"hash/maphash"

	"xmppd/codec"
	"xmppd/engine/im/subscription"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Presence subscriptions (RFC 6121 §3). The rules live in
// engine/im/subscription; this file carries them out: it reads and writes
// the roster records, routes the stanzas between the user's server side
// and the contact's (both are this server: there is no s2s yet), stores
// requests for offline users, pushes roster changes and sends the presence
// side effects. One worker runs a whole exchange as a queue of events, so a
// subscription is applied to both rosters before the next one starts on
// that worker; per-user locks keep two workers from interleaving
// read-modify-write on the same roster.

const nsPreApproval = "urn:xmpp:features:pre-approval"

// subEvent is a subscription stanza as seen by one roster owner.
type subEvent struct {
	owner, other jid.JID // bare JIDs
	kind         subscription.Kind
	outbound     bool   // sent by owner (else received from other)
	stanza       []byte // what to forward, from and to stamped with bare JIDs
}

// subscription handles subscribe, subscribed, unsubscribe and unsubscribed
// from the user to contact.
func (s *Session) subscription(e codec.Element, r reply, contact jid.JID) {
	kind, _ := subscription.ParseKind(r.typ)
	comps := s.srv.cfg.Components
	toComponent := comps != nil && comps.Serves(contact.Domain())
	if !s.srv.Serves(contact.Domain()) && !toComponent {
		s.sendError(r, errCancel, "remote-server-not-found", "server-to-server is not enabled on this server")
		return
	}
	user := s.full.Bare()
	if contact == user {
		return // one's own presence needs no subscription
	}
	stanza := codec.AppendAddressed(nil, e, []byte(user.String()), []byte(contact.String()))
	srv := s.srv
	s.ordered.run(srv, func() {
		srv.runSubscription(subEvent{owner: user, other: contact, kind: kind, outbound: true, stanza: stanza})
	})
}

// runSubscription processes ev and every event it causes.
func (srv *Server) runSubscription(first subEvent) {
	queue := []subEvent{first}
	for len(queue) > 0 && len(queue) < 64 {
		ev := queue[0]
		queue = queue[1:]
		queue = append(queue, srv.applySubscription(ev)...)
	}
}

func (srv *Server) rosterLock(user string) func() {
	mu := &srv.rosterLocks[maphash.String(srv.lockSeed, user)%uint64(len(srv.rosterLocks))]
	mu.Lock()
	return mu.Unlock
}

// applySubscription applies one event to its owner's roster and returns
// the events it causes on the other side.
func (srv *Server) applySubscription(ev subEvent) []subEvent {
	store := srv.cfg.Store
	owner := ev.owner.Local()
	if !srv.Serves(ev.owner.Domain()) {
		return nil // not one of our users: nothing of theirs is ours to keep
	}
	if _, err := store.User(owner); err != nil {
		if !ev.outbound && errors.Is(err, storage.ErrNotFound) &&
			(ev.kind == subscription.Subscribe) {
			// No such contact: answer for it, so the asker's request does
			// not stay pending forever.
			return []subEvent{{owner: ev.other, other: ev.owner, kind: subscription.Unsubscribed,
				stanza: presenceOf("unsubscribed", ev.owner, ev.other)}}
		}
		return nil
	}
	unlock := srv.rosterLock(owner)
	rec, err := store.RosterItem(owner, ev.other.String())
	var cur *storage.RosterItem
	switch {
	case err == nil:
		cur = &rec
	case !errors.Is(err, storage.ErrNotFound):
		unlock()
		srv.cfg.Logger.Warn("subscription: roster read failed", "user", owner, "err", err)
		return nil
	}
	var res subscription.Result
	if ev.outbound {
		res = subscription.Outbound(subscription.ItemOf(cur), ev.kind)
	} else {
		res = subscription.Inbound(subscription.ItemOf(cur), ev.kind)
	}
	item := storage.RosterItem{Owner: owner, Contact: ev.other.String()}
	if cur != nil {
		item = *cur
	}
	subscription.ApplyItem(&item, res.Item)
	if res.StoreRequest {
		item.PendingInStanza = ev.stanza
	}
	var ver uint64
	switch res.Write {
	case subscription.WritePut:
		ver, err = store.PutRosterItem(item)
	case subscription.WriteDelete:
		ver, err = store.DeleteRosterItem(owner, ev.other.String())
		if errors.Is(err, storage.ErrNotFound) {
			err = nil
		}
	}
	unlock()
	if err != nil {
		srv.cfg.Logger.Warn("subscription: roster write failed", "user", owner, "err", err)
		return nil
	}

	var next []subEvent
	if res.Effects.Has(subscription.SendUnavailable) {
		srv.presenceOfOwner(ev.owner, ev.other, false)
	}
	if res.Forward {
		switch {
		case ev.outbound && srv.cfg.Components != nil && srv.cfg.Components.Serves(ev.other.Domain()):
			srv.cfg.Components.Deliver(ev.other, ev.stanza) // the gateway keeps its own state
		case ev.outbound:
			next = append(next, subEvent{owner: ev.other, other: ev.owner, kind: ev.kind, stanza: ev.stanza})
		default:
			srv.deliverAvailable(ev.owner, ev.stanza, ev.other, nil)
		}
	}
	if res.Reply != 0 && srv.cfg.Components != nil && srv.cfg.Components.Serves(ev.other.Domain()) {
		srv.cfg.Components.Deliver(ev.other, presenceOf(res.Reply.String(), ev.owner, ev.other))
	} else if res.Reply != 0 {
		next = append(next, subEvent{owner: ev.other, other: ev.owner, kind: res.Reply,
			stanza: presenceOf(res.Reply.String(), ev.owner, ev.other)})
	}
	if res.Push && (res.Write == subscription.WriteDelete || subscription.InRoster(&item)) {
		srv.pushRoster(ev.owner, &item, res.Write == subscription.WriteDelete, ver)
	}
	if res.Effects.Has(subscription.SendAvailable) {
		srv.presenceOfOwner(ev.owner, ev.other, true)
	}
	if res.Effects.Has(subscription.Probe) {
		for _, p := range srv.cfg.Router.AppendResources(nil, ev.owner) {
			if sess, ok := p.(*Session); ok {
				if avail, _ := sess.Available(); avail {
					srv.answerProbe(ev.other, sess)
				}
			}
		}
	}
	return next
}

// presenceOf builds a subscription-type presence from one bare JID to
// another.
func presenceOf(typ string, from, to jid.JID) []byte {
	b := []byte("<presence")
	b = codec.AppendAttr(b, "type", typ)
	b = codec.AppendAttr(b, "from", from.String())
	b = codec.AppendAttr(b, "to", to.String())
	return append(b, "/>"...)
}

// presenceOfOwner sends other the current presence of owner's available
// resources (available) or unavailable presence from each of them.
func (srv *Server) presenceOfOwner(owner, other jid.JID, available bool) {
	comps := srv.cfg.Components
	toComponent := comps != nil && comps.Serves(other.Domain())
	if !srv.Serves(other.Domain()) && !toComponent {
		return
	}
	send := func(stanza []byte, from jid.JID) {
		if toComponent {
			comps.Deliver(other, withTo(stanza, other.String()))
		} else {
			srv.deliverAvailable(other, stanza, from, nil)
		}
	}
	for _, p := range srv.cfg.Router.AppendResources(nil, owner) {
		sess, ok := p.(*Session)
		if !ok {
			continue
		}
		if available {
			if lp := sess.lastPresence.Load(); lp != nil {
				send(*lp, sess.full)
			}
		} else if ok, _ := sess.Available(); ok {
			send(sess.unavailableStanza(), sess.full)
		}
	}
}

// cancelSubscriptions is what removing a roster item does to the
// subscriptions in both directions (RFC 6121 §2.5.2): the contact is told
// unsubscribe (if the user was subscribed to it or asked to be) and
// unsubscribed (if it was subscribed to the user or asked to be), and gets
// unavailable presence. The user's item is already gone.
func (srv *Server) cancelSubscriptions(user, contact jid.JID, it storage.RosterItem) {
	if !srv.Serves(contact.Domain()) {
		return
	}
	st := subscription.StateOf(&it)
	srv.goWork(func() {
		if st.Sub.From() {
			srv.presenceOfOwner(user, contact, false)
		}
		if st.Sub.To() || st.PendingOut {
			srv.runSubscription(subEvent{owner: contact, other: user, kind: subscription.Unsubscribe,
				stanza: presenceOf("unsubscribe", user, contact)})
		}
		if st.Sub.From() || st.PendingIn {
			srv.runSubscription(subEvent{owner: contact, other: user, kind: subscription.Unsubscribed,
				stanza: presenceOf("unsubscribed", user, contact)})
		}
	})
}
