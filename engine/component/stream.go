package component

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"

	"xmppd/codec"
	"xmppd/engine/session"
	"xmppd/internal/jid"
)

// Namespaces the component stream speaks.
const (
	NSAccept = "jabber:component:accept"
	nsClient = "jabber:client"
)

// Inbound takes stanzas from components: (*session.Server).RouteExternal,
// which returns "" when it took the stanza or the stanza error condition to
// bounce it with.
type Inbound interface {
	RouteExternal(e codec.Element) string
}

// Stream phases.
const (
	phHeader    uint8 = iota // waiting for the stream header
	phHandshake              // header answered, waiting for <handshake/>
	phReady                  // authenticated: stanzas flow
	phClosed
)

// env is what every stream of a listener shares, read-only: the
// listener's dependencies.
type env struct {
	router *Router
	in     Inbound
	domain string // the server's own domain: 'from' of errors to stanzas without 'to'
	log    *slog.Logger
	stats  *Stats
	limits codec.Limits
}

// stream is the XEP-0114 accept-side state machine of one connection, an
// engine.Stream: header, handshake, then stanzas both ways. Its methods run
// on the connection's event loop, except enqueue (the Router's sink).
type stream struct {
	env    *env
	t      session.Transport
	phase  uint8
	sentHd bool // our stream header went out
	dom    *domainSet
	id     string
	member *member

	frag *codec.Decoder // re-decodes rebuilt stanzas; created on first use
	buf  []byte         // rebuilt stanzas
}

func newStream(e *env, t session.Transport) *stream {
	return &stream{env: e, t: t}
}

// Bound reports that the handshake succeeded (engine.Authenticated: the
// engine's AuthTimeout applies until then).
func (s *stream) Bound() bool { return s.phase == phReady }

// IsClosed reports that the stream has ended.
func (s *stream) IsClosed() bool { return s.phase == phClosed }

// Busy is always false: a component stream never waits for a worker.
func (s *stream) Busy() bool { return false }

// HandleHeader answers the component's stream header: 'to' names the
// component domain (XEP-0114 §3.1); the reply carries the stream id the
// handshake hashes.
func (s *stream) HandleHeader(h *codec.Header) {
	if s.phase != phHeader {
		s.StreamError("bad-format", "unexpected stream header")
		return
	}
	var dom *domainSet
	to, err := jid.ParseBytes(h.To())
	if err == nil && to.Local() == "" && to.Resource() == "" {
		dom = s.env.router.domain(to.Domain())
	}
	s.id = randomID()
	from := s.env.domain
	if dom != nil {
		from = dom.name
	}
	s.t.Send(codec.AppendStreamHeader(nil, codec.StreamHeader{NS: NSAccept, From: from, ID: s.id}))
	s.sentHd = true
	switch {
	case string(h.ContentNS()) != NSAccept:
		s.StreamError("invalid-namespace", "the content namespace must be "+NSAccept)
	case dom == nil:
		s.StreamError("host-unknown", "no component is configured for "+quote(string(h.To())))
	default:
		s.dom = dom
		s.phase = phHandshake
	}
}

