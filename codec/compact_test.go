package codec

import (
	"runtime"
	"strings"
	"testing"
)

func TestCompactHeader(t *testing.T) {
	d := NewDecoder(Limits{})
	in := "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' to='localhost' version='1.0' id='" + strings.Repeat("x", 40) + "'>"
	ev, _, err := d.Next([]byte(in))
	if err != nil || ev != EventStreamStart {
		t.Fatal(ev, err)
	}
	before := cap(d.hdr.buf)
	d.CompactHeader()
	if cap(d.hdr.buf) >= before || d.Header().Raw() != nil || d.Header().To() != nil {
		t.Fatalf("not compacted: cap %d -> %d", before, cap(d.hdr.buf))
	}
	if string(d.Header().ContentNS()) != "jabber:client" || string(d.Header().Prefix()) != "stream" {
		t.Fatalf("namespaces lost: %q %q", d.Header().ContentNS(), d.Header().Prefix())
	}
	rest := "<message><body>hi</body></message><db:result to='a'>k</db:result></stream:stream>"
	var got []string
	p := []byte(rest)
	for len(p) > 0 {
		ev, n, err := d.Next(p)
		if err != nil {
			t.Fatal(err)
		}
		p = p[n:]
		if ev == EventElement {
			e := d.Element()
			got = append(got, "{"+string(e.NS())+"}"+string(e.Name()))
		}
		if ev == EventStreamEnd {
			got = append(got, "end")
		}
	}
	want := "{jabber:client}message {jabber:server:dialback}result end"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q, want %q", strings.Join(got, " "), want)
	}
	// A new stream after Reset has a full header again.
	d.Reset()
	if _, _, err := d.Next([]byte(in)); err != nil || string(d.Header().To()) != "localhost" {
		t.Fatalf("after Reset: %v %q", err, d.Header().To())
	}
}

// Streams with the same namespaces and prefix share one compact header; a
// decoder that starts a new stream gets its own again and leaves the shared
// one as it was.
func TestCompactHeaderShared(t *testing.T) {
	open := func(in string) *Decoder {
		t.Helper()
		d := NewDecoder(Limits{})
		if ev, _, err := d.Next([]byte(in)); err != nil || ev != EventStreamStart {
			t.Fatal(ev, err)
		}
		d.CompactHeader()
		return d
	}
	hdr := func(to, id string) string {
		return "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='" + to + "' id='" + id + "' version='1.0'>"
	}
	a, b := open(hdr("localhost", "1")), open(hdr("example.org", "22"))
	if a.Header() != b.Header() || !a.Header().shared {
		t.Fatal("two streams with the same namespaces do not share their compact header")
	}
	if c := open("<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>"); c.Header() == a.Header() {
		t.Fatal("a different prefix shares the header")
	}
	if c := open("<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>"); c.Header() == a.Header() {
		t.Fatal("a different content namespace shares the header")
	}
	shared := a.Header()
	a.Reset()
	if _, _, err := a.Next([]byte("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='x'>")); err != nil {
		t.Fatal(err)
	}
	if a.Header() == shared || string(a.Header().To()) != "x" {
		t.Fatal("Reset kept the shared header")
	}
	if string(shared.ContentNS()) != "jabber:client" || string(b.Header().ContentNS()) != "jabber:client" || string(shared.Prefix()) != "stream" {
		t.Fatalf("the shared header was written to: %q %q", shared.ContentNS(), shared.Prefix())
	}
	// b still decodes its stream with the shared header.
	p := []byte("<message><body>x</body></message></stream:stream>")
	ev, n, err := b.Next(p)
	if err != nil || ev != EventElement || string(b.Element().NS()) != "jabber:client" {
		t.Fatal(ev, err)
	}
	if ev, _, err := b.Next(p[n:]); err != nil || ev != EventStreamEnd {
		t.Fatal(ev, err)
	}
}

// Compacting a header the table already holds allocates nothing: the
// compact form is built on the stack and only looked up.
func TestCompactHeaderInternedAllocs(t *testing.T) {
	hdr := []byte("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")
	decs := make([]*Decoder, 101)
	for i := range decs {
		decs[i] = NewDecoder(Limits{})
		if _, _, err := decs[i].Next(hdr); err != nil {
			t.Fatal(err)
		}
	}
	decs[0].CompactHeader() // interned now
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, d := range decs[1:] {
		d.CompactHeader()
	}
	runtime.ReadMemStats(&after)
	// A few allocations elsewhere in the process are tolerated; one per
	// call is not.
	if n := after.Mallocs - before.Mallocs; n > 10 {
		t.Fatalf("100 compactions of an interned header: %d allocations", n)
	}
	for _, d := range decs {
		if d.Header() != decs[0].Header() {
			t.Fatal("not shared")
		}
	}
}
