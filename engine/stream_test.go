package engine

import (
	"strings"
	"testing"

	"xmppd/codec"
	"xmppd/engine/session"
)

// echoStream is a minimal Stream: it answers the header and echoes every
// element back; it has no authentication and no keepalive.
type echoStream struct {
	t      session.Transport
	closed bool
}

func (e *echoStream) HandleHeader(h *codec.Header) {
	e.t.Send(codec.AppendStreamHeader(nil, codec.StreamHeader{NS: "urn:example:echo", ID: "1", From: string(h.To())}))
}
func (e *echoStream) HandleElement(el codec.Element) { e.t.Send(el.Copy()) }
func (e *echoStream) HandleStreamEnd()               { e.t.Send([]byte("</stream:stream>")); e.t.Close() }
func (e *echoStream) HandleDecodeError(error)        { e.StreamError("not-well-formed", "") }
func (e *echoStream) HandleClosed()                  { e.closed = true }
func (e *echoStream) StreamError(cond, _ string) {
	e.t.Send([]byte("<stream:error><" + cond + " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"))
	e.t.Close()
}
func (e *echoStream) Busy() bool     { return false }
func (e *echoStream) IsClosed() bool { return e.closed }

// TestForeignStream: the reactor serves any Stream (as engine/component's
// XEP-0114 streams), not only client sessions.
func TestForeignStream(t *testing.T) {
	ts := startServer(t, func(c *Config) {
		c.NewStream = func(tr session.Transport) Stream { return &echoStream{t: tr} }
	}, nil)
	c := dial(t, ts.l.Addr())
	c.send("<stream:stream xmlns='urn:example:echo' xmlns:stream='http://etherx.jabber.org/streams' to='echo.localhost'>")
	if h := c.waitFor("<stream:stream"); !strings.Contains(h, "<?xml") {
		t.Fatalf("header: %q", h)
	}
	c.waitFor("from='echo.localhost'")
	c.send("<ping n='1'/><ping n='2'>two</ping>")
	c.waitFor("<ping n='1'/>")
	c.waitFor("<ping n='2'>two</ping>")
	c.send("</stream:stream>")
	c.waitClosed()
}
