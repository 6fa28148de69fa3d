package codec

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"testing"
)

func loadCorpus(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/stream.xml")
	if err != nil {
		tb.Fatalf("corpus: %v (regenerate with: go run ./codec/internal/gencorpus -o codec/testdata/stream.xml)", err)
	}
	return b
}

// visit touches every element, attribute and text run under e, the way a
// server that inspects every part of a stanza would.
func visit(e Element) (n int) {
	n += len(e.Name()) + len(e.NS())
	for a := range e.Attrs() {
		n += len(a.Name()) + len(a.NS()) + len(a.Value())
	}
	for c := range e.Nodes() {
		if c.IsText() {
			n += len(c.Text())
		} else {
			n += visit(c.Element())
		}
	}
	return n
}

// decodeAll feeds corpus in chunks of the given size (gnet hands a loop at
// most 64 KiB per read) and visits every element.
func decodeAll(d *Decoder, corpus []byte, chunk int) (elements, sum int, err error) {
	for off := 0; off < len(corpus); off += chunk {
		p := corpus[off:min(off+chunk, len(corpus))]
		for {
			ev, n, err := d.Next(p)
			if err != nil {
				return elements, sum, err
			}
			p = p[n:]
			if ev == EventElement {
				elements++
				sum += visit(d.Element())
			}
			if ev == EventNone {
				break
			}
		}
	}
	return elements, sum, nil
}

func BenchmarkDecodeStream(b *testing.B) {
	corpus := loadCorpus(b)
	b.Run("xmppd", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		b.ReportAllocs()
		d := NewDecoder(Limits{})
		for b.Loop() {
			d.Reset()
			if _, _, err := decodeAll(d, corpus, 64<<10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		b.SetBytes(int64(len(corpus)))
		b.ReportAllocs()
		for b.Loop() {
			dec := xml.NewDecoder(bytes.NewReader(corpus))
			n := 0
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				switch t := tok.(type) {
				case xml.StartElement:
					n += len(t.Name.Local) + len(t.Name.Space)
					for _, a := range t.Attr {
						n += len(a.Name.Local) + len(a.Name.Space) + len(a.Value)
					}
				case xml.CharData:
					n += len(t)
				}
			}
		}
	})
}
