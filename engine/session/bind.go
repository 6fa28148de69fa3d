package session

import (
	"xmppd/codec"
	"xmppd/internal/jid"
)

// negotiateIQ handles iqs after SASL and before bind: bind, the legacy
// session, and account registration management.
func (s *Session) negotiateIQ(e codec.Element) {
	r := replyOf(e)
	child, ok := s.iqPayload(e, r)
	if !ok {
		return
	}
	switch {
	case r.typ == "set" && child.Is("bind", nsBind):
		s.bind(r, child)
	default:
		s.StreamError("not-authorized", "bind a resource before sending stanzas")
	}
}

// bind binds a resource (RFC 6120 §7): the client's choice when valid, or
// one we generate. A session already bound to the same full JID is replaced
// and closed with <conflict/>.
func (s *Session) bind(r reply, child codec.Element) {
	if s.bound {
		s.sendError(r, errCancel, "not-allowed", "a resource is already bound")
		return
	}
	res := string(childText(child, "resource", nsBind))
	if res == "" {
		res = "xmppd-" + randomID()[:12]
	}
	full, err := jid.New(s.authUser, s.dom.name, res)
	if err != nil {
		s.sendError(r, errModify, "bad-request", "the resource is not a valid resourcepart")
		return
	}
	s.full = full
	if old := s.srv.cfg.Router.Bind(s); old != nil {
		s.srv.Stats.Conflicts.Add(1)
		if o, ok := old.(*Session); ok {
			o.Kick("conflict", "replaced by a new session for the same resource")
		}
	}
	s.bound = true
	s.countState(StateBound)
	s.loadBlockList()
	s.phase = phEstablished
	b := append(getBuf(), "<iq type='result'"...)
	b = codec.AppendAttr(b, "id", r.id)
	b = append(b, "><bind xmlns='"+nsBind+"'>"...)
	b = codec.AppendTextElement(b, "jid", full.String())
	b = append(b, "</bind></iq>"...)
	s.send(b)
}
