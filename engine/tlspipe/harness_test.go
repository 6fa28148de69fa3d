package tlspipe

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xmppd/internal/selfcert"
)

// upper bounds only: tests never sleep to synchronise.
const testTimeout = 20 * time.Second

func testCerts(t testing.TB) (server tls.Certificate, roots *x509.CertPool) {
	t.Helper()
	c, _, err := selfcert.LoadOrCreate(selfcert.Options{Dir: t.TempDir(), Names: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(c.Leaf)
	return c, roots
}

type testEnv struct {
	t      testing.TB
	loop   *fakeLoop
	cfg    *Config
	roots  *x509.CertPool
	events chan hsEvent // from OnHandshake
}

type hsEvent struct {
	err  error
	took time.Duration
}

func newEnv(t testing.TB, workers int, tweak func(*Config)) *testEnv {
	cert, roots := testCerts(t)
	e := &testEnv{t: t, loop: newFakeLoop(t), roots: roots, events: make(chan hsEvent, 4096)}
	e.cfg = &Config{
		TLS:        &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Handshaker: NewHandshaker(workers, 0),
		OnHandshake: func(err error, took time.Duration) {
			e.events <- hsEvent{err, took}
		},
	}
	if tweak != nil {
		tweak(e.cfg)
	}
	return e
}

func (e *testEnv) clientConfig(max uint16) *tls.Config {
	return &tls.Config{RootCAs: e.roots, ServerName: "localhost", MaxVersion: max}
}

// handshakeEvent waits for the next OnHandshake.
func (e *testEnv) handshakeEvent() hsEvent {
	e.t.Helper()
	select {
	case ev := <-e.events:
		return ev
	case <-time.After(testTimeout):
		e.t.Fatal("no handshake event")
		return hsEvent{}
	}
}

// fakeLoop stands in for a gnet event loop: one goroutine running posted
// functions in order. Posting never blocks, like gnet's task queue.
type fakeLoop struct {
	mu   sync.Mutex
	q    []func()
	sig  chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newFakeLoop(t testing.TB) *fakeLoop {
	l := &fakeLoop{sig: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	t.Cleanup(func() { close(l.stop); <-l.done })
	return l
}

func (l *fakeLoop) post(fn func()) {
	l.mu.Lock()
	l.q = append(l.q, fn)
	l.mu.Unlock()
	select {
	case l.sig <- struct{}{}:
	default:
	}
}

// call runs fn on the loop and waits for it.
func (l *fakeLoop) call(fn func()) {
	done := make(chan struct{})
	l.post(func() { fn(); close(done) })
	<-done
}

func (l *fakeLoop) run() {
	defer close(l.done)
	for {
		l.mu.Lock()
		q := l.q
		l.q = nil
		l.mu.Unlock()
		for _, fn := range q {
			fn()
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-l.sig:
		case <-l.stop:
			return
		}
	}
}

// byteQueue carries bytes from the server's socket to the client.
type byteQueue struct {
	mu     sync.Mutex
	cond   sync.Cond
	buf    []byte
	total  int64
	closed bool
}

func newByteQueue() *byteQueue {
	q := &byteQueue{}
	q.cond.L = &q.mu
	return q
}

func (q *byteQueue) written() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

func (q *byteQueue) write(b []byte) {
	q.mu.Lock()
	q.total += int64(len(b))
	q.buf = append(q.buf, b...)
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *byteQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *byteQueue) read(b []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.buf) == 0 {
		if q.closed {
			return 0, io.EOF
		}
		q.cond.Wait()
	}
	n := copy(b, q.buf)
	q.buf = q.buf[n:]
	if len(q.buf) == 0 {
		q.buf = nil
	}
	return n, nil
}

func (q *byteQueue) snapshot() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]byte(nil), q.buf...)
}

// fakeSocket is the Socket of one server connection, with gnet's ordering:
// writes, wakes and close run on the loop in the order they were posted.
type fakeSocket struct {
	loop     *fakeLoop
	out      *byteQueue
	traffic  func([]byte) // the server's OnTraffic, on the loop
	onClose  func()       // the server's OnClose, on the loop
	closed   bool         // loop-only
	closedCh chan struct{}
	wroteCh  chan struct{} // closed when the first write reaches the wire
	writes   atomic.Int64
	pending  atomic.Int64 // AsyncWrites whose done has not run
}

func newFakeSocket(l *fakeLoop) *fakeSocket {
	return &fakeSocket{loop: l, out: newByteQueue(), closedCh: make(chan struct{}), wroteCh: make(chan struct{})}
}

func (s *fakeSocket) AsyncWrite(b []byte, done func()) error {
	s.writes.Add(1)
	s.pending.Add(1)
	s.loop.post(func() {
		if !s.closed {
			if s.out.written() == 0 {
				close(s.wroteCh)
			}
			s.out.write(b)
		}
		s.pending.Add(-1)
		if done != nil {
			done()
		}
	})
	return nil
}

func (s *fakeSocket) Wake() error {
	s.loop.post(func() {
		if !s.closed && s.traffic != nil { // nil: detached by the memory test
			s.traffic(nil)
		}
	})
	return nil
}

func (s *fakeSocket) Close() error {
	s.loop.post(s.closeOnLoop)
	return nil
}

func (s *fakeSocket) closeOnLoop() {
	if s.closed {
		return
	}
	s.closed = true
	s.out.close()
	close(s.closedCh)
	if s.onClose != nil {
		s.onClose()
	}
}

// waitWrote waits until the server wrote something (its first flight).
func (s *fakeSocket) waitWrote(t testing.TB) {
	t.Helper()
	select {
	case <-s.wroteCh:
	case <-time.After(testTimeout):
		t.Fatal("server wrote nothing")
	}
}

