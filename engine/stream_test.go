package engine

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

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

// queueStream is an echoStream that, on any element, runs onElement and
// reports the stanzas handed back to it (UnsentHandler).
type queueStream struct {
	echoStream
	onElement func(t session.Transport)
	unsent    chan<- []byte
}

func (q *queueStream) HandleElement(codec.Element) { q.onElement(q.t) }

func (q *queueStream) HandleUnsent(stanzas [][]byte) {
	for _, b := range stanzas {
		q.unsent <- b
	}
}

// collect reads n stanzas from ch, then checks that no more come.
func collect(t *testing.T, ch <-chan []byte, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		select {
		case b := <-ch:
			got = append(got, string(b))
		case <-time.After(10 * time.Second):
			t.Fatalf("handed back %q, want %d stanzas", got, n)
		}
	}
	select {
	case b := <-ch:
		t.Fatalf("handed back more than %d: %q", n, b)
	case <-time.After(100 * time.Millisecond):
	}
	return got
}

// TestUnsentHandedBack: every stanza Enqueue accepts is either written or,
// when the connection closes or overflows first, handed back to a stream
// that implements UnsentHandler.
func TestUnsentHandedBack(t *testing.T) {
	start := func(t *testing.T, maxOut int, onElement func(session.Transport)) (*testServer, <-chan []byte) {
		ch := make(chan []byte, 16)
		ts := startServer(t, func(c *Config) {
			c.MaxOutbound = maxOut
			c.NewStream = func(tr session.Transport) Stream {
				return &queueStream{echoStream: echoStream{t: tr}, onElement: onElement, unsent: ch}
			}
		}, nil)
		return ts, ch
	}
	open := "<stream:stream xmlns='urn:example:echo' xmlns:stream='http://etherx.jabber.org/streams' to='echo.localhost'>"
	t.Run("closed", func(t *testing.T) {
		ts, ch := start(t, 0, func(tr session.Transport) {
			tr.Enqueue([]byte("<a/>"))
			tr.Enqueue([]byte("<b/>"))
			tr.Close()
			tr.Enqueue([]byte("<c/>")) // accepted until the close is done: handed back too
		})
		c := dial(t, ts.l.Addr())
		c.send(open + "<go/>")
		if out := c.waitClosed(); strings.Contains(out, "<a/>") {
			t.Fatalf("a stanza queued before the close was written: %q", out)
		}
		if got := strings.Join(collect(t, ch, 3), ""); got != "<a/><b/><c/>" {
			t.Fatalf("handed back %q", got)
		}
	})
	t.Run("overflow", func(t *testing.T) {
		big := "<x>" + strings.Repeat("y", 400) + "</x>"
		var accepted []bool
		ts, ch := start(t, 1024, func(tr session.Transport) {
			for range 3 {
				accepted = append(accepted, tr.Enqueue([]byte(big)))
			}
		})
		c := dial(t, ts.l.Addr())
		c.send(open + "<go/>")
		if out := c.waitClosed(); !strings.Contains(out, "<policy-violation") || strings.Contains(out, "yyy") {
			t.Fatalf("got %q", out)
		}
		if got := collect(t, ch, 2); got[0] != big || got[1] != big {
			t.Fatalf("handed back %q", got)
		}
		if fmt.Sprint(accepted) != "[true true false]" || ts.l.Stats.SlowClosed.Load() != 1 {
			t.Fatalf("accepted %v, SlowClosed %d", accepted, ts.l.Stats.SlowClosed.Load())
		}
	})
}

// TestTCPKeepAlive: Config.TCPKeepAlive turns SO_KEEPALIVE on for accepted
// connections; it is off by default.
func TestTCPKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name   string
		period time.Duration
		want   int
	}{{"off by default", 0, 0}, {"on", 45 * time.Second, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan int, 1)
			ts := startServer(t, func(c *Config) {
				c.TCPKeepAlive = tc.period
				c.NewStream = func(tr session.Transport) Stream {
					v, err := syscall.GetsockoptInt(tr.(*conn).gc.Fd(), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
					if err != nil {
						v = -1
					}
					got <- v
					return &echoStream{t: tr}
				}
			}, nil)
			dial(t, ts.l.Addr())
			select {
			case v := <-got:
				if v != tc.want {
					t.Fatalf("SO_KEEPALIVE = %d, want %d", v, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no connection")
			}
		})
	}
}
