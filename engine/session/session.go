package session

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"net/netip"
	"sync"
	"sync/atomic"

	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/engine/sasl"
	"xmppd/internal/jid"
)

// Transport is how a session reaches its peer. Methods other than Enqueue
// and Post are called only on the session's owner goroutine.
type Transport interface {
	// Send writes b to the peer in order; the transport copies what it
	// cannot write at once, so b may be reused when Send returns.
	Send(b []byte)
	// Enqueue hands a routed stanza to the transport from any goroutine;
	// the transport owns b afterwards. False when the peer is gone or its
	// queue is over its cap (the transport then closes it).
	Enqueue(b []byte) bool
	// StartTLS turns the stream into TLS after <proceed/> was sent: the
	// bytes after the current element are the client's TLS handshake.
	StartTLS() error
	// ResetStream restarts the XML parser after the current element (after
	// STARTTLS and after SASL success).
	ResetStream()
	// Close ends the connection once what was sent is flushed.
	Close()
	// Post runs fn on the owner goroutine; safe from any goroutine. False
	// when the transport is already closed (fn will not run).
	Post(fn func()) bool
	// Resume tells the transport that a Busy session takes input again.
	Resume()
	// Info describes the connection as it is now.
	Info() TransportInfo

	// The event-loop hooks, for the counters (they are methods here
	// rather than an optional interface: a type assertion per stanza
	// costs more than the rest of the counting).

	// ReadAt is when the input being handled now was read, in monotonic
	// nanoseconds on a clock that every transport timing routes shares
	// (the engine's connections); 0 from one that does not.
	ReadAt() int64
	// EnqueueAt is Enqueue for a stanza its sender's transport read at
	// readAt (0: unknown), so that the recipient's transport can time the
	// route; a transport that does not time routes ignores readAt.
	EnqueueAt(b []byte, readAt int64) bool
	// StanzaCounters are where the owner goroutine counts stanzas: its
	// event loop's own set (Stats.NewStanzaCounters), or nil for the
	// Server's shared one.
	StanzaCounters() *StanzaCounters
}

// TransportInfo describes a connection.
type TransportInfo struct {
	Remote      netip.Addr
	Kind        TransportKind        // fixed for the connection's life
	Secure      bool                 // TLS in place
	CanStartTLS bool                 // STARTTLS could be offered now
	TLS         *tls.ConnectionState // when Secure
}

// Stream phases.
const (
	phHeader      uint8 = iota // waiting for a stream header
	phNegotiating              // stream open, before bind
	phEstablished              // resource bound
	phClosed
)

// Session is one client stream. See the package documentation for which
// goroutine may call what.
type Session struct {
	srv *Server
	t   Transport

	dom      *domain
	authUser string // set by SASL success
	full     jid.JID
	mech     sasl.Mechanism

	// lastPresence is the user's last available presence from this
	// resource (from stamped, no 'to'), nil when unavailable; other
	// sessions read it to answer probes.
	lastPresence atomic.Pointer[[]byte]
	// directed holds the addresses this resource sent directed available
	// presence to; they get unavailable presence when it goes offline.
	directed map[string]struct{}

	blocked atomic.Pointer[map[string]struct{}] // the user's block list; nil when empty
	csi     atomic.Pointer[csiState]            // XEP-0352; nil until used
	ordered orderedWork                         // presence and subscription work, in order

	// interested is set once the session asked for the roster: it then
	// receives roster pushes (RFC 6121 §2.1.6). Read by other sessions.
	interested     atomic.Bool
	blockRequested atomic.Bool // asked for the block list: gets pushes
	carbons        atomic.Bool // XEP-0280 enabled
	// avail packs the presence the router reads from other goroutines: bit
	// 8 set when available, the low byte the priority.
	avail atomic.Uint32

	pingSeq uint32 // the outstanding keepalive ping's number, or 0 (iq.go)

	// The byte-sized state, together (the struct is per connection).
	phase       uint8
	tally       uint8 // which Stats.Sessions gauge counts this session (stats.go)
	attempts    uint8 // failed SASL attempts on this stream
	headerSent  bool
	bound       bool
	busy        bool
	tlsStarted  bool
	offlineDone bool // the offline queue was delivered to this resource
}