func (s *fakeSocket) waitClosed(t testing.TB) {
	t.Helper()
	select {
	case <-s.closedCh:
	case <-time.After(testTimeout):
		t.Fatal("socket not closed")
	}
}

// serverConn is the engine's side of one connection: it starts the pipe
// (at once for direct TLS, after <starttls/> otherwise), feeds it and
// echoes plaintext back.
type serverConn struct {
	env      *testEnv
	sock     *fakeSocket
	p        *Pipe
	starttls bool
	pre      []byte       // plaintext before <starttls/>
	got      bytes.Buffer // plaintext received
	noEcho   bool
	inputErr error
	ready    chan struct{} // closed at the first traffic after the handshake
}

func (e *testEnv) newServerConn(starttls bool) *serverConn {
	s := &serverConn{env: e, sock: newFakeSocket(e.loop), starttls: starttls, ready: make(chan struct{})}
	s.sock.traffic = s.onTraffic
	s.sock.onClose = func() {
		if s.p != nil {
			s.p.Close()
		}
	}
	if !starttls {
		e.loop.call(func() { s.start(nil) }) // OnOpen
	}
	return s
}

func (s *serverConn) start(initial []byte) {
	p, err := Server(s.sock, s.env.cfg, initial)
	if err != nil {
		s.inputErr = err
		s.sock.closeOnLoop()
		return
	}
	s.p = p
}

func (s *serverConn) onTraffic(b []byte) {
	if s.p == nil {
		s.pre = append(s.pre, b...)
		i := bytes.Index(s.pre, []byte("<starttls/>"))
		if i < 0 {
			return
		}
		tail := s.pre[i+len("<starttls/>"):]
		s.sock.AsyncWrite([]byte("<proceed/>"), nil)
		s.start(tail)
		return
	}
	if s.p.Ready() {
		select {
		case <-s.ready:
		default:
			close(s.ready)
		}
	}
	if err := s.p.Input(b, s.plain); err != nil {
		s.inputErr = err
		if err == io.EOF {
			s.sock.closeOnLoop() // return gnet.Close
		}
		// Otherwise the pipe closed itself, behind its alert: gnet.None.
	}
}

func (s *serverConn) plain(b []byte) {
	s.got.Write(b)
	if !s.noEcho {
		if _, err := s.p.Write(b); err != nil {
			s.env.t.Errorf("echo: %v", err)
		}
	}
}

// dial returns a client net.Conn wired to the server connection. pieces,
// if not nil, says how many bytes each delivery to the server carries.
func (s *serverConn) dial(pieces func() int) *clientConn {
	return &clientConn{srv: s, pieces: pieces}
}

type clientConn struct {
	srv     *serverConn
	pieces  func() int
	prefix  []byte   // sent together with the first write
	strip   []byte   // expected before the server's first bytes
	capture bool     // keep writes in captured instead of delivering them
	records [][]byte // captured writes
}

func (c *clientConn) Read(b []byte) (int, error) {
	if len(c.strip) > 0 {
		want := c.strip
		c.strip = nil
		got := make([]byte, len(want))
		if _, err := io.ReadFull(readerFunc(c.srv.sock.out.read), got); err != nil {
			return 0, err
		}
		if !bytes.Equal(got, want) {
			return 0, &net.OpError{Op: "read", Err: io.ErrUnexpectedEOF}
		}
	}
	return c.srv.sock.out.read(b)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

func (c *clientConn) Write(b []byte) (int, error) {
	if c.capture {
		c.records = append(c.records, append([]byte(nil), b...))
		return len(b), nil
	}
	data := append(append([]byte(nil), c.prefix...), b...)
	c.prefix = nil
	s := c.srv
	for len(data) > 0 {
		n := len(data)
		if c.pieces != nil {
			n = min(c.pieces(), n)
		}
		piece := data[:n]
		data = data[n:]
		s.sock.loop.post(func() {
			if !s.sock.closed {
				s.onTraffic(piece)
			}
		})
	}
	return len(b), nil
}

func (c *clientConn) Close() error {
	c.srv.sock.Close() // the peer hangs up: OnClose runs
	return nil
}

func (c *clientConn) LocalAddr() net.Addr                { return pipeAddr{} }
func (c *clientConn) RemoteAddr() net.Addr               { return pipeAddr{} }
func (c *clientConn) SetDeadline(t time.Time) error      { return nil }
func (c *clientConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *clientConn) SetWriteDeadline(t time.Time) error { return nil }

// run runs fn on a new goroutine and waits for it with an upper bound.
func run(t testing.TB, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- fn() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(testTimeout):
		t.Fatal("timed out")
	}
}

// clientHello returns the first flight of a TLS client: one ClientHello record.
func clientHello(t testing.TB, cfg *tls.Config) []byte {
	t.Helper()
	c := &captureConn{}
	_ = tls.Client(c, cfg).Handshake() // fails once it tries to read
	if len(c.buf) < 5 || c.buf[0] != 0x16 {
		t.Fatalf("no ClientHello: %x", c.buf)
	}
	return c.buf
}

type captureConn struct {
	clientConn
	buf []byte
}

func (c *captureConn) Write(b []byte) (int, error) { c.buf = append(c.buf, b...); return len(b), nil }
func (c *captureConn) Read([]byte) (int, error)    { return 0, io.EOF }

// stall sends a ClientHello on s and never answers the server's flight:
// the handshake then occupies a worker until the pipe is closed.
func (s *serverConn) stall(t testing.TB) {
	t.Helper()
	s.dial(nil).Write(clientHello(t, s.env.clientConfig(tls.VersionTLS13)))
	s.sock.waitWrote(t)
}

func bufioReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }

func readFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }
