package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"xmppd/codec"
)

const (
	nsClient   = "jabber:client"
	nsStreams  = "http://etherx.jabber.org/streams"
	nsStreamEr = "urn:ietf:params:xml:ns:xmpp-streams"
	nsTLS      = "urn:ietf:params:xml:ns:xmpp-tls"
	nsSASL     = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind     = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession  = "urn:ietf:params:xml:ns:xmpp-session"
	nsStanzas  = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsRegister = "jabber:iq:register"
	nsRegFeat  = "http://jabber.org/features/iq-register"
	nsRoster   = "jabber:iq:roster"
	nsPing     = "urn:xmpp:ping"
)

// Read buffer sizes. A login reads a few hundred bytes at a time; an idle
// session reads a ping every few minutes; a chatty session wants whole
// batches of messages per read. An element split across reads is copied
// into the decoder's own scratch, so a small buffer costs speed, never
// correctness.
const (
	DefaultReadBuffer = 4096
	IdleReadBuffer    = 512
	ChatReadBuffer    = 32 << 10
	maxKeptWriteBuf   = 64 << 10
)

// Dialer holds what every connection of a run shares.
type Dialer struct {
	Addr   string  // host:port
	Domain string  // the 'to' of the stream header, and the TLS server name
	TLS    TLSMode // none, starttls, direct
	// TLSConfig is used for STARTTLS and direct TLS. Nil: the server's
	// certificate is not verified (a benchmark trusts the server it was
	// pointed at) and the server name is Domain.
	TLSConfig *tls.Config
	// ReadBuffer is the size of each connection's read buffer during set-up
	// (DefaultReadBuffer when 0).
	ReadBuffer int
	// Limits bound what the server can make a client's decoder hold.
	Limits codec.Limits
	// CacheSCRAM keeps each account's SCRAM client, and with it the salted
	// password, across logins, as real clients do: the login scenario turns
	// it on when it logs the same accounts in more than once, so that the
	// client's PBKDF2 (a millisecond a login) does not limit the storm.
	CacheSCRAM bool

	scramClients sync.Map // mech NUL user NUL password -> *scram.Client
}

func (d *Dialer) tlsConfig() *tls.Config {
	if d.TLSConfig != nil {
		return d.TLSConfig
	}
	cfg := &tls.Config{ServerName: d.Domain, InsecureSkipVerify: true} //nolint:gosec // see TLSConfig
	if d.TLS == TLSDirect {
		cfg.NextProtos = []string{"xmpp-client"} // XEP-0368
	}
	return cfg
}

// Conn is one client connection. It is driven by one reading goroutine;
// writes may come from any goroutine (they are serialised by wmu).
type Conn struct {
	d   *Dialer
	raw net.Conn // the TCP connection; deadlines are set on it
	nc  net.Conn // raw, or the TLS connection over it
	dec *codec.Decoder

	// rbuf[r:w] is read but not yet given to the decoder. Element views
	// point into rbuf (or the decoder's scratch) until the next decode.
	rbuf []byte
	r, w int

	feat features
	// JID is the full JID the server bound.
	JID string

	wmu sync.Mutex // guards out and writes to nc
	out []byte
}

// features is what the last <stream:features/> offered.
type features struct {
	startTLS bool
	mechs    uint8 // bit per Mech
	bind     bool
	session  bool // session establishment offered and not <optional/>
	register bool
}

func mechBit(m Mech) uint8 {
	switch m {
	case MechPLAIN:
		return 1
	case MechSCRAMSHA1:
		return 2
	case MechSCRAMSHA256:
		return 4
	}
	return 0
}

// Dial connects, completes direct TLS when configured, and opens the stream.
// ctx bounds all of it.
func (d *Dialer) Dial(ctx context.Context) (*Conn, error) {
	var nd net.Dialer
	raw, err := nd.DialContext(ctx, "tcp", d.Addr)
	if err != nil {
		return nil, stepErr(StepDial, err)
	}
	c := &Conn{d: d, raw: raw, nc: raw, dec: codec.NewDecoder(d.Limits)}
	size := d.ReadBuffer
	if size <= 0 {
		size = DefaultReadBuffer
	}
	c.rbuf = make([]byte, size)
	stop := c.watch(ctx)
	defer stop()
	if d.TLS == TLSDirect {
		if err := c.handshake(ctx); err != nil {
			c.abort()
			return nil, c.fail(ctx, StepTLS, err)
		}
	}
	if err := c.openStream(); err != nil {
		c.abort()
		return nil, c.fail(ctx, StepStream, err)
	}
	return c, nil
}

