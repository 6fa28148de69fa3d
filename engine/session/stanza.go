package session

import (
	"xmppd/codec"
)

// reply is what an error or result to a stanza needs from it, copied out of
// the decoder's view so it can outlive it (replies computed on a worker).
type reply struct {
	kind string // message, presence, iq
	id   string
	from string // the original 'to': the reply comes from there
	typ  string
	// readAt is when the stanza was read (Transport.ReadAt), for the
	// routing-latency histogram; 0 when unknown. counters are where the
	// session's owner counts what it routes.
	readAt   int64
	counters *StanzaCounters
}

func replyOf(e codec.Element) reply {
	return reply{kind: string(e.Name()), id: string(e.Attr("id")), from: string(e.Attr("to")), typ: string(e.Attr("type"))}
}

// Error types (RFC 6120 §8.3.2).
const (
	errCancel   = "cancel"
	errModify   = "modify"
	errAuth     = "auth"
	errWait     = "wait"
	errContinue = "continue"
)

// sendError answers a stanza with a stanza error (RFC 6120 §8.3). It never
// answers an error with an error.
func (s *Session) sendError(r reply, errType, cond, text string) {
	s.sendErrorExtra(r, errType, cond, text, "")
}

// sendErrorExtra is sendError with an application-specific condition
// element (RFC 6120 §8.3.3.1) after the defined one.
func (s *Session) sendErrorExtra(r reply, errType, cond, text, extra string) {
	if r.typ == "error" || s.phase == phClosed {
		return
	}
	b := getBuf()
	b = append(b, '<')
	b = append(b, r.kind...)
	b = append(b, " type='error'"...)
	if r.id != "" {
		b = codec.AppendAttr(b, "id", r.id)
	}
	if r.from != "" {
		b = codec.AppendAttr(b, "from", r.from)
	}
	if s.bound {
		b = codec.AppendAttr(b, "to", s.full.String())
	}
	b = append(b, '>')
	b = codec.AppendStanzaError(b, errType, cond, text, extra)
	b = append(b, "</"...)
	b = append(b, r.kind...)
	b = append(b, '>')
	s.send(b)
}

// sendResult answers an iq with a result carrying payload (may be empty).
func (s *Session) sendResult(r reply, payload []byte) {
	if s.phase == phClosed {
		return
	}
	b := append(getBuf(), "<iq type='result'"...)
	b = codec.AppendAttr(b, "id", r.id)
	if r.from != "" {
		b = codec.AppendAttr(b, "from", r.from)
	}
	if s.bound {
		b = codec.AppendAttr(b, "to", s.full.String())
	}
	if len(payload) == 0 {
		b = append(b, "/>"...)
	} else {
		b = append(b, '>')
		b = append(b, payload...)
		b = append(b, "</iq>"...)
	}
	s.send(b)
}

// iqPayload checks the iq rules of RFC 6120 §8.2.3: an id, a known type, and
// for get and set exactly one child. It answers bad-request itself and
// returns ok=false when they are broken.
func (s *Session) iqPayload(e codec.Element, r reply) (codec.Element, bool) {
	switch r.typ {
	case "get", "set":
	case "result", "error":
		return codec.Element{}, true
	default:
		s.sendError(r, errModify, "bad-request", "iq type must be get, set, result or error")
		return codec.Element{}, false
	}
	if r.id == "" {
		s.sendError(r, errModify, "bad-request", "iq without an id")
		return codec.Element{}, false
	}
	child := e.FirstChild()
	if child.IsZero() || !child.NextSibling().IsZero() {
		s.sendError(r, errModify, "bad-request", "an iq get or set carries exactly one child element")
		return codec.Element{}, false
	}
	return child, true
}

// childText returns the text of e's first child named local in ns, or nil.
func childText(e codec.Element, local, ns string) []byte {
	if c := e.Child(local, ns); !c.IsZero() {
		return c.Text()
	}
	return nil
}
