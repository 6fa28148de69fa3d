package bosh

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"xmppd/codec"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Server serves BOSH sessions over fasthttp. It is safe for concurrent use.
type Server struct {
	cfg     Config
	domains map[string]bool // nil: whatever cfg.Sessions serves
	origins map[string]bool
	anyOrig bool
	http    *fasthttp.Server

	mu       sync.RWMutex // guards sessions
	sessions map[string]*boshSession

	done      chan struct{} // closed by Shutdown
	closing   atomic.Bool
	closeOnce sync.Once
	sweeper   sync.WaitGroup

	Stats Stats
}

// Stats are the BOSH counters the metrics endpoint exports.
type Stats struct {
	Sessions    atomic.Int64 // open now
	Created     atomic.Int64
	Prebound    atomic.Int64
	Requests    atomic.Int64 // HTTP requests on the BOSH path
	Held        atomic.Int64 // requests held now
	Resends     atomic.Int64 // answered from the response cache, or retaking a held place
	Terminal    atomic.Int64 // sessions ended by a terminal error a request caused
	Inactive    atomic.Int64 // sessions ended by the inactivity timeout
	Overflows   atomic.Int64 // output over MaxOutbound
	BadRequests atomic.Int64 // HTTP 400s: bodies that are not BOSH
	Compressed  atomic.Int64
	Panics      atomic.Int64
}

// NewServer checks cfg and returns a Server; nothing listens yet (see
// Handler, Serve, ListenAndServe). Its inactivity sweep runs until
// Shutdown.
func NewServer(cfg Config) (*Server, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		origins:  make(map[string]bool),
		sessions: make(map[string]*boshSession),
		done:     make(chan struct{}),
	}
	if len(cfg.Domains) > 0 {
		s.domains = make(map[string]bool)
		for _, d := range cfg.Domains {
			s.domains[d] = true
		}
	}
	for _, o := range cfg.AllowedOrigins {
		if o == "*" {
			s.anyOrig = true
		}
		s.origins[strings.TrimRight(o, "/")] = true
	}
	// Every session may have hold+1 connections, each a fasthttp worker.
	conc := cfg.MaxSessions*(cfg.MaxHold+1) + 1024
	s.http = &fasthttp.Server{
		Handler:               s.Handler(),
		Name:                  "xmppd",
		Concurrency:           conc,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.MaxWait + 30*time.Second,
		MaxRequestBodySize:    cfg.MaxBodySize,
		MaxConnsPerIP:         cfg.MaxConnsPerIP,
		ReduceMemoryUsage:     true,
		NoDefaultContentType:  true,
		CloseOnShutdown:       true,
		TLSConfig:             cfg.TLS,
		Logger:                fasthttpLogger{cfg.Logger},
		SecureErrorLogMessage: true,
	}
	s.sweeper.Add(1)
	go s.sweepLoop()
	return s, nil
}

// ListenAndServe listens on addr (TCP) and serves until Shutdown.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves on ln, over TLS when Config.TLS is set, until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.closing.Load() {
		ln.Close()
		return errors.New("bosh: server shut down")
	}
	if s.cfg.TLS != nil {
		return s.http.ServeTLS(ln, "", "")
	}
	return s.http.Serve(ln)
}

// Shutdown ends every session with system-shutdown, refuses new ones, and
// stops the HTTP server, waiting at most until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		close(s.done)
	})
	for _, b := range s.snapshot() {
		b.mu.Lock()
		b.destroy(condSystemShutdown)
		b.mu.Unlock()
	}
	err := s.http.ShutdownWithContext(ctx)
	s.sweeper.Wait()
	return err
}

// Count is the number of open sessions.
func (s *Server) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

func (s *Server) snapshot() []*boshSession {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := make([]*boshSession, 0, len(s.sessions))
	for _, b := range s.sessions {
		l = append(l, b)
	}
	return l
}

func (s *Server) lookup(sid []byte) *boshSession {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sessions[string(sid)]
}

// add registers b; false when the server is full or shutting down.
func (s *Server) add(b *boshSession) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= s.cfg.MaxSessions || s.closing.Load() {
		return false
	}
	s.sessions[b.sid] = b
	s.Stats.Sessions.Add(1)
	s.Stats.Created.Add(1)
	return true
}