func quote(d string) string {
	if d == "" {
		return "an empty domain"
	}
	return "'" + d + "'"
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// handshakeDigest is what XEP-0114 §3.2 asks the component to send:
// hex(SHA-1(stream id + secret)).
func handshakeDigest(streamID, secret string) string {
	sum := sha1.Sum([]byte(streamID + secret))
	return hex.EncodeToString(sum[:])
}

// HandleElement processes one top-level element.
func (s *stream) HandleElement(e codec.Element) {
	switch s.phase {
	case phHandshake:
		s.handshake(e)
	case phReady:
		s.stanza(e)
	case phHeader:
		s.StreamError("not-authorized", "an element before the stream header")
	}
}

func (s *stream) handshake(e codec.Element) {
	if !e.Is("handshake", NSAccept) {
		s.StreamError("not-authorized", "send <handshake/> before any stanza")
		return
	}
	want := handshakeDigest(s.id, s.dom.secret)
	got := bytes.ToLower(bytes.TrimSpace(e.Text()))
	if subtle.ConstantTimeCompare(got, []byte(want)) != 1 {
		s.env.stats.AuthFailed.Add(1)
		s.StreamError("not-authorized", "handshake mismatch")
		return
	}
	m, err := s.env.router.attach(s.dom.name, s)
	if err != nil {
		s.StreamError("internal-server-error", "")
		return
	}
	s.member = m
	s.phase = phReady
	s.env.stats.Authenticated.Add(1)
	s.env.stats.Live.Add(1)
	s.t.Send([]byte("<handshake/>"))
	s.env.log.Info("component connected", "domain", s.dom.name, "instance", m.id, "remote", s.t.Info().Remote,
		"instances", s.env.router.Connections(s.dom.name))
}

// stanza routes one stanza from the component.
//
// Addressing rules: 'from' must be the component's domain or a JID at it
// (localpart and resource free); anything else, subdomains included, ends
// the stream with invalid-from (RFC 6120 §4.9.3.9): the component
// authenticated for exactly that domain, and the server would route
// answers to any other domain elsewhere. A missing 'from' is stamped with
// the component's domain, as a server stamps a client's. A missing 'to'
// bounces with bad-request (RFC 6120 §8.3.3.1): there is no account on
// whose behalf the server could handle it (§10.3), and one malformed
// stanza should not cut off every user of a gateway, which the s2s rule
// (improper-addressing, a stream error) would.
func (s *stream) stanza(e codec.Element) {
	ns := string(e.NS())
	if ns != NSAccept && ns != nsClient {
		s.StreamError("invalid-namespace", "stanzas must be in "+NSAccept)
		return
	}
	kind := string(e.Name())
	if kind != "message" && kind != "presence" && kind != "iq" {
		s.StreamError("unsupported-stanza-type", "")
		return
	}
	s.env.stats.StanzasIn.Add(1)
	var stamp []byte
	if from := e.Attr("from"); from == nil {
		stamp = []byte(s.dom.name)
	} else if j, err := jid.ParseBytes(from); err != nil || j.Domain() != s.dom.name {
		s.StreamError("invalid-from", "'from' must be at "+s.dom.name)
		return
	}
	if stamp != nil || needsRewrite(e) {
		s.buf = appendRewritten(s.buf[:0], e, true, stamp)
		var ok bool
		if e, ok = s.decode(s.buf); !ok {
			s.env.log.Error("component: a rebuilt stanza does not decode", "domain", s.dom.name)
			return
		}
		defer s.frag.Release()
	}
	if e.Attr("to") == nil {
		s.bounce(e, "bad-request", "a component must address every stanza ('to')")
		return
	}
	if cond := s.env.in.RouteExternal(e); cond != "" {
		s.bounce(e, cond, "")
	}
	if cap(s.buf) > 64<<10 {
		s.buf = nil // do not pin one large stanza's buffer
	}
}

// bounce answers a stanza from the component with a stanza error, except
// an error (RFC 6120 §8.3.1: never answer an error with an error).
func (s *stream) bounce(e codec.Element, cond, text string) {
	if string(e.Attr("type")) == "error" {
		return
	}
	s.env.stats.Bounced.Add(1)
	s.t.Send(appendBounce(nil, e, cond, text, s.env.domain))
}

// HandleStreamEnd answers the component's closing tag.
func (s *stream) HandleStreamEnd() {
	if s.phase == phClosed {
		return
	}
	s.t.Send([]byte("</stream:stream>"))
	s.closeNow()
}

// HandleDecodeError ends the stream with the condition the codec chose.
func (s *stream) HandleDecodeError(err error) {
	if ce, ok := err.(*codec.Error); ok {
		s.StreamError(string(ce.Condition), ce.Reason)
		return
	}
	s.StreamError("internal-server-error", "")
}

// StreamError sends a stream error and closes (RFC 6120 §4.9). Safe to
// call more than once. The engine calls it too: policy-violation for a
// component that does not read, connection-timeout for a handshake not
// done in time, system-shutdown.
func (s *stream) StreamError(cond, text string) {
	if s.phase == phClosed {
		return
	}
	s.env.stats.StreamErrors.Add(1)
	if s.member != nil && cond != "system-shutdown" {
		s.env.log.Warn("component stream error", "domain", s.dom.name, "instance", s.member.id,
			"remote", s.t.Info().Remote, "condition", cond, "text", text)
	}
	var b []byte
	if !s.sentHd {
		from := s.env.domain
		if s.dom != nil {
			from = s.dom.name
		}
		b = codec.AppendStreamHeader(b, codec.StreamHeader{NS: NSAccept, From: from, ID: randomID()})
		s.sentHd = true
	}
	b = codec.AppendStreamError(b, cond, text)
	s.t.Send(b)
	s.closeNow()
}

func (s *stream) closeNow() {
	s.HandleClosed()
	s.t.Close()
}

// HandleClosed is told the connection is gone: the connection leaves its
// domain, so its keys rehash over the others. What was still queued for it
// comes back in HandleUnsent.
func (s *stream) HandleClosed() {
	if s.phase == phClosed {
		return
	}
	s.phase = phClosed
	s.buf = nil
	if s.member != nil {
		s.env.stats.Live.Add(-1)
		s.env.router.detach(s.member)
		s.env.log.Info("component disconnected", "domain", s.dom.name, "instance", s.member.id, "instances", s.env.router.Connections(s.dom.name))
	}
}

// decode decodes a rebuilt stanza with the stream's fragment decoder; the
// element is valid until the decoder's next use (Release it after).
func (s *stream) decode(b []byte) (codec.Element, bool) {
	if s.frag == nil {
		s.frag = codec.NewFragmentDecoder(s.env.limits, nsClient)
	}
	ev, _, err := s.frag.Next(b)
	if err != nil || ev != codec.EventElement {
		s.frag.Reset()
		return codec.Element{}, false
	}
	return s.frag.Element(), true
}

// needsRewrite reports whether a stanza may declare the component
// namespace (directly, or hidden behind a character reference): those
// declarations must not reach clients, whose stanzas are in jabber:client.
func needsRewrite(e codec.Element) bool {
	raw := e.Raw()
	return bytes.Contains(raw, []byte(NSAccept)) || bytes.Contains(raw, []byte("&#"))
}

// appendRewritten appends e re-encoded for delivery to users: a default
// declaration of the component namespace on the stanza itself is dropped
// (the stanza then inherits its receiver's jabber:client, as one without
// any declaration does), any other declaration of it becomes jabber:client,
// and when from is not nil the stanza's 'from' is set to it.
func appendRewritten(dst []byte, e codec.Element, top bool, from []byte) []byte {
	dst = append(dst, '<')
	dst = append(dst, e.QName()...)
	for a := range e.Attrs() {
		q, v := a.QName(), a.Value()
		if a.IsNSDecl() && string(v) == NSAccept {
			if top && string(q) == "xmlns" {
				continue
			}
			v = []byte(nsClient)
		}
		if top && from != nil && !a.IsNSDecl() && string(q) == "from" {
			continue
		}
		dst = codec.AppendAttr(dst, q, v)
	}
	if top && from != nil {
		dst = codec.AppendAttr(dst, "from", from)
	}
	if e.IsEmpty() {
		return append(dst, '/', '>')
	}
	dst = append(dst, '>')
	for n := range e.Nodes() {
		if n.IsText() {
			dst = codec.AppendText(dst, n.Text())
		} else {
			dst = appendRewritten(dst, n.Element(), false, nil)
		}
	}
	dst = append(dst, '<', '/')
	dst = append(dst, e.QName()...)
	return append(dst, '>')
}

// errorType is the RFC 6120 §8.3.2 error type that goes with a condition.
func errorType(cond string) string {
	switch cond {
	case "bad-request", "jid-malformed", "not-acceptable", "policy-violation":
		return "modify"
	case "resource-constraint", "internal-server-error", "remote-server-timeout":
		return "wait"
	case "not-authorized", "forbidden":
		return "auth"
	}
	return "cancel"
}

// appendBounce appends the error answer to stanza e: addresses swapped
// (serverDomain stands in for a missing 'to'), same id, the condition.
func appendBounce(b []byte, e codec.Element, cond, text, serverDomain string) []byte {
	kind := e.Name()
	b = append(b, '<')
	b = append(b, kind...)
	b = append(b, " type='error'"...)
	if id := e.Attr("id"); id != nil {
		b = codec.AppendAttr(b, "id", id)
	}
	if to := e.Attr("to"); to != nil {
		b = codec.AppendAttr(b, "from", to)
	} else if serverDomain != "" {
		b = codec.AppendAttr(b, "from", serverDomain)
	}
	if from := e.Attr("from"); from != nil {
		b = codec.AppendAttr(b, "to", from)
	}
	b = append(b, '>')
	b = codec.AppendStanzaError(b, errorType(cond), cond, text, "")
	b = append(b, "</"...)
	b = append(b, kind...)
	return append(b, '>')
}

// bounceable reports whether a stanza that could not be delivered gets an
// error back (as the c2s side does): messages and iq requests, never
// errors, presence or iq results.
func bounceable(kind, typ string) bool {
	switch {
	case typ == "error":
		return false
	case kind == "message":
		return true
	case kind == "iq":
		return typ == "get" || typ == "set"
	}
	return false
}
