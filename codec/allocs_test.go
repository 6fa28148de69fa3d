package codec

import (
	"strings"
	"testing"
)

// TestSteadyStateAllocs: decoding and visiting a stream of stanzas allocates
// nothing once the decoder is warm, whatever the stanzas contain (escaped
// text and attributes decode into pooled scratch).
func TestSteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are not meaningful under -short instrumentation")
	}
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random: allocation counts mean nothing")
	}
	stanzas := []byte(strings.Repeat(
		"<message to='juliet@example.com/balcony' from='romeo@example.net/orchard' type='chat' id='a&amp;1'>"+
			"<body>Wherefore art thou &lt;Romeo&gt;? Привет &#x1F600;</body>"+
			"<x:x xmlns:x='vcard-temp:x:update'><x:photo>0123456789abcdef</x:photo></x:x></message>\n"+
			"<presence><show>away</show><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v='/></presence>", 20))
	d := NewDecoder(Limits{})
	if err := feedBytes(d, []byte(hdr), 1<<16); err != nil {
		t.Fatal(err)
	}
	run := func() {
		for off := 0; off < len(stanzas); off += 1000 { // splits stanzas across reads
			p := stanzas[off:min(off+1000, len(stanzas))]
			for {
				ev, n, err := d.Next(p)
				if err != nil {
					t.Fatal(err)
				}
				p = p[n:]
				if ev == EventElement {
					visit(d.Element())
				}
				if ev == EventNone {
					break
				}
			}
		}
	}
	run() // warm the pools
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Fatalf("%.1f allocations per run of 40 stanzas; want 0", n)
	}
}

// TestIdleDecoderHoldsNothing: between reads, a decoder with no partial
// stanza holds no tape and no scratch (memory per idle connection).
func TestIdleDecoderHoldsNothing(t *testing.T) {
	d := NewDecoder(Limits{})
	if err := feed(d, hdr+"<message><body>x</body></message><presence/>", 1<<16); err != nil {
		t.Fatal(err)
	}
	if d.tp != nil || d.scratch != nil {
		t.Fatalf("idle decoder holds tape=%v scratch=%v", d.tp != nil, d.scratch != nil)
	}
	if err := feed(d, "<message><bo", 1<<16); err != nil {
		t.Fatal(err)
	}
	if d.Buffered() == 0 {
		t.Fatal("a partial stanza must be buffered")
	}
}

// TestReleaseAfterLastEvent: after the last event of a read, Release leaves
// an idle decoder holding nothing, and decoding goes on normally.
func TestReleaseAfterLastEvent(t *testing.T) {
	d := NewDecoder(Limits{})
	p := []byte(hdr + "<presence/>")
	for len(p) > 0 {
		_, n, err := d.Next(p)
		if err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if d.tp == nil {
		t.Fatal("the last element's tape should still back its view")
	}
	d.Release()
	if d.tp != nil || d.scratch != nil {
		t.Fatal("Release kept buffers")
	}
	if err := feed(d, "<message><body>x</body></message>", 1<<10); err != nil {
		t.Fatal(err)
	}
}