// New returns a session for a new connection on transport t.
func (s *Server) New(t Transport) *Session {
	s.Stats.Streams.Add(1)
	k := t.Info().Kind
	if k >= NumTransportKinds {
		k = TransportC2S
	}
	ss := &Session{srv: s, t: t, tally: uint8(k) << 2}
	ss.countState(StateConnected)
	return ss
}

// JID is the bound full JID (zero before bind).
func (s *Session) JID() jid.JID { return s.full }

// Bound reports whether a resource is bound.
func (s *Session) Bound() bool { return s.bound }

// Busy reports whether the session waits for a worker and wants no input.
func (s *Session) Busy() bool { return s.busy }

// Closed reports whether the stream has ended.
func (s *Session) IsClosed() bool { return s.phase == phClosed }

// Deliver implements router.Session: a stanza routed to this session.
// Presence for an inactive client (XEP-0352) is held back.
func (s *Session) Deliver(b []byte) bool { return s.deliverAt(b, 0, nil) }

// deliverAt is Deliver for a stanza read at readAt (Transport.ReadAt),
// counted on the caller's counters c (nil: the Server's shared ones).
func (s *Session) deliverAt(b []byte, readAt int64, c *StanzaCounters) bool {
	if c == nil {
		c = &s.srv.Stats.stanzas
	}
	k := kindOfStanza(b)
	if cs := s.csi.Load(); cs != nil && cs.hold(b) {
		c.Add(DirOut, k, 1)
		return true
	}
	ok := s.t.EnqueueAt(b, readAt)
	if ok {
		c.Add(DirOut, k, 1)
	}
	return ok
}

// deliverTo delivers a stanza read at readAt to peer, timed when the peer
// is a local session, and counts it on c.
func deliverTo(peer router.Session, b []byte, readAt int64, c *StanzaCounters) bool {
	if ps, ok := peer.(*Session); ok {
		return ps.deliverAt(b, readAt, c)
	}
	return peer.Deliver(b)
}

// counters are the stanza counters of the session's owner goroutine.
func (s *Session) counters() *StanzaCounters {
	if c := s.t.StanzaCounters(); c != nil {
		return c
	}
	return &s.srv.Stats.stanzas
}

// Available implements router.Session.
func (s *Session) Available() (bool, int8) {
	v := s.avail.Load()
	return v&0x100 != 0, int8(v)
}

func (s *Session) setAvailable(ok bool, prio int8) {
	v := uint32(uint8(prio))
	if ok {
		v |= 0x100
	}
	s.avail.Store(v)
}

// Responses are built in pooled buffers: an idle session keeps none.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

func putBuf(b []byte) {
	if cap(b) <= 64<<10 {
		bufPool.Put(&b)
	}
}

