package bosh

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"io"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/valyala/fasthttp"

	"xmppd/codec"
)

// Handler returns the fasthttp handler serving BOSH at Config.Path, for
// mounting on a server of the caller's own (the public HTTP listener).
//
// The handler owns its RequestCtx for as long as it runs and no longer:
// held requests block inside it, and other goroutines reach them only
// through the session's queue and channels (DEPENDENCY-NOTES §3).
func (s *Server) Handler() fasthttp.RequestHandler { return s.serveHTTP }

func (s *Server) serveHTTP(ctx *fasthttp.RequestCtx) {
	path := ctx.Path()
	if string(path) != s.cfg.Path && !(len(path) == len(s.cfg.Path)+1 && string(path[:len(path)-1]) == s.cfg.Path && path[len(path)-1] == '/') {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	s.Stats.Requests.Add(1)
	corsOK := s.cors(ctx)
	switch string(ctx.Method()) {
	case fasthttp.MethodPost:
	case fasthttp.MethodOptions:
		s.preflight(ctx, corsOK)
		return
	default:
		ctx.Error("BOSH takes POST", fasthttp.StatusMethodNotAllowed)
		ctx.Response.Header.Set("Allow", "POST, OPTIONS")
		return
	}
	if !corsOK {
		ctx.Error("origin not allowed", fasthttp.StatusForbidden)
		return
	}
	raw, status := s.requestBody(ctx)
	if status != 0 {
		s.Stats.BadRequests.Add(1)
		s.write(ctx, status, defaultContentType, terminalBody(condBadRequest))
		return
	}
	j := jobPool.Get().(*job)
	j.s, j.raw, j.remote, j.secure = s, raw, s.remoteAddr(ctx), ctx.IsTLS()
	// The body is processed on a goroutine of its own, which exits when
	// done: decoding and the session's work can be deep, and a stack that
	// grew for them would stay grown (the runtime shrinks a stack only
	// when less than a quarter of it minus ~800 bytes is in use, and
	// fasthttp's frames alone take ~1 KB) for as long as the request is
	// then held. This goroutine only waits, and stays at its first size.
	go j.run()
	<-j.done
	resp, st, b, w := j.resp, j.st, j.b, j.w
	*j = job{done: j.done}
	jobPool.Put(j)
	ctype := defaultContentType
	if b != nil {
		ctype = b.content
		if w != nil {
			resp, st = b.park(w)
		}
	}
	s.write(ctx, st, ctype, resp)
}

// job is one request body handed to a processing goroutine. raw belongs
// to the RequestCtx, whose handler waits on done meanwhile.
type job struct {
	s      *Server
	raw    []byte
	remote netip.Addr
	secure bool
	resp   []byte
	st     int
	b      *boshSession
	w      *waiter
	done   chan struct{}
}

var jobPool = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

func (j *job) run() {
	defer func() {
		if r := recover(); r != nil {
			j.s.Stats.Panics.Add(1)
			j.s.cfg.Logger.Error("panic serving a BOSH request", "panic", r, "stack", string(debug.Stack()))
			j.resp, j.st, j.b, j.w = terminalBody(condUndefined), fasthttp.StatusInternalServerError, nil, nil
		}
		j.done <- struct{}{}
	}()
	j.resp, j.st, j.b, j.w = j.s.dispatch(j.raw, j.remote, j.secure)
}

// serve is dispatch and wait, for tests.
func (s *Server) serve(raw []byte, remote netip.Addr, secure bool) ([]byte, int, string) {
	resp, st, b, w := s.dispatch(raw, remote, secure)
	if b == nil {
		return resp, st, defaultContentType
	}
	if w != nil {
		resp, st = b.park(w)
	}
	return resp, st, b.content
}

// dispatch serves one request body: it decodes the wrapper and hands it to
// session creation or to its session. It returns the response body and
// HTTP status, and the session, if any, whose Content-Type the response
// takes; or a waiter the caller must hold with the session's park.
func (s *Server) dispatch(raw []byte, remote netip.Addr, secure bool) ([]byte, int, *boshSession, *waiter) {
	dec := getDecoder(&bodyDecoders, "", s.cfg.MaxBodySize)
	defer putDecoder(&bodyDecoders, dec)
	body, ok := decodeBody(dec, raw)
	if !ok {
		s.Stats.BadRequests.Add(1)
		return terminalBody(condBadRequest), fasthttp.StatusBadRequest, nil, nil
	}
	var r request
	if !parseRequest(body, &r) {
		s.Stats.BadRequests.Add(1)
		if sid := body.Attr("sid"); len(sid) > 0 {
			if b := s.lookup(sid); b != nil {
				// A binding syntax error is terminal for its session
				// (§17.2).
				b.mu.Lock()
				resp, st := b.fail(condBadRequest)
				b.mu.Unlock()
				return resp, st, b, nil
			}
		}
		return terminalBody(condBadRequest), fasthttp.StatusBadRequest, nil, nil
	}
	if len(r.sid) == 0 {
		return s.create(&r, remote, secure)
	}
	b := s.lookup(r.sid)
	if b == nil {
		// No session to tell a legacy client from another: the binding
		// condition, which every current client reads.
		return terminalBody(condItemNotFound), fasthttp.StatusOK, nil, nil
	}
	resp, st, w := b.handle(&r)
	return resp, st, b, w
}

// remoteAddr is the client's address: the peer's, or with
// TrustForwardedFor and a loopback peer, the proxy's last X-Forwarded-For
// entry.
func (s *Server) remoteAddr(ctx *fasthttp.RequestCtx) netip.Addr {
	remote, _ := netip.AddrFromSlice(ctx.RemoteIP())
	remote = remote.Unmap()
	if !s.cfg.TrustForwardedFor || !remote.IsLoopback() {
		return remote
	}
	xff := ctx.Request.Header.Peek("X-Forwarded-For")
	if i := bytes.LastIndexByte(xff, ','); i >= 0 {
		xff = xff[i+1:]
	}
	if a, err := netip.ParseAddr(string(bytes.TrimSpace(xff))); err == nil {
		return a.Unmap()
	}
	return remote
}

// decodeBody decodes a request body: exactly one <body/> in the httpbind
// namespace, white space around it allowed.
func decodeBody(dec *codec.Decoder, raw []byte) (codec.Element, bool) {
	ev, n, err := dec.Next(raw)
	if err != nil || ev != codec.EventElement {
		return codec.Element{}, false
	}
	body := dec.Element()
	if !body.Is("body", nsHTTPBind) {
		return codec.Element{}, false
	}
	for _, c := range raw[n:] {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return codec.Element{}, false
		}
	}
	return body, true
}

