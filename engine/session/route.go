package session

import (
	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/internal/jid"
)

// route handles a stanza from an established stream (RFC 6120 §8 and §10,
// RFC 6121 §8): it checks the addresses, stamps 'from' with the full JID,
// and hands the stanza to the server, another local session, or an error.
// readAt is when it was read (Transport.ReadAt), or 0; c counts what is
// routed.
func (s *Session) route(e codec.Element, readAt int64, c *StanzaCounters) {
	if string(e.NS()) != NSClient {
		s.StreamError("invalid-namespace", "stanzas must be in jabber:client")
		return
	}
	kind := string(e.Name())
	if kind != "message" && kind != "presence" && kind != "iq" {
		s.StreamError("unsupported-stanza-type", "")
		return
	}
	if from := e.Attr("from"); from != nil && !s.full.EqualBytes(from) && !s.full.Bare().EqualBytes(from) {
		s.StreamError("invalid-from", "'from' must be your own address")
		return
	}
	r := replyOf(e)
	r.readAt, r.counters = readAt, c
	var child codec.Element
	if kind == "iq" {
		var ok bool
		if child, ok = s.iqPayload(e, r); !ok {
			return
		}
	}
	toRaw := e.Attr("to")
	if toRaw == nil {
		s.toAccount(e, r, child)
		return
	}
	to, err := jid.ParseBytes(toRaw)
	if err != nil {
		if kind != "presence" {
			s.sendError(r, errModify, "jid-malformed", "")
		}
		return
	}
	r.from = to.String()
	if s.Blocks(to) {
		s.sendBlockedError(r)
		return
	}
	if kind == "message" && carbonable(e, r.typ) {
		s.srv.carbonCopies(s.full, "sent", s.stamped(e), s.full)
	}
	switch {
	case to.Local() == "" && to.Resource() == "" && s.srv.Serves(to.Domain()):
		s.toServer(e, r, child)
	case s.srv.cfg.Components != nil && s.srv.cfg.Components.Serves(to.Domain()):
		if kind == "presence" {
			switch r.typ {
			case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
				// The user's roster records the gateway like any contact;
				// subscription() forwards the stanza to the component.
				s.subscription(e, r, to.Bare())
				return
			case "":
				if s.directed == nil {
					s.directed = make(map[string]struct{})
				}
				s.directed[r.from] = struct{}{}
			case "unavailable":
				delete(s.directed, r.from)
			}
		}
		if !s.srv.cfg.Components.Deliver(to, s.stamped(e)) && kind != "presence" {
			s.sendError(r, errCancel, "service-unavailable", "the gateway is not connected")
		}
	case !s.srv.Serves(to.Domain()):
		if kind != "presence" {
			s.sendError(r, errCancel, "remote-server-not-found", "server-to-server is not enabled on this server")
		}
	case to.Bare() == s.full.Bare() && to.Resource() == "" && kind == "iq":
		s.toAccount(e, r, child)
	default:
		s.toUser(e, r, to)
	}
}

// stamped returns the stanza with 'from' set to the session's full JID, in
// a new buffer the recipient will own.
func (s *Session) stamped(e codec.Element) []byte {
	raw := e.Raw()
	from := s.full.String()
	b := make([]byte, 0, len(raw)+len(from)+16)
	return codec.AppendAddressed(b, e, []byte(from), nil)
}

