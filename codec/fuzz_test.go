package codec

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are the inputs every fuzz target starts from: the golden inputs,
// the hostile table, and a slice of the benchmark corpus.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob("testdata/golden/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, tc := range hostile {
		if len(tc.in) < 4096 {
			seeds = append(seeds, []byte(tc.in))
		}
	}
	if corpus, err := os.ReadFile("testdata/stream.xml"); err == nil {
		seeds = append(seeds, corpus[:min(len(corpus), 16<<10)])
	}
	return seeds
}

// fuzzLimits are small so that the fuzzer reaches every limit.
var fuzzLimits = Limits{MaxStanzaSize: 2048, MaxHeaderSize: 512, MaxDepth: 8, MaxAttrs: 8, MaxNameLen: 32, MaxNodes: 64}

// chunksOf splits in at the points a seed derives, so a fuzz input decides
// both the bytes and how they arrive.
func chunksOf(in []byte, seed uint64) [][]byte {
	var chunks [][]byte
	for len(in) > 0 {
		seed = seed*6364136223846793005 + 1442695040888963407
		n := int(seed>>33)%13 + 1
		if seed>>60 == 0 {
			n = int(seed>>40)%512 + 1 // now and then a large chunk
		}
		n = min(n, len(in))
		chunks = append(chunks, in[:n])
		in = in[n:]
	}
	return chunks
}

// FuzzSplit: however the input is chunked, the events (and the error
// condition, if any) are those of feeding it in one piece.
func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		whole := dumpStream(NewDecoder(fuzzLimits), [][]byte{in})
		split := dumpStream(NewDecoder(fuzzLimits), chunksOf(in, seed))
		if whole != split {
			t.Fatalf("split decoding differs\nwhole:\n%s\nsplit:\n%s", whole, split)
		}
		// Byte by byte, the most hostile arrival.
		var ones [][]byte
		for i := range in {
			ones = append(ones, in[i:i+1])
		}
		if bytewise := dumpStream(NewDecoder(fuzzLimits), ones); whole != bytewise {
			t.Fatalf("byte-wise decoding differs\nwhole:\n%s\nbyte-wise:\n%s", whole, bytewise)
		}
	})
}

// FuzzRoundTrip: whatever decodes, re-encoded with AppendElement after the
// original stream header, decodes to the same events.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(Limits{})
		var out []byte
		var want strings.Builder
		p := in
		for {
			ev, n, err := d.Next(p)
			if err != nil {
				break
			}
			p = p[n:]
			switch ev {
			case EventStreamStart:
				out = append(out, d.Header().Raw()...)
			case EventElement:
				e := d.Element()
				want.WriteString("element\n")
				dumpElement(&want, e, "  ")
				out = AppendElement(out, e)
			}
			if ev == EventNone || ev == EventStreamEnd {
				break
			}
		}
		if len(out) == 0 {
			return
		}
		d2 := NewDecoder(Limits{})
		var got strings.Builder
		p = out
		for {
			ev, n, err := d2.Next(p)
			if err != nil {
				t.Fatalf("re-encoded stream does not decode: %v\n%s", err, out)
			}
			p = p[n:]
			if ev == EventElement {
				got.WriteString("element\n")
				dumpElement(&got, d2.Element(), "  ")
			}
			if ev == EventNone {
				break
			}
		}
		if got.String() != want.String() {
			t.Fatalf("round trip differs\nwant:\n%s\ngot:\n%s\nre-encoded:\n%s", want.String(), got.String(), out)
		}
	})
}

// FuzzAddressed: AppendAddressed output decodes to the same element with
// only from and to changed.
func FuzzAddressed(f *testing.F) {
	f.Add([]byte("<message to='a@b' from='c@d' type='chat'><body>hi</body></message>"), []byte("x@y/z"), []byte("p@q"))
	f.Add([]byte("<presence/>"), []byte("me@host/res"), []byte{})
	f.Fuzz(func(t *testing.T, stanza, from, to []byte) {
		d := NewFragmentDecoder(Limits{}, "jabber:client")
		ev, _, err := d.Next(stanza)
		if err != nil || ev != EventElement {
			return
		}
		fd := NewFragmentDecoder(Limits{}, "")
		if _, _, err := fd.Next(AppendAttr(nil, "from", from)); err != nil {
			return // not representable in an attribute (invalid characters)
		}
		var want strings.Builder
		e := d.Element()
		out := AppendAddressed(nil, e, from, to)
		fromV, toV := string(from), string(to)
		dumpElement(&want, e, "")
		d2 := NewFragmentDecoder(Limits{}, "jabber:client")
		ev, _, err = d2.Next(out)
		if err != nil || ev != EventElement {
			if !isXMLText(from) || !isXMLText(to) {
				return
			}
			t.Fatalf("addressed stanza does not decode: %v\n%s", err, out)
		}
		e2 := d2.Element()
		if string(e2.Attr("from")) != fromV || string(e2.Attr("to")) != toV {
			t.Fatalf("from/to not rewritten: %q %q in %s", e2.Attr("from"), e2.Attr("to"), out)
		}
		if !bytes.Equal(e2.Name(), e.Name()) || e2.NumAttr() < e.NumAttr()-2 {
			t.Fatalf("stanza changed: %s -> %s", stanza, out)
		}
	})
}

// isXMLText reports whether b is text an attribute value can carry.
func isXMLText(b []byte) bool {
	_, _, cond, _ := charScan(b, 0, len(b), modeCDATA)
	return cond == ""
}

// FuzzFastPath: the fast path (tagFast and attrFast in assembly, with
// AVX2 and SSE2, and scanFast's own loop) and the state machine alone
// build the same tapes and give the same events and errors, whole and
// chunked, under small limits and the defaults.
func FuzzFastPath(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		for _, lim := range []Limits{fuzzLimits, {}} {
			for _, chunks := range [][][]byte{{in}, chunksOf(in, seed)} {
				want := trace(slowDecoder(lim), chunks)
				fastModes(func(mode string) {
					if got := trace(NewDecoder(lim), chunks); got != want {
						t.Fatalf("%s, limits %+v, %d chunks: fast path differs\nstate machine:\n%.3000s\nfast path:\n%.3000s", mode, lim, len(chunks), want, got)
					}
				})
			}
		}
	})
}
