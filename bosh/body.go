package bosh

import (
	"strconv"

	"xmppd/codec"
)

// Namespaces of the binding.
const (
	nsHTTPBind = "http://jabber.org/protocol/httpbind"
	nsXBOSH    = "urn:xmpp:xbosh"
	nsStreams  = "http://etherx.jabber.org/streams"
	nsClient   = "jabber:client"
)

// maxRID is the largest rid a client may use (XEP-0124 §14.1: 2^53-1).
const maxRID = 1<<53 - 1

// protocolVersion is the BOSH version served.
const protocolMajor, protocolMinor = 1, 11

// request is what a <body/> wrapper says. Byte slices are views into the
// request body, valid while its handler runs.
type request struct {
	body codec.Element

	rid     uint64
	sid     []byte
	ack     uint64 // response acknowledgement (§9.2); 0 for none
	pause   int    // seconds; -1 for none
	key     []byte // key sequencing (§15)
	newkey  []byte
	restart bool // xmpp:restart='true' (XEP-0206 §5)
	term    bool // type='terminate'

	// Session creation only.
	to          []byte
	route       []byte
	lang        []byte
	content     []byte
	xmppVersion []byte
	hasVer      bool
	verMajor    int
	verMinor    int
	wait        int // -1 when absent
	hold        int // -1 when absent
	wantAcks    bool
}

// parseRequest reads the attributes of a <body/> wrapper. ok is false when
// they break XEP-0124's syntax (a bad-request).
func parseRequest(body codec.Element, r *request) bool {
	*r = request{body: body, pause: -1, wait: -1, hold: -1}
	var ok bool
	if r.rid, ok = parseUint(body.Attr("rid")); !ok || r.rid == 0 || r.rid > maxRID {
		return false
	}
	r.sid = body.Attr("sid")
	if v := body.Attr("ack"); v != nil {
		if r.ack, ok = parseUint(v); !ok {
			return false
		}
	}
	if v := body.Attr("pause"); v != nil {
		p, ok := parseUint(v)
		if !ok || p > 1<<20 {
			return false
		}
		r.pause = int(p)
	}
	switch t := body.Attr("type"); string(t) {
	case "":
	case "terminate":
		r.term = true
	default:
		return false
	}
	r.key = body.Attr("key")
	r.newkey = body.Attr("newkey")
	switch v := string(body.AttrNS(nsXBOSH, "restart")); v {
	case "", "false", "0":
	case "true", "1":
		r.restart = true
	default:
		return false
	}
	if len(r.sid) > 0 {
		return true
	}
	r.to = body.Attr("to")
	r.route = body.Attr("route")
	r.lang = body.Attr("xml:lang")
	r.content = body.Attr("content")
	r.xmppVersion = body.AttrNS(nsXBOSH, "version")
	if v := body.Attr("ver"); v != nil {
		if r.verMajor, r.verMinor, ok = parseVersion(v); !ok {
			return false
		}
		r.hasVer = true
	}
	for _, f := range [...]struct {
		name string
		dst  *int
	}{{"wait", &r.wait}, {"hold", &r.hold}} {
		if v := body.Attr(f.name); v != nil {
			n, ok := parseUint(v)
			if !ok || n > 1<<16 {
				return false
			}
			*f.dst = int(n)
		}
	}
	if v := body.Attr("ack"); v != nil {
		r.wantAcks = string(v) == "1"
		r.ack = 0
	}
	return validHeaderValue(r.content) && len(r.lang) <= 64
}

// empty reports whether the request carries no payload and asks for
// nothing but payloads (the requests polling rules count).
func (r *request) empty() bool {
	return r.body.FirstChild().IsZero() && !r.term && !r.restart && r.pause < 0
}

