package session

import (
	"xmppd/codec"
	"xmppd/engine/im/subscription"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Stanzas from external components (gateways, XEP-0114) enter here. The
// component layer has already checked that 'from' is at the component's
// domain; what remains is what a user's server does with inbound stanzas
// (RFC 6121 §8.5): deliver, store, answer probes, run subscriptions.

// RouteExternal routes a stanza from a component to this server's users. It
// returns "" when the stanza was taken, or the stanza error condition the
// component layer should bounce it with. It may be called from any
// goroutine; slow work goes to the worker pool.
func (srv *Server) RouteExternal(e codec.Element) string {
	from, err := jid.ParseBytes(e.Attr("from"))
	if err != nil {
		return "jid-malformed"
	}
	to, err := jid.ParseBytes(e.Attr("to"))
	if err != nil {
		return "jid-malformed"
	}
	kind, typ := string(e.Name()), string(e.Attr("type"))
	if srv.cfg.Components != nil && srv.cfg.Components.Serves(to.Domain()) {
		if srv.cfg.Components.Deliver(to, e.Copy()) {
			return ""
		}
		return "service-unavailable"
	}
	if !srv.Serves(to.Domain()) || to.Local() == "" {
		return "service-unavailable"
	}
	stanza := e.Copy()
	rt := srv.cfg.Router
	if to.Resource() != "" {
		if p := rt.Lookup(to); p != nil {
			if ps, ok := p.(*Session); ok && ps.Blocks(from) {
				return ""
			}
			p.Deliver(stanza)
			return ""
		}
		if kind == "iq" {
			if typ == "get" || typ == "set" {
				return "service-unavailable"
			}
			return ""
		}
		if kind == "presence" && (typ == "" || typ == "unavailable") {
			return ""
		}
	}
	bare := to.Bare()
	switch kind {
	case "message":
		n := srv.deliverMessageBare(bare, stanza, from, false, 0, nil)
		if n != 0 || typ == "headline" || typ == "error" || typ == "groupchat" {
			return ""
		}
		ok := srv.offlineQueue(bare.Local()).run(srv, func() {
			if _, err := srv.cfg.Store.User(bare.Local()); err == nil {
				_, _ = srv.cfg.Store.AppendOffline(bare.Local(), stanza, srv.cfg.MaxOfflinePerUser)
				if best := srv.bestAvailable(bare); best != nil {
					srv.deliverOffline(best)
				}
			}
		})
		if !ok {
			return "resource-constraint"
		}
	case "presence":
		switch typ {
		case "", "unavailable", "error":
			srv.deliverAvailable(bare, stanza, from, nil)
		case "probe":
			srv.goWork(func() { srv.probeFromComponent(bare, from) })
		default:
			k, ok := subscription.ParseKind(typ)
			if !ok {
				return "bad-request"
			}
			fromBare := from.Bare()
			srv.goWork(func() {
				srv.runSubscription(subEvent{owner: bare, other: fromBare, kind: k, stanza: stanza})
			})
		}
	case "iq":
		if typ == "get" || typ == "set" {
			return "service-unavailable" // nothing answered for users on a gateway's behalf yet
		}
	default:
		return "bad-request"
	}
	return ""
}

// probeFromComponent answers a gateway's probe of a user (RFC 6121 §4.3.2):
// the user's available presence when the gateway is subscribed to it, else
// unavailable presence.
func (srv *Server) probeFromComponent(user, prober jid.JID) {
	it, err := srv.cfg.Store.RosterItem(user.Local(), prober.Bare().String())
	if err != nil || !it.Subscription.From() {
		return // not subscribed: the probe gets nothing (RFC 6121 §4.3.2)
	}
	sent := false
	for _, p := range srv.cfg.Router.AppendResources(nil, user) {
		if sess, ok := p.(*Session); ok {
			if lp := sess.lastPresence.Load(); lp != nil {
				srv.cfg.Components.Deliver(prober, withTo(*lp, prober.String()))
				sent = true
			}
		}
	}
	if !sent {
		srv.cfg.Components.Deliver(prober, presenceOf("unavailable", user, prober))
	}
}

// toComponentContacts sends stanza to the roster contacts of ours that are
// at component domains (the gateway login flow: a user's presence reaches a
// gateway the user subscribed to, so the gateway connects the user to its
// network). probe additionally asks those gateways for their presence.
func (srv *Server) toComponentContacts(items []storage.RosterItem, user jid.JID, stanza []byte, probe bool) {
	comps := srv.cfg.Components
	if comps == nil {
		return
	}
	for i := range items {
		it := &items[i]
		c, err := jid.Parse(it.Contact)
		if err != nil || !comps.Serves(c.Domain()) {
			continue
		}
		if it.Subscription.From() {
			comps.Deliver(c, withTo(stanza, c.String()))
		}
		if probe && it.Subscription.To() {
			comps.Deliver(c, presenceOf("probe", user.Bare(), c))
		}
	}
}
