package tlspipe

import (
	"crypto/tls"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// ChannelBindingLabel is the RFC 9266 exporter label for tls-exporter.
const ChannelBindingLabel = "EXPORTER-Channel-Binding"

const (
	stateHandshaking uint32 = iota
	stateReady
	stateClosed
)

// Pipe is one server-side TLS connection over a Socket. See the package
// documentation for the model and which methods belong to the loop.
type Pipe struct {
	sock Socket
	cfg  *Config
	tc   *tls.Conn

	state atomic.Uint32 // stateX; changed only with mu held

	mu       sync.Mutex // guards the following fields
	cond     sync.Cond  // L = &mu; signalled when in grows or the pipe closes
	in       []byte     // ciphertext not yet read by tc
	borrowed bool       // in is the loop's buffer, lent for one Input call
	err      error      // why the pipe closed
	timer    *time.Timer
	queued   bool // handed to the Handshaker (once the first record is in)
	reported bool // OnHandshake called, or not to be called

	omu     sync.Mutex // guards the following fields; taken inside tls.Conn's output lock
	writers int        // Write calls in progress: sealed records go to batch
	batch   *chunk
}

// Server starts the server side of TLS on sock. initial is ciphertext that
// arrived before the pipe existed (the bytes after <starttls/> in the same
// read); it is copied. The handshake timer starts now; the handshake is
// queued on cfg.Handshaker as soon as the first TLS record (the ClientHello)
// is complete, so a client that connects and says nothing holds no worker.
// On error nothing was started and sock is left alone.
func Server(sock Socket, cfg *Config, initial []byte) (*Pipe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(initial) > cfg.maxBufferedInput() {
		return nil, ErrInputOverflow
	}
	p := &Pipe{sock: sock, cfg: cfg}
	p.cond.L = &p.mu
	if len(initial) > 0 {
		p.in = append([]byte(nil), initial...)
	}
	p.tc = tls.Server((*wire)(p), cfg.TLS)
	p.mu.Lock()
	p.timer = time.AfterFunc(cfg.handshakeTimeout(), p.expire)
	start := p.startLocked()
	p.mu.Unlock()
	if start {
		if err := cfg.Handshaker.submit(p); err != nil {
			p.mu.Lock()
			p.reported = true // no pipe for the caller: nothing to report
			p.closeLocked(err)
			p.mu.Unlock()
			return nil, err
		}
	}
	return p, nil
}

// startLocked reports whether the handshake should be queued now, and
// marks it queued; mu is held.
func (p *Pipe) startLocked() bool {
	if p.queued || p.state.Load() != stateHandshaking || !firstRecordIn(p.in) {
		return false
	}
	p.queued = true
	return true
}

// firstRecordIn reports whether b holds a whole first TLS record, or
// something crypto/tls will reject at once (so it may as well run now).
func firstRecordIn(b []byte) bool {
	const header = 5
	if len(b) == 0 {
		return false
	}
	if b[0] != 0x16 { // not a handshake record: garbage, fail fast
		return true
	}
	if len(b) < header {
		return false
	}
	n := int(b[3])<<8 | int(b[4])
	return n > 1<<14 || len(b) >= header+n
}

// handshake runs on a Handshaker worker.
func (p *Pipe) handshake() {
	if p.state.Load() != stateHandshaking {
		return // closed while queued; already reported
	}
	start := time.Now()
	err := p.tc.Handshake()
	took := time.Since(start)

	p.mu.Lock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	report := !p.reported
	p.reported = true
	switch {
	case p.state.Load() != stateHandshaking:
		err = p.err // closed meanwhile, and reported then
	case err == nil:
		p.state.Store(stateReady)
	}
	p.mu.Unlock()

	if err == nil {
		_ = p.sock.Wake()
	} else {
		p.fail(err, false)
	}
	if report && p.cfg.OnHandshake != nil {
		p.cfg.OnHandshake(err, took)
	}
}

// expire is the handshake timer's callback.
func (p *Pipe) expire() { p.fail(ErrHandshakeTimeout, true) }

// fail closes the pipe and the socket for reason err, unless the pipe is
// closed already (or, with onlyHandshaking, no longer handshaking). A
// handshake it cuts short is reported to OnHandshake with err.
func (p *Pipe) fail(err error, onlyHandshaking bool) {
	p.mu.Lock()
	st := p.state.Load()
	if st == stateClosed || (onlyHandshaking && st != stateHandshaking) {
		p.mu.Unlock()
		return
	}
	report := st == stateHandshaking && !p.reported
	p.reported = true
	p.closeLocked(err)
	p.mu.Unlock()
	_ = p.sock.Close()
	if report && p.cfg.OnHandshake != nil {
		p.cfg.OnHandshake(err, 0)
	}
}

func (p *Pipe) closeLocked(err error) {
	p.state.Store(stateClosed)
	p.err = err
	p.in, p.borrowed = nil, false
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.cond.Broadcast()
}

// Close closes the pipe and its socket without a close_notify alert (see
// CloseWrite). It is idempotent, safe from any goroutine, and unblocks a
// pending or queued handshake, which then fails with ErrClosed. Call it from
// OnClose too, so that a peer that disconnects mid-handshake frees its
// worker at once.
func (p *Pipe) Close() error {
	p.fail(ErrClosed, false)
	return nil
}

// CloseWrite sends a close_notify alert; the connection stays open for
// reading. Safe from any goroutine once the pipe is ready.
func (p *Pipe) CloseWrite() error {
	if err := p.usable(); err != nil {
		return err
	}
	p.omu.Lock()
	p.writers++
	p.omu.Unlock()
	err := p.tc.CloseWrite()
	return p.endWrite(err)
}

// Ready reports whether the handshake completed and the pipe is open.
func (p *Pipe) Ready() bool { return p.state.Load() == stateReady }

// Err reports why the pipe closed, or nil while it is open.
func (p *Pipe) Err() error {
	if p.state.Load() != stateClosed {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *Pipe) usable() error {
	switch p.state.Load() {
	case stateReady:
		return nil
	case stateHandshaking:
		return ErrHandshaking
	}
	return p.Err()
}

// Feed hands ciphertext read from the socket to the pipe; b is copied. Call
// it on the loop. Feeding more than Config.MaxBufferedInput that has not
// been consumed yet fails with ErrInputOverflow, and a full handshake queue
// (Handshaker's maxQueued) with ErrOverloaded; both close the pipe.
func (p *Pipe) Feed(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p.mu.Lock()
	if p.state.Load() == stateClosed {
		err := p.err
		p.mu.Unlock()
		return err
	}
	if len(p.in)+len(b) > p.cfg.maxBufferedInput() {
		p.mu.Unlock()
		p.fail(ErrInputOverflow, false)
		return ErrInputOverflow
	}
	p.in = append(p.in, b...)
	p.cond.Signal()
	start := p.startLocked()
	p.mu.Unlock()
	if start {
		if err := p.cfg.Handshaker.submit(p); err != nil {
			p.fail(err, false)
			return err
		}
	}
	return nil
}

// ReadPlain passes all plaintext that the ciphertext fed so far decrypts to,
// record by record, to fn, and returns when crypto/tls needs more input. The
// slice given to fn is valid only during the call. During the handshake it
// does nothing and returns nil. Call it on the loop; fn may call Write and
// Close.
//
// io.EOF means the peer sent close_notify; the pipe stays open for writing
// (to end the XML stream) until the caller closes it. Any other error means
// the pipe is closed, with the socket's close queued behind any alert
// crypto/tls sent (see the package documentation).
func (p *Pipe) ReadPlain(fn func(plain []byte)) error {
	if err := p.usable(); err != nil {
		if err == ErrHandshaking {
			return nil
		}
		return err
	}
	buf := plainPool.Get().(*[plainBufSize]byte)
	defer plainPool.Put(buf)
	for {
		n, err := p.tc.Read(buf[:])
		if n > 0 {
			fn(buf[:n])
		}
		if err != nil {
			if errors.Is(err, errWouldBlock) {
				err = p.checkDrained()
				if err == nil {
					return nil
				}
			}
			if err != io.EOF {
				p.fail(err, false) // after any alert crypto/tls queued
			}
			return err
		}
		if p.state.Load() != stateReady { // fn closed the pipe
			return p.Err()
		}
	}
}

// checkDrained verifies the invariant the design rests on: "would block" is
// reported only once every byte was handed to crypto/tls. If crypto/tls ever
// made that error sticky it would return it without reading, and the
// connection would stall silently; fail it instead.
func (p *Pipe) checkDrained() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.in) > 0 {
		return errStalled
	}
	return nil
}

