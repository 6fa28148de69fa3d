package tlspipe

import "sync"

// Handshaker runs TLS handshakes on at most workers goroutines, shared by all
// pipes of a server (or of one listener). A handshake that finds every
// worker busy waits in a FIFO queue; the worker that finishes a handshake
// takes the next one, and exits when the queue is empty, so an idle server
// has no handshake goroutines. A pipe's handshake timeout runs while it is
// queued, so a sustained flood sheds itself instead of growing the queue
// without end; maxQueued bounds it outright.
//
// Size workers for handshakes in flight, not for cores: a worker stays
// with its handshake for the client's round trip (server flight out,
// client Finished back), mostly parked. A pipe is queued only once its
// ClientHello record is complete, so connections that send nothing hold no
// worker; one that sends a ClientHello and then stalls holds one until its
// handshake timeout. Each busy worker costs a goroutine stack (a few KiB,
// more while it computes) plus the handshake state. Hundreds to a few
// thousand is reasonable; per-address rate limits belong to the acceptor.
type Handshaker struct {
	workers   int
	maxQueued int

	mu      sync.Mutex // guards the following fields
	running int        // worker goroutines alive
	queue   []*Pipe    // waiting pipes, from head
	head    int
}

// NewHandshaker returns a Handshaker with at most workers goroutines
// (minimum 1) and at most maxQueued waiting handshakes (0: unbounded; the
// handshake timeout still applies).
func NewHandshaker(workers, maxQueued int) *Handshaker {
	return &Handshaker{workers: max(workers, 1), maxQueued: maxQueued}
}

// HandshakerStats is a snapshot for metrics.
type HandshakerStats struct {
	Running int // worker goroutines alive
	Queued  int // handshakes waiting for a worker (some may be closed already)
}

// Stats returns the current worker and queue counts.
func (h *Handshaker) Stats() HandshakerStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return HandshakerStats{Running: h.running, Queued: len(h.queue) - h.head}
}

func (h *Handshaker) submit(p *Pipe) error {
	h.mu.Lock()
	if h.running < h.workers {
		h.running++
		h.mu.Unlock()
		go h.work(p)
		return nil
	}
	if h.maxQueued > 0 && len(h.queue)-h.head >= h.maxQueued {
		h.mu.Unlock()
		return ErrOverloaded
	}
	h.queue = append(h.queue, p)
	h.mu.Unlock()
	return nil
}

func (h *Handshaker) work(p *Pipe) {
	for p != nil {
		p.handshake()
		h.mu.Lock()
		p = h.next()
		if p == nil {
			h.running--
		}
		h.mu.Unlock()
	}
}

// next pops the queue head; h.mu is held.
func (h *Handshaker) next() *Pipe {
	if h.head == len(h.queue) {
		return nil
	}
	p := h.queue[h.head]
	h.queue[h.head] = nil
	h.head++
	switch {
	case h.head == len(h.queue):
		h.queue, h.head = h.queue[:0], 0
		if cap(h.queue) > 1024 { // drop a flood's backlog array
			h.queue = nil
		}
	case h.head > len(h.queue)/2 && h.head > 64:
		n := copy(h.queue, h.queue[h.head:])
		clear(h.queue[n:])
		h.queue, h.head = h.queue[:n], 0
	}
	return p
}