// toUser routes to an address of a hosted user other than the server.
func (s *Session) toUser(e codec.Element, r reply, to jid.JID) {
	rt := s.srv.cfg.Router
	if to.Resource() != "" {
		if peer := rt.Lookup(to); peer != nil {
			if ps, ok := peer.(*Session); ok && ps.Blocks(s.full) {
				s.blockedBy(r)
				return
			}
			stanza := s.stamped(e)
			if deliverTo(peer, stanza, r.readAt, r.counters) {
				r.counters.Add(DirRouted, kindOfStanza(stanza), 1)
			}
			if r.kind == "message" && carbonable(e, r.typ) {
				s.srv.carbonCopies(to, "received", stanza, to)
			}
			return
		}
		// No such resource (RFC 6121 §8.5.3.2).
		switch r.kind {
		case "iq":
			if r.typ == "get" || r.typ == "set" {
				s.sendError(r, errCancel, "service-unavailable", "")
			}
			return
		case "presence":
			return
		}
		if r.typ == "headline" || r.typ == "error" || r.typ == "groupchat" {
			if r.typ == "groupchat" {
				s.sendError(r, errCancel, "service-unavailable", "")
			}
			return
		}
		// chat and normal messages to an unavailable resource go to the
		// bare JID.
	}
	bare := to.Bare()
	switch r.kind {
	case "message":
		if r.typ == "groupchat" {
			s.sendError(r, errCancel, "service-unavailable", "no multi-user chat service here")
			return
		}
		n := s.srv.deliverMessageBare(bare, s.stamped(e), s.full, carbonable(e, r.typ), r.readAt, r.counters)
		if n < 0 {
			s.blockedBy(r)
			return
		}
		if n > 0 {
			r.counters.Add(DirRouted, KindMessage, int64(n))
			return
		}
		if r.typ == "headline" || r.typ == "error" {
			return
		}
		s.toOffline(e, r, bare)
	case "presence":
		switch r.typ {
		case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
			s.subscription(e, r, bare)
			return
		case "", "unavailable":
			// Directed presence (RFC 6121 §4.6), remembered so that going
			// offline ends it.
			if r.typ == "" {
				if s.directed == nil {
					s.directed = make(map[string]struct{})
				}
				s.directed[r.from] = struct{}{}
			} else {
				delete(s.directed, r.from)
			}
		case "probe":
			return // probes are the server's business
		}
		// Presence to a bare JID reaches every available resource.
		stanza := s.stamped(e)
		for _, peer := range rt.AppendResources(nil, bare) {
			if ps, ok := peer.(*Session); ok && ps.Blocks(s.full) {
				return
			}
			if ok, _ := peer.Available(); ok || r.typ == "error" {
				peer.Deliver(append([]byte(nil), stanza...))
			}
		}
	case "iq":
		if r.typ != "get" && r.typ != "set" {
			return
		}
		var child codec.Element
		if c := e.FirstChild(); !c.IsZero() {
			child = c
		}
		// The server answers for the account of another user.
		if child.IsZero() || !s.userIQ(r, child, bare) {
			s.sendError(r, errCancel, "service-unavailable", "")
		}
	}
}

// toAccount handles stanzas without 'to' (RFC 6120 §10.3): presence is the
// user's own broadcast, messages go to the user's bare JID, iqs are answered
// by the server on behalf of the account.
func (s *Session) toAccount(e codec.Element, r reply, child codec.Element) {
	switch r.kind {
	case "presence":
		s.ownPresence(e, r)
	case "message":
		s.toUser(e, r, s.full.Bare())
	case "iq":
		if r.typ == "result" || r.typ == "error" {
			s.iqResponse(r)
			return
		}
		s.accountIQ(e, r, child)
	}
}

// deliverMessageBare delivers a message to a bare JID (RFC 6121
// §8.5.2.1.1): to the available resources with the highest non-negative
// priority; carbon-enabled resources that did not get it get a <received/>
// copy. It returns how many resources got it, or -1 when the recipient
// blocks the sender (the message is then dropped). readAt is when the
// message was read (Transport.ReadAt), or 0; the deliveries are counted on c
// (nil: the shared counters).
func (srv *Server) deliverMessageBare(bare jid.JID, stanza []byte, from jid.JID, carbon bool, readAt int64, c *StanzaCounters) int {
	list := srv.cfg.Router.AppendResources(nil, bare)
	for _, p := range list {
		if ps, ok := p.(*Session); ok && ps.Blocks(from) {
			return -1
		}
	}
	n := 0
	var got []jid.JID
	for _, p := range router.AppendBestOf(list[:0], list) {
		if deliverTo(p, append([]byte(nil), stanza...), readAt, c) {
			n++
			got = append(got, p.JID())
		}
	}
	if carbon && n > 0 {
		srv.carbonCopies(bare, "received", stanza, got...)
	}
	return n
}

// blockedBy answers a stanza the recipient blocks (XEP-0191 §3.5):
// messages and iq requests get service-unavailable, as if the recipient
// did not exist; presence and errors vanish.
func (s *Session) blockedBy(r reply) {
	switch {
	case r.kind == "iq" && (r.typ == "get" || r.typ == "set"):
		s.sendError(r, errCancel, "service-unavailable", "")
	case r.kind == "message" && r.typ != "error" && r.typ != "groupchat" && r.typ != "headline":
		s.sendError(r, errCancel, "service-unavailable", "")
	}
}