// watch makes ctx's deadline and cancellation interrupt blocking I/O on c
// until the returned function is called, which also clears the deadline.
func (c *Conn) watch(ctx context.Context) (stop func()) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.raw.SetDeadline(dl)
	}
	// mu and stopped keep a cancellation racing with stop from leaving a
	// deadline in the past on a connection that is handed over.
	var mu sync.Mutex
	stopped := false
	unhook := context.AfterFunc(ctx, func() {
		mu.Lock()
		if !stopped {
			_ = c.raw.SetDeadline(time.Unix(1, 0))
		}
		mu.Unlock()
	})
	return func() {
		unhook()
		mu.Lock()
		stopped = true
		_ = c.raw.SetDeadline(time.Time{})
		mu.Unlock()
	}
}

// fail reports err at step s, preferring the context's reason when the
// context ended (the I/O error is then only a consequence).
func (c *Conn) fail(ctx context.Context, s Step, err error) error {
	if ctx.Err() != nil {
		return stepErr(s, ctx.Err())
	}
	return stepErr(s, err)
}

func (c *Conn) handshake(ctx context.Context) error {
	tc := tls.Client(c.raw, c.d.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	c.nc = tc
	return nil
}

// SetDeadline sets the read and write deadline of the connection.
func (c *Conn) SetDeadline(t time.Time) error { return c.raw.SetDeadline(t) }

// ResizeReadBuffer replaces the read buffer; it must be called between
// reads by the reading goroutine, with no input pending.
func (c *Conn) ResizeReadBuffer(n int) {
	if c.r == c.w && len(c.rbuf) != n {
		c.rbuf = make([]byte, n)
		c.r, c.w = 0, 0
	}
}

// Trim drops what an established session no longer needs, for sessions
// held by the thousand.
func (c *Conn) Trim() {
	c.ResizeReadBuffer(IdleReadBuffer)
	c.wmu.Lock()
	c.out = nil
	c.wmu.Unlock()
}

// beginWrite locks the output buffer and returns it empty; endWrite writes
// what was appended to it and unlocks.
func (c *Conn) beginWrite() []byte {
	c.wmu.Lock()
	return c.out[:0]
}

func (c *Conn) endWrite(b []byte) error {
	_, err := c.nc.Write(b)
	if cap(b) <= maxKeptWriteBuf {
		c.out = b
	} else {
		c.out = nil
	}
	c.wmu.Unlock()
	return err
}

// send writes b as is.
func (c *Conn) send(b string) error {
	return c.endWrite(append(c.beginWrite(), b...))
}

// Close ends the stream politely and closes the connection.
func (c *Conn) Close() error {
	_ = c.raw.SetWriteDeadline(time.Now().Add(time.Second))
	_ = c.send("</stream:stream>")
	return c.raw.Close()
}

// abort closes the connection without a word.
func (c *Conn) abort() { _ = c.raw.Close() }

// readMore refills rbuf; flush, when set, runs first, since the reader is
// about to block.
func (c *Conn) readMore(flush func() error) error {
	c.r, c.w = 0, 0
	if flush != nil {
		if err := flush(); err != nil {
			return err
		}
	}
	for {
		n, err := c.nc.Read(c.rbuf)
		if n > 0 {
			c.w = n
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// nextEvent decodes until the next event, reading as needed.
func (c *Conn) nextEvent(flush func() error) (codec.Event, error) {
	for {
		for c.r < c.w {
			ev, n, err := c.dec.Next(c.rbuf[c.r:c.w])
			c.r += n
			if err != nil {
				return codec.EventNone, err
			}
			if ev != codec.EventNone {
				return ev, nil
			}
			if n == 0 { // cannot happen: EventNone consumes its input
				return codec.EventNone, fmt.Errorf("%w: decoder made no progress", ErrUnexpected)
			}
		}
		if err := c.readMore(flush); err != nil {
			return codec.EventNone, err
		}
	}
}

// next returns the next top-level element. It turns a stream error or the
// end of the stream into an error. The element is valid until the next call.
func (c *Conn) next(flush func() error) (codec.Element, error) {
	ev, err := c.nextEvent(flush)
	if err != nil {
		return codec.Element{}, err
	}
	switch ev {
	case codec.EventElement:
		e := c.dec.Element()
		if e.Is("error", nsStreams) {
			return e, &StreamError{Cond: condition(e, nsStreamEr)}
		}
		return e, nil
	case codec.EventStreamEnd:
		return codec.Element{}, ErrStreamClosed
	}
	return codec.Element{}, ErrUnexpected
}

// condition is the name of e's first child in ns other than <text/>: the
// defined condition of a stream, stanza or SASL error.
func condition(e codec.Element, ns string) string {
	for ch := range e.Children() {
		if string(ch.NS()) == ns && string(ch.Name()) != "text" {
			return string(ch.Name())
		}
	}
	return "undefined-condition"
}

func stanzaError(e codec.Element) *StanzaError {
	er := e.Child("error", nsClient)
	if er.IsZero() {
		return &StanzaError{Type: "cancel", Cond: "undefined-condition"}
	}
	return &StanzaError{Type: string(er.Attr("type")), Cond: condition(er, nsStanzas)}
}

// Serve reads until the stream fails, answering server pings (XEP-0199)
// and IQ requests it does not understand, and passes every other
// top-level element to handle. flush, when not nil, runs whenever the
// input read so far is used up, just before the reader blocks: it is where
// a caller writes what a batch of input made it want to write. Serve
// returns only with an error: the reason the session ended, or what handle
// or flush returned.
func (c *Conn) Serve(handle func(codec.Element) error, flush func() error) error {
	for {
		e, err := c.next(flush)
		if err != nil {
			return err
		}
		if string(e.Name()) == "iq" && string(e.NS()) == nsClient {
			if isRosterPush(e) {
				// RFC 6121 §2.1.6: acknowledge, then let the scenario see it.
				if err := c.ackIQ(e); err != nil {
					return err
				}
				if handle != nil {
					if err := handle(e); err != nil {
						return err
					}
				}
				continue
			}
			if ok, err := c.answerIQ(e); ok || err != nil {
				if err != nil {
					return err
				}
				continue
			}
		}
		if handle != nil {
			if err := handle(e); err != nil {
				return err
			}
		}
	}
}

// answerIQ answers a request from the server: a ping with a result, any
// other get or set with service-unavailable (RFC 6120 §8.4). It reports
// whether e was a request.
func (c *Conn) answerIQ(e codec.Element) (bool, error) {
	typ := string(e.Attr("type"))
	if typ != "get" && typ != "set" {
		return false, nil
	}
	ping := typ == "get" && !e.Child("ping", nsPing).IsZero()
	b := c.beginWrite()
	if ping {
		b = append(b, "<iq type='result'"...)
	} else {
		b = append(b, "<iq type='error'"...)
	}
	if id := e.Attr("id"); id != nil {
		b = codec.AppendAttr(b, "id", id)
	}
	if from := e.Attr("from"); from != nil {
		b = codec.AppendAttr(b, "to", from)
	}
	if ping {
		b = append(b, "/>"...)
	} else {
		b = append(b, "><error type='cancel'><service-unavailable xmlns='"+nsStanzas+"'/></error></iq>"...)
	}
	return true, c.endWrite(b)
}

// isRosterPush reports whether e is a roster push (RFC 6121 §2.1.6).
func isRosterPush(e codec.Element) bool {
	return string(e.Attr("type")) == "set" && !e.Child("query", nsRoster).IsZero()
}

// ackIQ answers a request with an empty result.
func (c *Conn) ackIQ(e codec.Element) error {
	b := append(c.beginWrite(), "<iq type='result'"...)
	if id := e.Attr("id"); id != nil {
		b = codec.AppendAttr(b, "id", id)
	}
	if from := e.Attr("from"); from != nil {
		b = codec.AppendAttr(b, "to", from)
	}
	return c.endWrite(append(b, "/>"...))
}
