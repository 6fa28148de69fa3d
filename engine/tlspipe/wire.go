package tlspipe

import (
	"net"
	"time"
)

// wouldBlock is what the in-memory conn's Read returns once it has no more
// ciphertext and the handshake is over. crypto/tls does not make an error
// sticky when its Temporary method reports true, and it keeps the partial
// record it has read so far, so the next Read resumes.
type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tlspipe: would block" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

var errWouldBlock net.Error = wouldBlock{}

// wire is the net.Conn that tls.Conn reads ciphertext from and writes
// records to. It is a Pipe under another method set, so it costs nothing.
type wire Pipe

// Read gives crypto/tls the ciphertext fed so far. During the handshake (on
// the handshake goroutine) it blocks until the loop feeds more or the pipe
// closes; afterwards (on the loop) it returns errWouldBlock instead.
func (w *wire) Read(b []byte) (int, error) {
	p := (*Pipe)(w)
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.in) == 0 {
		switch p.state.Load() {
		case stateClosed:
			return 0, net.ErrClosed
		case stateReady:
			return 0, errWouldBlock
		}
		p.cond.Wait()
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	if len(p.in) == 0 && !p.borrowed {
		p.in = nil // release the handshake-time buffer
	}
	return n, nil
}

// Write queues one record (or, during the handshake, one flight) on the
// socket. tls.Conn calls it with its output lock held, so calls arrive in
// sealing order; omu keeps that order into AsyncWrite. The bytes are copied
// because crypto/tls reuses its buffer.
func (w *wire) Write(b []byte) (int, error) {
	p := (*Pipe)(w)
	p.omu.Lock()
	defer p.omu.Unlock()
	if p.writers > 0 {
		p.appendBatchLocked(b)
		return len(b), nil
	}
	c := getChunk(len(b))
	c.b = append(c.b, b...)
	if err := p.sendLocked(c); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *Pipe) appendBatchLocked(b []byte) {
	c := p.batch
	if c != nil && len(c.b)+len(b) > cap(c.b) {
		if need := len(c.b) + len(b); need <= maxBatch {
			bigger := getChunk(min(max(2*need, 2<<10), maxBatch))
			bigger.b = append(bigger.b, c.b...)
			c.release()
			c = bigger
		} else {
			_ = p.sendLocked(c) // an error resurfaces on the next write
			c = nil
		}
	}
	if c == nil {
		c = getChunk(len(b))
	}
	c.b = append(c.b, b...)
	p.batch = c
}

// Close is called by crypto/tls only through tls.Conn.Close, which the pipe
// does not use; it closes the pipe like Pipe.Close.
func (w *wire) Close() error { return (*Pipe)(w).Close() }

func (w *wire) LocalAddr() net.Addr {
	if a, ok := w.sock.(Addresser); ok {
		return a.LocalAddr()
	}
	return pipeAddr{}
}

func (w *wire) RemoteAddr() net.Addr {
	if a, ok := w.sock.(Addresser); ok {
		return a.RemoteAddr()
	}
	return pipeAddr{}
}

// Deadlines do not exist here: the handshake has its own timer and the
// loop never blocks. crypto/tls sets a write deadline before close_notify.
func (*wire) SetDeadline(time.Time) error      { return nil }
func (*wire) SetReadDeadline(time.Time) error  { return nil }
func (*wire) SetWriteDeadline(time.Time) error { return nil }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "tlspipe" }
func (pipeAddr) String() string  { return "tlspipe" }
