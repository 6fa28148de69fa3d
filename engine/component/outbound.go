package component

import (
	"xmppd/internal/jid"
)

// Stanzas to a component travel in the engine's outbound queue of its
// connection (session.Transport.Enqueue), capped by Config.MaxOutbound.
// Those still queued when the connection closes or overflows come back to
// the stream (engine.UnsentHandler) and go to the domain's other
// connections, or are bounced.

// enqueue is the Router's sink: any goroutine hands the connection a
// stanza; its loop writes it on its next wake-up. False when the
// connection is closing or over its cap (the engine then closes it with
// policy-violation), and the Router tries the key's next choice.
func (s *stream) enqueue(_ jid.JID, b []byte) bool {
	// A stanza that declares jabber:client (as a BOSH client's do) must
	// inherit the component stream's namespace instead.
	if !s.t.Enqueue(dropDefaultNS(b, nsClient)) {
		return false
	}
	s.env.stats.StanzasOut.Add(1)
	return true
}

// HandleUnsent takes back the stanzas still queued when the connection
// closed or overflowed: they go to the domain's remaining connections;
// what none takes is bounced to its sender with service-unavailable, as
// the c2s side does when no connection is up.
func (s *stream) HandleUnsent(stanzas [][]byte) {
	// The connection writes no more; after a panic the engine has not told
	// the stream yet. Out of the Router first, or it could be picked again.
	s.HandleClosed()
	s.env.stats.StanzasOut.Add(-int64(len(stanzas)))
	for _, b := range stanzas {
		if to, ok := stanzaTo(b); ok && s.env.router.Deliver(to, b) {
			s.env.stats.Rerouted.Add(1)
			continue
		}
		s.bounceToSender(b)
	}
}

// stanzaTo is the 'to' of a stanza the Router queued, which addressed it.
func stanzaTo(b []byte) (jid.JID, bool) {
	raw, ok := tagAttr(b, "to")
	if !ok {
		return jid.JID{}, false
	}
	to, err := jid.ParseBytes(unescapeAttr(raw))
	return to, err == nil
}

// bounceToSender answers a stanza for a component that could not be
// delivered, routing the error to its sender through the server.
func (s *stream) bounceToSender(b []byte) {
	e, ok := s.decode(b)
	if !ok {
		return
	}
	if !bounceable(string(e.Name()), string(e.Attr("type"))) || e.Attr("from") == nil {
		s.frag.Release()
		return
	}
	errb := appendBounce(nil, e, "service-unavailable", "", "")
	s.frag.Release()
	if be, ok := s.decode(errb); ok {
		s.env.stats.Bounced.Add(1)
		_ = s.env.in.RouteExternal(be) // an error is never answered
		s.frag.Release()
	}
}
