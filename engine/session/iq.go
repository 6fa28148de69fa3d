package session

import (
	"strconv"
	"time"

	"xmppd/codec"
)

// Features the server advertises in disco#info (XEP-0030).
var serverFeatures = []string{
	nsDiscoInfo,
	nsDiscoItems,
	nsLast,
	nsPrivate,
	nsPing,
	nsRegister,
	nsRoster,
	nsRosterVer,
	nsVersion,
	nsVCard,
	nsBlocking,
	nsCarbons,
	"msgoffline", // XEP-0160
}

// toServer handles stanzas addressed to a hosted domain itself.
func (s *Session) toServer(e codec.Element, r reply, child codec.Element) {
	switch r.kind {
	case "iq":
		if r.typ == "result" || r.typ == "error" {
			s.iqResponse(r)
			return
		}
		s.serverIQ(r, child, true)
	case "message":
		if r.typ != "headline" && r.typ != "error" && r.typ != "groupchat" {
			s.sendError(r, errCancel, "service-unavailable", "")
		}
	}
	// Presence to the server itself has no effect.
}

// accountIQ handles iqs the server answers on behalf of the user's own
// account (no 'to', or the user's bare JID).
func (s *Session) accountIQ(e codec.Element, r reply, child codec.Element) {
	if s.userIQ(r, child, s.full.Bare()) {
		return
	}
	s.serverIQ(r, child, false)
}

// iqResponse handles results and errors sent to the server: the answer to
// our keepalive ping, or nothing we asked for (ignored, RFC 6120 §8.2.3).
func (s *Session) iqResponse(r reply) {
	if s.pingSeq != 0 {
		var buf [16]byte
		if r.id == string(appendPingID(buf[:0], s.pingSeq)) {
			s.pingSeq = 0
		}
	}
}

// serverIQ dispatches a get or set by its payload's namespace.
func (s *Session) serverIQ(r reply, child codec.Element, domain bool) {
	ns := string(child.NS())
	name := string(child.Name())
	switch {
	case ns == nsPing && name == "ping" && r.typ == "get":
		s.sendResult(r, nil)
	case ns == nsDiscoInfo && name == "query" && r.typ == "get":
		if len(child.Attr("node")) > 0 {
			s.sendError(r, errCancel, "item-not-found", "")
			return
		}
		b := []byte("<query xmlns='" + nsDiscoInfo + "'>")
		if domain {
			b = append(b, "<identity category='server' type='im' name='xmppd'/>"...)
			for _, f := range serverFeatures {
				b = codec.AppendEmpty(b, "feature", "var", f)
			}
		} else {
			b = append(b, "<identity category='account' type='registered'/>"...)
			b = codec.AppendEmpty(b, "feature", "var", nsDiscoInfo)
		}
		b = append(b, "</query>"...)
		s.sendResult(r, b)
	case ns == nsDiscoItems && name == "query" && r.typ == "get":
		if len(child.Attr("node")) > 0 {
			s.sendError(r, errCancel, "item-not-found", "")
			return
		}
		b := []byte("<query xmlns='" + nsDiscoItems + "'>")
		if lister, ok := s.srv.cfg.Components.(interface{ Domains() []string }); ok && domain {
			for _, d := range lister.Domains() {
				b = codec.AppendEmpty(b, "item", "jid", d)
			}
		}
		s.sendResult(r, append(b, "</query>"...))
	case ns == nsLast && name == "query" && r.typ == "get" && domain:
		up := int64(s.srv.cfg.Clock().Sub(s.srv.started) / time.Second)
		s.sendResult(r, []byte("<query xmlns='"+nsLast+"' seconds='"+strconv.FormatInt(up, 10)+"'/>"))
	case ns == nsVersion && name == "query" && r.typ == "get" && domain:
		b := []byte("<query xmlns='" + nsVersion + "'><name>xmppd</name>")
		b = codec.AppendTextElement(b, "version", s.srv.cfg.Version)
		b = append(b, "</query>"...)
		s.sendResult(r, b)
	case ns == nsRoster && name == "query" && !domain:
		s.rosterIQ(r, child)
	case ns == nsBlocking && !domain:
		s.blockingIQ(r, child)
	case ns == nsCarbons && (name == "enable" || name == "disable") && !domain:
		s.carbonsIQ(r, child)
	case ns == nsRegister && name == "query":
		s.registerPostAuth(r, child)
	case ns == nsSession && name == "session" && r.typ == "set":
		// Legacy session establishment (RFC 3921 §3): a no-op today.
		s.sendResult(r, nil)
	case ns == nsBind && name == "bind":
		s.sendError(r, errCancel, "not-allowed", "a resource is already bound")
	default:
		s.sendError(r, errCancel, "service-unavailable", "")
	}
}

// PingID starts a keepalive ping (XEP-0199 §4.2) and returns its id; ""
// when one is already outstanding or the session is not established.
func (s *Session) SendPing() string {
	if s.phase != phEstablished || s.pingSeq != 0 {
		return ""
	}
	for s.pingSeq == 0 { // 0 means none outstanding
		s.pingSeq = s.srv.pings.Add(1)
	}
	var idBuf [16]byte
	id := appendPingID(idBuf[:0], s.pingSeq)
	b := append(getBuf(), "<iq type='get'"...)
	b = codec.AppendAttr(b, "id", id)
	b = codec.AppendAttr(b, "from", s.dom.name)
	b = codec.AppendAttr(b, "to", s.full.String())
	b = append(b, "><ping xmlns='"+nsPing+"'/></iq>"...)
	s.send(b)
	return string(id)
}

// appendPingID appends the id of keepalive ping number n: "ping-" and n in
// hexadecimal. The session keeps only n (4 bytes, not a string).
func appendPingID(dst []byte, n uint32) []byte {
	return strconv.AppendUint(append(dst, "ping-"...), uint64(n), 16)
}

// PingOutstanding reports whether a keepalive ping awaits its answer.
func (s *Session) PingOutstanding() bool { return s.pingSeq != 0 }