// Input is Feed followed by ReadPlain, without copying b when the pipe is
// ready: crypto/tls reads straight from b, and whatever it has not consumed
// when Input returns is copied. This is the call for OnTraffic, with the
// bytes from Conn.Next(-1); call it with nil after a Wake.
func (p *Pipe) Input(b []byte, fn func(plain []byte)) error {
	if len(b) > 0 && p.state.Load() == stateReady {
		p.mu.Lock()
		if len(p.in) == 0 && p.state.Load() == stateReady {
			p.in, p.borrowed = b, true
			p.mu.Unlock()
			err := p.ReadPlain(fn)
			p.mu.Lock()
			if p.borrowed {
				if len(p.in) > 0 { // only after an error: keep nothing of the loop's buffer
					p.in = append([]byte(nil), p.in...)
				} else {
					p.in = nil
				}
				p.borrowed = false
			}
			p.mu.Unlock()
			return err
		}
		p.mu.Unlock()
	}
	if err := p.Feed(b); err != nil {
		return err
	}
	return p.ReadPlain(fn)
}

// Write encrypts plain and queues the records on the socket. Safe from any
// goroutine, including from inside ReadPlain's callback. It fails with
// ErrHandshaking before the handshake completes: the caller holds its
// output until the pipe is ready (it learns that from the Wake).
func (p *Pipe) Write(plain []byte) (int, error) {
	if err := p.usable(); err != nil {
		return 0, err
	}
	p.omu.Lock()
	p.writers++
	p.omu.Unlock()
	n, err := p.tc.Write(plain)
	return n, p.endWrite(err)
}