// send writes b, built in a getBuf buffer, and recycles the buffer (the
// transport copies what it keeps).
func (s *Session) send(b []byte) {
	if k, ok := kindOfOutput(b); ok {
		s.counters().Add(DirOut, k, 1)
	}
	s.t.Send(b)
	putBuf(b)
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// HandleHeader answers a stream header (RFC 6120 §4.7).
func (s *Session) HandleHeader(h *codec.Header) {
	if s.phase != phHeader {
		s.StreamError("bad-format", "unexpected stream header")
		return
	}
	to := string(h.To())
	d := s.srv.domains[to]
	if s.dom != nil && d != s.dom {
		d = nil // a restarted stream must name the same domain
	}
	from := s.srv.first.name
	if d != nil {
		from = d.name
	}
	s.send(codec.AppendStreamHeader(getBuf(), codec.StreamHeader{
		NS: NSClient, From: from, ID: randomID(), Version: "1.0", Lang: "en",
	}))
	s.headerSent = true
	switch {
	case d == nil:
		s.StreamError("host-unknown", "this server does not serve "+quoteDomain(to))
		return
	case string(h.ContentNS()) != NSClient:
		s.StreamError("invalid-namespace", "the content namespace must be jabber:client")
		return
	case len(h.Version()) == 0 || h.Version()[0] != '1':
		s.StreamError("unsupported-version", "only XMPP 1.0 streams are supported")
		return
	}
	s.dom = d
	s.phase = phNegotiating
	s.sendFeatures()
}

func quoteDomain(d string) string {
	if d == "" {
		return "an empty domain"
	}
	return "'" + d + "'"
}

func (s *Session) channel() sasl.Channel {
	info := s.t.Info()
	if !info.Secure {
		return sasl.Channel{}
	}
	ch, err := sasl.TLSChannel(info.TLS)
	if err != nil {
		return sasl.Channel{TLS: true}
	}
	return ch
}

func (s *Session) sendFeatures() {
	info := s.t.Info()
	b := append(getBuf(), "<stream:features>"...)
	if s.authUser == "" {
		tlsNeeded := s.srv.cfg.TLS == TLSRequired && !info.Secure
		if !info.Secure && info.CanStartTLS && s.srv.cfg.TLS != TLSOff {
			if tlsNeeded {
				b = append(b, "<starttls xmlns='"+nsTLS+"'><required/></starttls>"...)
			} else {
				b = append(b, "<starttls xmlns='"+nsTLS+"'/>"...)
			}
		}
		if !tlsNeeded {
			if mechs := s.dom.sasl.Mechanisms(s.channel()); len(mechs) > 0 {
				b = append(b, "<mechanisms xmlns='"+nsSASL+"'>"...)
				for _, m := range mechs {
					b = codec.AppendTextElement(b, "mechanism", m)
				}
				b = append(b, "</mechanisms>"...)
			}
			if s.registrationAllowed() {
				b = append(b, "<register xmlns='"+nsRegFeature+"'/>"...)
			}
		}
	} else {
		b = append(b, "<bind xmlns='"+nsBind+"'/><session xmlns='"+nsSession+"'><optional/></session><ver xmlns='"+nsRosterVer+"'/><csi xmlns='"+nsCSI+"'/><sub xmlns='"+nsPreApproval+"'/>"...)
	}
	b = append(b, "</stream:features>"...)
	s.send(b)
}

// HandleElement processes one top-level element.
func (s *Session) HandleElement(e codec.Element) {
	switch s.phase {
	case phNegotiating:
		s.negotiate(e)
	case phEstablished:
		if string(e.NS()) == nsCSI {
			s.handleCSI(string(e.Name()))
			return
		}
		// The read time and the loop's counters go along with the stanza.
		c := s.counters()
		if k, ok := kindOfName(e.Name()); ok {
			c.Add(DirIn, k, 1)
		}
		if f := s.srv.cfg.Filter; f != nil && !f(s.full, e) {
			return
		}
		s.route(e, s.t.ReadAt(), c)
	case phHeader:
		s.StreamError("not-authorized", "an element before the stream header")
	}
}

// HandleStreamEnd answers the peer's closing tag.
func (s *Session) HandleStreamEnd() {
	if s.phase == phClosed {
		return
	}
	s.t.Send([]byte("</stream:stream>"))
	s.closeNow()
}

// HandleDecodeError ends the stream with the condition the codec chose.
func (s *Session) HandleDecodeError(err error) {
	if ce, ok := err.(*codec.Error); ok {
		s.StreamError(string(ce.Condition), ce.Reason)
		return
	}
	s.StreamError("internal-server-error", "")
}

// HandleClosed is told that the connection is gone, whatever the reason.
func (s *Session) HandleClosed() {
	s.phase = phClosed
	s.uncount()
	if ok, _ := s.Available(); ok && s.bound {
		s.goUnavailable(s.unavailableStanza(), nil)
	}
	if s.bound {
		s.bound = false
		s.srv.cfg.Router.Unbind(s)
		s.setAvailable(false, 0)
	}
}

// StreamError sends a stream error with an optional text and closes the
// stream (RFC 6120 §4.9). Safe to call more than once.
func (s *Session) StreamError(cond, text string) {
	if s.phase == phClosed {
		return
	}
	s.srv.Stats.StreamErrors.Add(1)
	b := getBuf()
	if !s.headerSent {
		from := s.srv.first.name
		if s.dom != nil {
			from = s.dom.name
		}
		b = codec.AppendStreamHeader(b, codec.StreamHeader{NS: NSClient, From: from, ID: randomID(), Version: "1.0"})
		s.headerSent = true
	}
	b = codec.AppendStreamError(b, cond, text)
	s.send(b)
	s.closeNow()
}

func (s *Session) closeNow() {
	s.HandleClosed()
	s.t.Close()
}

// Kick ends the stream from another goroutine (a conflicting bind, an
// account removal, an admin): the stream error is sent on the owner.
func (s *Session) Kick(cond, text string) {
	s.t.Post(func() { s.StreamError(cond, text) })
}

// negotiate handles elements before a resource is bound.
func (s *Session) negotiate(e codec.Element) {
	ns := string(e.NS())
	name := string(e.Name())
	switch {
	case ns == nsTLS && name == "starttls":
		s.startTLS()
	case ns == nsSASL && name == "auth":
		s.saslAuth(e)
	case ns == nsSASL && name == "response":
		s.saslResponse(e)
	case ns == nsSASL && name == "abort":
		s.mech = nil
		s.saslFailure("aborted", "")
	case ns == NSClient && name == "iq" && s.authUser == "" && isRegisterQuery(e):
		s.registerPreAuth(e)
	case ns == NSClient && name == "iq" && s.authUser != "":
		s.negotiateIQ(e)
	case ns == NSClient && (name == "message" || name == "presence" || name == "iq"):
		s.StreamError("not-authorized", "authenticate and bind a resource before sending stanzas")
	default:
		s.StreamError("unsupported-stanza-type", "")
	}
}

func (s *Session) startTLS() {
	info := s.t.Info()
	if info.Secure || !info.CanStartTLS || s.srv.cfg.TLS == TLSOff || s.authUser != "" {
		s.t.Send([]byte("<failure xmlns='" + nsTLS + "'/></stream:stream>"))
		s.closeNow()
		return
	}
	s.t.Send([]byte("<proceed xmlns='" + nsTLS + "'/>"))
	if err := s.t.StartTLS(); err != nil {
		s.closeNow()
		return
	}
	s.t.ResetStream()
	s.phase = phHeader
}

func (s *Session) saslAuth(e codec.Element) {
	info := s.t.Info()
	if s.authUser != "" {
		s.StreamError("policy-violation", "already authenticated")
		return
	}
	if s.srv.cfg.TLS == TLSRequired && !info.Secure {
		s.saslFailure("encryption-required", "")
		return
	}
	if s.srv.authLim.exceeded(info.Remote) {
		s.saslRefused(FailRateLimited, "temporary-auth-failure", "too many failed attempts from your address; try again later")
		return
	}
	m, err := s.dom.sasl.Start(string(e.Attr("mechanism")), s.channel())
	if err != nil {
		s.saslError(err)
		return
	}
	s.mech = m
	data, ok := decodeSASL(e.Text())
	if !ok {
		s.mech = nil
		s.saslFailure("incorrect-encoding", "")
		return
	}
	if data == nil {
		// No initial response: ask for it with an empty challenge.
		s.t.Send([]byte("<challenge xmlns='" + nsSASL + "'/>"))
		return
	}
	s.saslStep(data)
}

func (s *Session) saslResponse(e codec.Element) {
	if s.mech == nil {
		s.saslFailure("malformed-request", "no authentication in progress")
		return
	}
	data, ok := decodeSASL(e.Text())
	if !ok {
		s.mech = nil
		s.saslFailure("incorrect-encoding", "")
		return
	}
	if data == nil {
		data = []byte{}
	}
	s.saslStep(data)
}

// decodeSASL decodes the base64 payload of <auth/> or <response/>: nil for
// no payload, empty for "=" (an empty message), ok=false for bad base64.
func decodeSASL(text []byte) ([]byte, bool) {
	if len(text) == 0 {
		return nil, true
	}
	if len(text) == 1 && text[0] == '=' {
		return []byte{}, true
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(out, text)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// saslStep runs one SASL step on a worker; input pauses meanwhile.
func (s *Session) saslStep(data []byte) {
	m := s.mech
	s.busy = true
	ok := s.srv.goWork(func() {
		out, done, err := m.Step(data)
		s.t.Post(func() { s.saslResult(m, out, done, err) })
	})
	if !ok {
		s.busy = false
		s.mech = nil
		s.saslFailure("temporary-auth-failure", "server busy")
	}
}

func (s *Session) saslResult(m sasl.Mechanism, out []byte, done bool, err error) {
	s.busy = false
	defer s.t.Resume()
	if s.phase == phClosed || m != s.mech {
		return
	}
	if err != nil {
		s.mech = nil
		s.saslError(err)
		return
	}
	if !done {
		b := append(getBuf(), "<challenge xmlns='"+nsSASL+"'>"...)
		b = base64.StdEncoding.AppendEncode(b, out)
		b = append(b, "</challenge>"...)
		s.send(b)
		return
	}
	s.mech = nil
	s.authUser = m.Username()
	s.srv.Stats.AuthOK.Add(1)
	s.srv.Stats.AuthMechanisms[mechanismOf(m.Name())].Add(1)
	s.countState(StateAuthenticated)
	b := append(getBuf(), "<success xmlns='"+nsSASL+"'>"...)
	b = base64.StdEncoding.AppendEncode(b, out)
	b = append(b, "</success>"...)
	s.send(b)
	s.t.ResetStream()
	s.phase = phHeader
}

func (s *Session) saslError(err error) {
	cond, text := "not-authorized", ""
	if se, ok := err.(*sasl.Error); ok {
		cond, text = string(se.Condition), se.Text
		if se.ChannelBindingRefused() {
			// Negotiation, not a guess: clients walk down from -PLUS.
			s.saslReply(failureOf(cond), cond, text)
			return
		}
	}
	s.saslFailure(cond, text)
}

// saslFailure reports a failed attempt; past the retry limit the stream is
// closed (RFC 6120 §6.4.5).
func (s *Session) saslFailure(cond, text string) {
	s.saslRefused(failureOf(cond), cond, text)
}

// saslRefused is saslFailure counted as why.
func (s *Session) saslRefused(why AuthFailure, cond, text string) {
	s.saslReply(why, cond, text)
	if cond == "aborted" {
		return
	}
	s.srv.authLim.add(s.t.Info().Remote)
	s.attempts++ // at most MaxAuthAttempts (Validate: ≤ 255) before the stream ends
	if int(s.attempts) >= s.srv.cfg.MaxAuthAttempts {
		s.StreamError("policy-violation", "too many failed authentication attempts")
	}
}

// saslReply sends <failure/> with cond and an optional text, counted as
// why.
func (s *Session) saslReply(why AuthFailure, cond, text string) {
	s.srv.Stats.AuthFailed.Add(1)
	s.srv.Stats.AuthFailures[why].Add(1)
	b := append(getBuf(), "<failure xmlns='"+nsSASL+"'><"...)
	b = append(b, cond...)
	b = append(b, "/>"...)
	if text != "" {
		b = append(b, "<text xml:lang='en'>"...)
		b = codec.AppendText(b, text)
		b = append(b, "</text>"...)
	}
	b = append(b, "</failure>"...)
	s.send(b)
}

// isRegisterQuery reports whether an iq carries an XEP-0077 query (an iq
// may have no child at all).
func isRegisterQuery(e codec.Element) bool {
	c := e.FirstChild()
	return !c.IsZero() && c.Is("query", nsRegister)
}
