package bosh

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// rosterResult is a roster push of n items, as a login's roster get returns.
func rosterResult(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<body xmlns='" + nsHTTPBind + "'><iq xmlns='jabber:client' type='result' id='roster_1' to='alice@localhost/web'><query xmlns='jabber:iq:roster' ver='42'>")
	for i := range n {
		fmt.Fprintf(&b, "<item jid='contact%04d@example.org' name='Contact Number %d' subscription='both'><group>Friends</group></item>", i, i)
	}
	b.WriteString("</query></iq></body>")
	return b.Bytes()
}

// BenchmarkGzipRoster: what compressing a roster result costs and saves.
func BenchmarkGzipRoster(b *testing.B) {
	for _, n := range []int{20, 200, 1000} {
		in := rosterResult(n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				out.Reset()
				appendGzip(&out, in)
			}
			b.ReportMetric(100*float64(out.Len())/float64(len(in)), "%size")
		})
	}
}

// BenchmarkRequest: one request of a bound session that is answered at
// once (an iq ping), from body bytes to response bytes, without HTTP.
func BenchmarkRequest(b *testing.B) {
	e := newEnv(b, true, nil, nil)
	e.addUser("alice", "secret")
	c := e.client()
	c.login("alice", "secret", "bench")
	remote := netip.MustParseAddr("127.0.0.1")
	b.ReportAllocs()
	for b.Loop() {
		c.rid++
		body := []byte(c.wrap(c.rid, "", "<iq xmlns='jabber:client' type='get' id='p' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"))
		resp, st, _ := e.srv.serve(body, remote, false)
		if st != 200 || !bytes.Contains(resp, []byte("type='result'")) {
			b.Fatalf("%d %s", st, resp)
		}
	}
}

// FuzzDispatch: no request body, however broken, panics the server or
// leaves a request unanswered; sessions it opens are swept away.
func FuzzDispatch(f *testing.F) {
	const w = "<body xmlns='" + nsHTTPBind + "' xmlns:xmpp='" + nsXBOSH + "' "
	for _, s := range []string{
		w + "rid='1' to='localhost' ver='1.6' wait='0' xmpp:version='1.0'/>",
		w + "rid='1' to='localhost' hold='0' wait='0' ack='1' newkey='ab' content='text/plain' route='xmpp:localhost:5222'/>",
		w + "rid='1' to='localhost' wait='0' xmpp:version='1.0'><presence xmlns='jabber:client'/><iq/></body>",
		w + "rid='2' sid='x' type='terminate'/>",
		w + "rid='x'/>",
		"<body/>", "", "<", "<body xmlns='" + nsHTTPBind + "' rid='1' to='localhost'>text</body>",
	} {
		f.Add([]byte(s))
	}
	e := newEnv(f, true, func(c *Config) { c.MaxWait = time.Second }, nil)
	f.Fuzz(func(t *testing.T, in []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			// wait='0' keeps creations from holding; anything held is
			// answered by the sweep below.
			in := bytes.ReplaceAll(in, []byte("wait="), []byte("xait="))
			e.srv.serve(in, netip.MustParseAddr("127.0.0.1"), false)
		}()
		for {
			select {
			case <-done:
				if e.srv.Count() > 100 {
					e.advance(time.Hour)
				}
				return
			case <-time.After(time.Millisecond):
				e.advance(2 * time.Second)
			}
		}
	})
}

func TestContentAttribute(t *testing.T) {
	h := newHTTPEnv(t, nil, nil)
	c := h.env.client()
	var ctype string
	c.post = func(body string) (int, []byte) {
		res, b := h.request("POST", body, nil)
		ctype = res.Header.Get("Content-Type")
		return res.StatusCode, b
	}
	c.create(" content='text/html; charset=utf-8'")
	if ctype != "text/html; charset=utf-8" {
		t.Fatalf("creation response Content-Type %q", ctype)
	}
	c.send("<iq xmlns='jabber:client' type='get' id='x'/>")
	if ctype != "text/html; charset=utf-8" {
		t.Fatalf("later Content-Type %q", ctype)
	}
}