// parseUint parses a decimal integer of at most 16 digits, nothing else.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// parseVersion parses "major.minor", each a separate integer (§7.1).
func parseVersion(b []byte) (major, minor int, ok bool) {
	for i, c := range b {
		if c == '.' {
			ma, ok1 := parseUint(b[:i])
			mi, ok2 := parseUint(b[i+1:])
			if !ok1 || !ok2 || ma > 1000 || mi > 1000 {
				return 0, 0, false
			}
			return int(ma), int(mi), true
		}
	}
	return 0, 0, false
}

// validHeaderValue accepts what may go verbatim into an HTTP header value.
func validHeaderValue(b []byte) bool {
	if len(b) > 128 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// The empty response, shared by every session: most responses are this.
var emptyBody = []byte("<body xmlns='" + nsHTTPBind + "'/>")

// bodyAttrs are the attributes of a response wrapper other than the
// session creation ones.
type bodyAttrs struct {
	terminate bool
	condition string
	ack       uint64 // 0 for none
	report    uint64 // §9.2, with time
	time      int64  // milliseconds
	streamNS  bool   // the payload has stream:-prefixed elements
}

// appendBodyStart appends "<body xmlns=... attrs" and leaves the tag open.
func appendBodyStart(dst []byte, a *bodyAttrs) []byte {
	dst = append(dst, "<body xmlns='"+nsHTTPBind+"'"...)
	if a.streamNS {
		dst = append(dst, " xmlns:stream='"+nsStreams+"'"...)
	}
	if a.terminate {
		dst = append(dst, " type='terminate'"...)
		if a.condition != "" {
			dst = codec.AppendAttr(dst, "condition", a.condition)
		}
	}
	if a.ack != 0 {
		dst = append(dst, " ack='"...)
		dst = strconv.AppendUint(dst, a.ack, 10)
		dst = append(dst, '\'')
	}
	if a.report != 0 {
		dst = append(dst, " report='"...)
		dst = strconv.AppendUint(dst, a.report, 10)
		dst = append(dst, "' time='"...)
		dst = strconv.AppendInt(dst, a.time, 10)
		dst = append(dst, '\'')
	}
	return dst
}

// appendBody appends a whole response wrapper around payload.
func appendBody(dst []byte, a *bodyAttrs, payload []byte) []byte {
	dst = appendBodyStart(dst, a)
	if len(payload) == 0 {
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	dst = append(dst, payload...)
	return append(dst, "</body>"...)
}

// responseBody returns the response for attrs and payload in a new slice
// of exactly its size (it is cached for resends), or the shared empty body.
func responseBody(a *bodyAttrs, payload []byte) []byte {
	if *a == (bodyAttrs{}) && len(payload) == 0 {
		return emptyBody
	}
	var scratch [256]byte
	head := appendBodyStart(scratch[:0], a)
	n := len(head) + 2
	if len(payload) > 0 {
		n = len(head) + 1 + len(payload) + len("</body>")
	}
	out := make([]byte, 0, n)
	out = append(out, head...)
	if len(payload) == 0 {
		return append(out, "/>"...)
	}
	out = append(out, '>')
	out = append(out, payload...)
	return append(out, "</body>"...)
}

// terminalBody is a terminate wrapper with condition and no payload.
func terminalBody(cond string) []byte {
	return appendBody(nil, &bodyAttrs{terminate: true, condition: cond}, nil)
}

// legacyStatus is the deprecated HTTP status a client without 'ver' gets
// for a terminal condition (XEP-0124 §17.1).
func legacyStatus(cond string) int {
	switch cond {
	case condBadRequest:
		return 400
	case condPolicyViolation:
		return 403
	case condItemNotFound:
		return 404
	}
	return 200
}

// Terminal binding conditions (XEP-0124 §17.2).
const (
	condBadRequest         = "bad-request"
	condHostUnknown        = "host-unknown"
	condImproperAddressing = "improper-addressing"
	condItemNotFound       = "item-not-found"
	condPolicyViolation    = "policy-violation"
	condRemoteConnFailed   = "remote-connection-failed"
	condRemoteStreamError  = "remote-stream-error"
	condSystemShutdown     = "system-shutdown"
	condUndefined          = "undefined-condition"
)
