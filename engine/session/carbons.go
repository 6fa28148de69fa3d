package session

import (
	"xmppd/codec"
	"xmppd/internal/jid"
)

// Message carbons (XEP-0280): resources that enabled carbons get a copy of
// the messages their user sends from another resource (<sent/>) and of the
// ones delivered to another resource (<received/>).

func (s *Session) carbonsIQ(r reply, child codec.Element) {
	if r.typ != "set" {
		s.sendError(r, errModify, "bad-request", "")
		return
	}
	s.carbons.Store(string(child.Name()) == "enable")
	s.sendResult(r, nil)
}

// carbonable applies XEP-0280 §6: chat messages, and normal messages with
// a body; never errors, groupchat, headlines, messages marked private or
// no-copy, nor carbons themselves.
func carbonable(e codec.Element, typ string) bool {
	body := false
	for c := range e.Children() {
		switch {
		case c.Is("private", nsCarbons), c.Is("no-copy", nsHints),
			c.Is("sent", nsCarbons), c.Is("received", nsCarbons):
			return false
		case c.Is("body", NSClient):
			body = true
		}
	}
	switch typ {
	case "chat":
		return true
	case "", "normal":
		return body
	}
	return false
}

// carbonCopies delivers a <sent/> or <received/> copy of stanza to every
// resource of user with carbons enabled, except the ones in skip.
func (srv *Server) carbonCopies(user jid.JID, kind string, stanza []byte, skip ...jid.JID) {
	for _, p := range srv.cfg.Router.AppendResources(nil, user.Bare()) {
		sess, ok := p.(*Session)
		if !ok || !sess.carbons.Load() || containsJID(skip, sess.full) {
			continue
		}
		b := make([]byte, 0, len(stanza)+200)
		b = append(b, "<message"...)
		b = codec.AppendAttr(b, "from", user.Bare().String())
		b = codec.AppendAttr(b, "to", sess.full.String())
		b = append(b, "><"...)
		b = append(b, kind...)
		b = append(b, " xmlns='"+nsCarbons+"'><forwarded xmlns='"+nsForward+"'>"...)
		b = appendInClientNS(b, stanza)
		b = append(b, "</forwarded></"...)
		b = append(b, kind...)
		b = append(b, "></message>"...)
		sess.Deliver(b)
	}
}

func containsJID(list []jid.JID, j jid.JID) bool {
	for _, x := range list {
		if x == j {
			return true
		}
	}
	return false
}

// appendInClientNS appends a stanza that inherits jabber:client from the
// stream with that namespace declared on it, as forwarding into another
// namespace requires (XEP-0297 §3.2).
func appendInClientNS(b, stanza []byte) []byte {
	if attrInTag(stanza, "xmlns") != nil {
		return append(b, stanza...)
	}
	i := 1
	for i < len(stanza) && stanza[i] != ' ' && stanza[i] != '/' && stanza[i] != '>' {
		i++
	}
	b = append(b, stanza[:i]...)
	b = append(b, " xmlns='"+NSClient+"'"...)
	return append(b, stanza[i:]...)
}