func (s *Server) remove(b *boshSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[b.sid] == b {
		delete(s.sessions, b.sid)
		s.Stats.Sessions.Add(-1)
	}
}

// serves reports whether a session may be opened to domain.
func (s *Server) serves(domain string) bool {
	if s.domains != nil {
		return s.domains[domain]
	}
	return s.cfg.Sessions.Serves(domain)
}

// terminal is the response for a terminal binding condition.
func (s *Server) terminal(legacy bool, cond string) ([]byte, int) {
	status := 200
	if legacy {
		status = legacyStatus(cond)
	}
	return terminalBody(cond), status
}

// sweepLoop destroys inactive sessions (§10).
func (s *Server) sweepLoop() {
	defer s.sweeper.Done()
	for {
		t := s.cfg.Clock.NewTimer(s.cfg.SweepInterval)
		select {
		case <-t.C():
			s.sweep(s.cfg.Clock.Now())
		case <-s.done:
			t.Stop()
			return
		}
	}
}

// sweep answers held requests whose 'wait' is up, and destroys the
// sessions idle for longer than they may be, without telling the client
// (§10: later requests find no session). It returns how many sessions it
// destroyed. It reads two atomics per session and locks only the sessions
// that have something due.
func (s *Server) sweep(now time.Time) int {
	ns := now.UnixNano()
	var due []*boshSession
	s.mu.RLock()
	for _, b := range s.sessions {
		if d := b.deadline.Load(); d != 0 && ns >= d {
			due = append(due, b)
		} else if at := b.idleAt.Load(); at != 0 && ns-at > b.idleLimit.Load() {
			due = append(due, b)
		}
	}
	s.mu.RUnlock()
	n := 0
	for _, b := range due {
		b.mu.Lock()
		b.expire(ns)
		if at := b.idleAt.Load(); !b.ended && b.active == 0 && at != 0 && ns-at > b.idleLimit.Load() {
			b.destroy("")
			s.Stats.Inactive.Add(1)
			n++
		}
		b.mu.Unlock()
	}
	return n
}

// newSID returns an unpredictable session id.
func newSID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newRID returns an unpredictable initial rid, far enough below 2^53.
func newRID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:])>>20 + 1
}

func (s *Server) newSession(domain string, wait time.Duration, hold int, remote netip.Addr, secure bool) *boshSession {
	b := &boshSession{
		srv:      s,
		sid:      newSID(),
		domain:   domain,
		wait:     wait,
		hold:     hold,
		requests: hold + 1,
		content:  defaultContentType,
		remote:   remote,
		secure:   secure || s.cfg.AssumeSecure,
		cache:    newRespCache(hold + 1),
		postSig:  make(chan struct{}, 1),
	}
	b.idleLimit.Store(int64(s.cfg.Inactivity))
	return b
}

const defaultContentType = "text/xml; charset=utf-8"