// requestBody returns the request body, inflated if the client compressed
// it (the creation response's 'accept'); status is non-zero on failure.
func (s *Server) requestBody(ctx *fasthttp.RequestCtx) ([]byte, int) {
	raw := ctx.PostBody()
	enc := ctx.Request.Header.ContentEncoding()
	if len(enc) == 0 || string(enc) == "identity" {
		return raw, 0
	}
	var r io.Reader
	switch string(enc) {
	case "gzip":
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		if err := zr.Reset(bytes.NewReader(raw)); err != nil {
			return nil, fasthttp.StatusBadRequest
		}
		defer gzipReaders.Put(zr)
		r = zr
	case "deflate":
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fasthttp.StatusBadRequest
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fasthttp.StatusUnsupportedMediaType
	}
	// Inflate at most MaxBodySize: a small bomb must not become a big body.
	buf := bytes.NewBuffer(make([]byte, 0, 4*len(raw)))
	n, err := io.Copy(buf, io.LimitReader(r, int64(s.cfg.MaxBodySize)+1))
	switch {
	case err != nil:
		return nil, fasthttp.StatusBadRequest
	case n > int64(s.cfg.MaxBodySize):
		return nil, fasthttp.StatusRequestEntityTooLarge
	}
	return buf.Bytes(), 0
}

var gzipReaders sync.Pool

