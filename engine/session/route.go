package session

import (
	"errors"
	"strconv"

	"xmppd/codec"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// route handles a stanza from an established stream (RFC 6120 §8 and §10,
// RFC 6121 §8): it checks the addresses, stamps 'from' with the full JID,
// and hands the stanza to the server, another local session, or an error.
func (s *Session) route(e codec.Element) {
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
	switch {
	case to.Local() == "" && to.Resource() == "" && s.srv.Serves(to.Domain()):
		s.toServer(e, r, child)
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
			if peer.Deliver(s.stamped(e)) {
				s.srv.Stats.StanzasRouted.Add(1)
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
		if n := rt.DeliverBare(bare, s.stamped(e), nil); n > 0 {
			s.srv.Stats.StanzasRouted.Add(int64(n))
			return
		}
		if r.typ == "headline" || r.typ == "error" {
			return
		}
		s.unavailableUser(r, bare)
	case "presence":
		// Directed presence to a user's bare JID reaches every resource.
		list := rt.AppendResources(nil, bare)
		stanza := s.stamped(e)
		for i, peer := range list {
			b := stanza
			if i > 0 {
				b = append([]byte(nil), stanza...)
			}
			peer.Deliver(b)
		}
	case "iq":
		if r.typ == "get" || r.typ == "set" {
			// The server answers for the account of another user: nothing
			// is implemented on behalf of others yet.
			s.sendError(r, errCancel, "service-unavailable", "")
		}
	}
}

// unavailableUser answers a message to a user with no available resource:
// service-unavailable, after looking up on a worker whether the account
// exists at all (the answer is the same, RFC 6121 §8.5.2.2; the lookup keeps
// the door open for offline storage).
func (s *Session) unavailableUser(r reply, bare jid.JID) {
	users := s.srv.cfg.Store
	ok := s.srv.goWork(func() {
		_, err := users.User(bare.Local())
		s.t.Post(func() {
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				s.sendError(r, errWait, "internal-server-error", "")
				return
			}
			s.sendError(r, errCancel, "service-unavailable", "")
		})
	})
	if !ok {
		s.sendError(r, errWait, "resource-constraint", "")
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

// ownPresence records the user's availability and priority, which decide
// bare-JID routing (RFC 6121 §4.7.2.3, §8.5.2.1.1).
func (s *Session) ownPresence(e codec.Element, r reply) {
	switch r.typ {
	case "":
		prio := 0
		if p := childText(e, "priority", NSClient); p != nil {
			v, err := strconv.Atoi(string(p))
			if err != nil || v < -128 || v > 127 {
				s.sendError(r, errModify, "bad-request", "priority must be an integer from -128 to 127")
				return
			}
			prio = v
		}
		s.setAvailable(true, int8(prio))
	case "unavailable":
		s.setAvailable(false, 0)
	}
}