// create opens a session for a session creation request (§7, XEP-0206 §4).
func (s *Server) create(r *request, remote netip.Addr, secure bool) ([]byte, int, *boshSession, *waiter) {
	legacy := !r.hasVer
	if s.closing.Load() {
		body, st := s.terminal(legacy, condSystemShutdown)
		return body, st, nil, nil
	}
	domain := string(r.to)
	switch {
	case domain == "":
		body, st := s.terminal(legacy, condImproperAddressing)
		return body, st, nil, nil
	case !s.serves(domain) || (r.route != nil && !s.routeOK(r.route)):
		body, st := s.terminal(legacy, condHostUnknown)
		return body, st, nil, nil
	}
	wait := s.cfg.MaxWait
	if r.wait >= 0 && time.Duration(r.wait)*time.Second < wait {
		wait = time.Duration(r.wait) * time.Second
	}
	hold := 1
	if r.hold >= 0 {
		hold = r.hold
	}
	hold = min(hold, s.cfg.MaxHold)
	if wait == 0 {
		hold = 0 // a polling session
	}
	b := s.newSession(domain, wait, hold, remote, secure)
	b.legacy = legacy
	b.acks = r.wantAcks
	b.lang = string(r.lang)
	b.xmppVersion = string(r.xmppVersion)
	if len(r.content) > 0 {
		b.content = string(r.content)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !s.add(b) {
		body, st := s.terminal(legacy, condRemoteConnFailed)
		return body, st, nil, nil
	}
	b.enter()
	defer b.leave()
	b.lastRID = r.rid
	b.lastReqAt = s.cfg.Clock.Now()
	if len(r.newkey) > 0 {
		b.key = append([]byte(nil), r.newkey...)
	}
	b.xs = s.cfg.Sessions.New(b)
	func() {
		defer b.recoverPanic()
		b.openStream(b.lang)
	}()
	if !b.ended && !r.body.FirstChild().IsZero() {
		b.feed(r)
	}
	w := newWaiter(r.rid)
	body := b.creationResponse(r, w)
	if !b.ended {
		b.cache.put(r.rid, body, s.cfg.Clock.Now())
	}
	return body, w.status, b, nil
}

// creationResponse is the session creation response (§7.2), carrying the
// stream features the session sent (XEP-0206 §5).
func (b *boshSession) creationResponse(r *request, w *waiter) []byte {
	s := b.srv
	var out *[]byte
	var fl frameFlags
	b.qmu.Lock()
	out, fl = b.out, b.outFlags
	b.out, b.outFlags = nil, 0
	b.qmu.Unlock()
	defer putOutBuf(out)
	a := bodyAttrs{streamNS: fl&frStreamNS != 0}
	if b.ended {
		a.terminate, a.condition = true, b.endCond
		if b.legacy {
			w.status = legacyStatus(b.endCond)
		}
	}
	dst := appendBodyStart(make([]byte, 0, 512), &a)
	if b.xmppVersion != "" {
		dst = append(dst, " xmlns:xmpp='"+nsXBOSH+"' xmpp:version='1.0' xmpp:restartlogic='true'"...)
	}
	dst = codec.AppendAttr(dst, "sid", b.sid)
	dst = appendIntAttr(dst, "wait", int64(b.wait/time.Second))
	dst = appendIntAttr(dst, "requests", int64(b.requests))
	dst = appendIntAttr(dst, "hold", int64(b.hold))
	dst = appendIntAttr(dst, "inactivity", int64(s.cfg.Inactivity/time.Second))
	dst = appendIntAttr(dst, "polling", int64(s.cfg.Polling/time.Second))
	dst = appendIntAttr(dst, "maxpause", int64(s.cfg.MaxPause/time.Second))
	major, minor := protocolMajor, protocolMinor
	if r.hasVer && (r.verMajor < major || (r.verMajor == major && r.verMinor < minor)) {
		major, minor = r.verMajor, r.verMinor
	}
	dst = codec.AppendAttr(dst, "ver", strconv.Itoa(major)+"."+strconv.Itoa(minor))
	dst = codec.AppendAttr(dst, "from", b.domain)
	if b.streamID != "" {
		dst = codec.AppendAttr(dst, "authid", b.streamID)
	}
	dst = append(dst, " secure='true' charsets='UTF-8' accept='gzip deflate'"...)
	if b.acks {
		dst = appendIntAttr(dst, "ack", int64(r.rid))
	}
	if out == nil || len(*out) == 0 {
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	dst = append(dst, *out...)
	return append(dst, "</body>"...)
}

func appendIntAttr(dst []byte, name string, v int64) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, "='"...)
	dst = strconv.AppendInt(dst, v, 10)
	return append(dst, '\'')
}

// routeOK accepts a 'route' naming a served host (§7.1: "proto:host:port");
// this server proxies to no one else.
func (s *Server) routeOK(route []byte) bool {
	r := string(route)
	if !strings.HasPrefix(r, "xmpp:") {
		return false
	}
	host := r[len("xmpp:"):]
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if _, err := strconv.ParseUint(host[i+1:], 10, 16); err != nil {
			return false
		}
		host = host[:i]
	}
	return s.serves(host)
}

