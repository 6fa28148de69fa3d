package codec

import (
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
	before := cap(d.hdrBuf)
	d.CompactHeader()
	if cap(d.hdrBuf) >= before || d.Header().Raw() != nil || d.Header().To() != nil {
		t.Fatalf("not compacted: cap %d -> %d", before, cap(d.hdrBuf))
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