// endWrite flushes the records batched during a Write. Records that another
// goroutine sealed meanwhile are in the batch too, behind ours, so the
// flush preserves sealing order; records sealed after it go straight out.
func (p *Pipe) endWrite(err error) error {
	p.omu.Lock()
	p.writers--
	if c := p.batch; c != nil {
		p.batch = nil
		if werr := p.sendLocked(c); err == nil {
			err = werr
		}
	}
	p.omu.Unlock()
	return err
}

// sendLocked hands c to the socket; omu is held, which keeps the order.
func (p *Pipe) sendLocked(c *chunk) error {
	if c.class < 0 {
		return p.sock.AsyncWrite(c.b, nil)
	}
	return p.sock.AsyncWrite(c.b, c.done)
}

// ConnectionState returns the negotiated state while the pipe is ready; ok
// is false during the handshake and once the pipe is closed.
func (p *Pipe) ConnectionState() (cs tls.ConnectionState, ok bool) {
	if p.state.Load() != stateReady {
		// Not before: it would wait for the handshake lock. Not after Close:
		// a failing handshake may still hold that lock.
		return tls.ConnectionState{}, false
	}
	return p.tc.ConnectionState(), true
}

// ChannelBinding returns the RFC 9266 tls-exporter channel binding (32
// bytes) for SCRAM-*-PLUS. It needs TLS 1.3 and a completed handshake.
func (p *Pipe) ChannelBinding() ([]byte, error) {
	cs, ok := p.ConnectionState()
	if !ok {
		if err := p.usable(); err != nil {
			return nil, err
		}
		return nil, ErrHandshaking
	}
	if cs.Version != tls.VersionTLS13 {
		return nil, ErrNoChannelBinding
	}
	return cs.ExportKeyingMaterial(ChannelBindingLabel, nil, 32)
}