// Errors from Prebind.
var (
	ErrShutdown    = errors.New("bosh: server shut down")
	ErrUnknownUser = errors.New("bosh: no such user")
	ErrFull        = errors.New("bosh: too many sessions")
)

// Prebind creates an authenticated, bound BOSH session for user, whom the
// caller (the portal, over the admin API) has authenticated already: no
// password is involved. user is a localpart of the first configured domain
// or a bare JID of a served one. The browser attaches to the session with
// jid, sid and rid (Strophe's attach takes them as they are: rid is the rid
// of the client's next request) and must do so within the inactivity
// period.
func (s *Server) Prebind(user string) (fullJID, sid string, rid uint64, err error) {
	if s.closing.Load() {
		return "", "", 0, ErrShutdown
	}
	local, domain := user, ""
	if i := strings.IndexByte(user, '@'); i >= 0 {
		j, err := jid.Parse(user)
		if err != nil || !j.IsBare() {
			return "", "", 0, fmt.Errorf("bosh: prebind: %q is not a user or bare JID", user)
		}
		local, domain = j.Local(), j.Domain()
	} else if len(s.cfg.Domains) > 0 {
		domain = s.cfg.Domains[0]
	}
	if domain == "" || !s.serves(domain) {
		return "", "", 0, fmt.Errorf("bosh: prebind: domain of %q is not served", user)
	}
	if s.cfg.Users != nil {
		if _, err := s.cfg.Users.User(local); errors.Is(err, storage.ErrNotFound) {
			return "", "", 0, ErrUnknownUser
		} else if err != nil {
			return "", "", 0, fmt.Errorf("bosh: prebind: %w", err)
		}
	}
	// No address: the portal's is not the user's, and a loopback one
	// would count as local to the session's policies.
	b := s.newSession(domain, s.cfg.MaxWait, min(1, s.cfg.MaxHold), netip.Addr{}, false)
	b.xmppVersion = "1.0"
	b.secure = true // the portal authenticated the user: nothing to protect with TLS-only mechanisms
	first := newRID()
	b.lastRID = first
	b.mu.Lock()
	defer b.mu.Unlock()
	if !s.add(b) {
		return "", "", 0, ErrFull
	}
	b.xs = s.cfg.Sessions.New(b)
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("bosh: prebind: panic: %v", r)
			}
		}()
		b.openStream("")
		if b.ended {
			return errors.New("bosh: prebind: the stream was refused")
		}
		if err := b.xs.AuthenticateExternal(local); err != nil {
			return fmt.Errorf("bosh: prebind: %w", err)
		}
		b.openStream("")
		dec := getDecoder(&clientDecoders, nsClient, s.cfg.MaxBodySize)
		defer putDecoder(&clientDecoders, dec)
		if ev, _, err := dec.Next([]byte("<iq type='set' id='prebind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")); err != nil || ev != codec.EventElement {
			return errors.New("bosh: prebind: cannot build the bind request")
		}
		b.xs.HandleElement(dec.Element())
		if !b.xs.Bound() {
			return errors.New("bosh: prebind: bind failed")
		}
		return nil
	}()
	// What the stream said (features, the bind result) was for us.
	b.qmu.Lock()
	putOutBuf(b.out)
	b.out, b.outFlags = nil, 0
	b.qmu.Unlock()
	if err != nil {
		b.destroy(condUndefined)
		return "", "", 0, err
	}
	b.idleAt.Store(s.cfg.Clock.Now().UnixNano())
	s.Stats.Prebound.Add(1)
	return b.xs.JID().String(), b.sid, first + 1, nil
}

// Decoders are pooled: a body is decoded in one call, and an idle server
// holds none.
var (
	bodyDecoders   sync.Pool
	clientDecoders sync.Pool
)

func getDecoder(p *sync.Pool, defaultNS string, max int) *codec.Decoder {
	if d, ok := p.Get().(*codec.Decoder); ok {
		return d
	}
	return codec.NewFragmentDecoder(codec.Limits{MaxStanzaSize: max}, defaultNS)
}

func putDecoder(p *sync.Pool, d *codec.Decoder) {
	d.Reset()
	p.Put(d)
}
