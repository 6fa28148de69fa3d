package tlspipe

import (
	"net"

	"github.com/panjf2000/gnet/v2"
)

// Socket is what a pipe needs from the connection below it. gnet.Conn
// provides it through NewGnetSocket; tests use an in-memory fake.
type Socket interface {
	// AsyncWrite queues b to be written after everything queued before it;
	// safe from any goroutine. It must not block and must not call back into
	// the pipe: the pipe calls it with a lock held, to keep record order. The socket owns b until it calls done, which
	// it does exactly once, on any goroutine, after the bytes were written,
	// copied, or dropped because the connection closed. done may be nil. If
	// AsyncWrite returns an error, done may or may not be called, and the
	// pipe never reuses b.
	AsyncWrite(b []byte, done func()) error
	// Wake makes the owning loop run its traffic handler for this
	// connection, which then calls Input or ReadPlain; safe from any goroutine.
	Wake() error
	// Close closes the connection; safe from any goroutine, and harmless on
	// a connection that is closed already.
	Close() error
}

// Addresser is optionally implemented by a Socket to give crypto/tls (for
// example GetConfigForClient through ClientHelloInfo.Conn) the connection's
// addresses. The addresses must be safe to read from any goroutine.
type Addresser interface {
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}

// NewGnetSocket adapts c. Call it on c's loop (OnOpen or OnTraffic): it
// captures the addresses there, because gnet allows reading them only on
// the loop.
func NewGnetSocket(c gnet.Conn) Socket {
	return &gnetSocket{c: c, local: c.LocalAddr(), remote: c.RemoteAddr()}
}

type gnetSocket struct {
	c             gnet.Conn
	local, remote net.Addr
}

func (s *gnetSocket) AsyncWrite(b []byte, done func()) error {
	if done == nil {
		return s.c.AsyncWrite(b, nil)
	}
	return s.c.AsyncWrite(b, func(gnet.Conn, error) error {
		done()
		return nil
	})
}

func (s *gnetSocket) Wake() error          { return s.c.Wake(nil) }
func (s *gnetSocket) Close() error         { return s.c.Close() }
func (s *gnetSocket) LocalAddr() net.Addr  { return s.local }
func (s *gnetSocket) RemoteAddr() net.Addr { return s.remote }