// cors sets the CORS response headers for an allowed origin. False when
// the request comes from an origin that is not allowed.
func (s *Server) cors(ctx *fasthttp.RequestCtx) bool {
	origin := ctx.Request.Header.Peek("Origin")
	if len(origin) == 0 {
		return true // not a cross-origin browser request
	}
	h := &ctx.Response.Header
	switch {
	case s.anyOrig:
		h.Set("Access-Control-Allow-Origin", "*")
	case s.origins[string(origin)]:
		h.SetBytesV("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	default:
		return false
	}
	return true
}

// preflight answers a CORS preflight (OPTIONS).
func (s *Server) preflight(ctx *fasthttp.RequestCtx, ok bool) {
	if !ok {
		ctx.Error("origin not allowed", fasthttp.StatusForbidden)
		return
	}
	h := &ctx.Response.Header
	h.Set("Allow", "POST, OPTIONS")
	if len(ctx.Request.Header.Peek("Origin")) > 0 {
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, Content-Encoding")
		h.Set("Access-Control-Max-Age", "86400")
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
}

// write sends a response body, compressed when the client accepts it and
// it is worth it. The body is copied into fasthttp's buffer: it may be
// shared (the empty body) or cached by the session.
func (s *Server) write(ctx *fasthttp.RequestCtx, status int, contentType string, body []byte) {
	ctx.SetStatusCode(status)
	h := &ctx.Response.Header
	h.SetContentType(contentType)
	h.Set("Cache-Control", "no-store")
	if s.cfg.CompressMin < 0 || len(body) < s.cfg.CompressMin {
		ctx.SetBody(body)
		return
	}
	h.Add("Vary", "Accept-Encoding")
	switch acceptedEncoding(ctx.Request.Header.Peek("Accept-Encoding")) {
	case encGzip:
		h.Set("Content-Encoding", "gzip")
		appendGzip(ctx.Response.BodyWriter(), body)
	case encDeflate:
		h.Set("Content-Encoding", "deflate")
		appendZlib(ctx.Response.BodyWriter(), body)
	default:
		ctx.SetBody(body)
		return
	}
	s.Stats.Compressed.Add(1)
}

type encoding uint8

const (
	encIdentity encoding = iota
	encGzip
	encDeflate
)

// acceptedEncoding picks gzip, then deflate, from an Accept-Encoding
// header, honouring q=0.
func acceptedEncoding(h []byte) encoding {
	gz, df := false, false
	for len(h) > 0 {
		var item []byte
		if i := bytes.IndexByte(h, ','); i >= 0 {
			item, h = h[:i], h[i+1:]
		} else {
			item, h = h, nil
		}
		name := item
		var params []byte
		if i := bytes.IndexByte(item, ';'); i >= 0 {
			name, params = item[:i], item[i+1:]
		}
		name = bytes.TrimSpace(name)
		if q := bytes.TrimSpace(params); bytes.HasPrefix(q, []byte("q=")) && isZeroQ(q[2:]) {
			continue
		}
		switch {
		case bytes.EqualFold(name, []byte("gzip")):
			gz = true
		case bytes.EqualFold(name, []byte("deflate")):
			df = true
		case string(name) == "*":
			gz = true
		}
	}
	switch {
	case gz:
		return encGzip
	case df:
		return encDeflate
	}
	return encIdentity
}

func isZeroQ(q []byte) bool {
	q = bytes.TrimSpace(q)
	if len(q) == 0 || q[0] != '0' {
		return false
	}
	for _, c := range q[1:] {
		if c != '.' && c != '0' {
			return false
		}
	}
	return true
}

// appendGzip writes p as one gzip member, compressed statelessly: a whole
// response is one write, so a stateless deflater compresses as well as a
// level-1 one (6.3% vs 6.2% on a 200-item roster) at 0.3 KiB instead of
// ~800 KiB of pooled writer state (DEPENDENCY-NOTES §5).
func appendGzip(w io.Writer, p []byte) {
	var hdr = [10]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}
	_, _ = w.Write(hdr[:])
	_ = flate.StatelessDeflate(w, p, true, nil)
	var tr [8]byte
	binary.LittleEndian.PutUint32(tr[:4], crc32.ChecksumIEEE(p))
	binary.LittleEndian.PutUint32(tr[4:], uint32(len(p)))
	_, _ = w.Write(tr[:])
}

// appendZlib writes p as a zlib stream (HTTP's "deflate", RFC 9110 §8.4.1.2).
func appendZlib(w io.Writer, p []byte) {
	_, _ = w.Write([]byte{0x78, 0x01})
	_ = flate.StatelessDeflate(w, p, true, nil)
	var tr [4]byte
	binary.BigEndian.PutUint32(tr[:], adler32.Checksum(p))
	_, _ = w.Write(tr[:])
}

// fasthttpLogger sends fasthttp's own messages to the configured logger.
type fasthttpLogger struct{ l *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.l.Warn("fasthttp: " + fmt.Sprintf(format, args...))
}
