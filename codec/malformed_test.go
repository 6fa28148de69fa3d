package codec

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

const hdr = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

var hostile = []struct {
	name string
	in   string
	want Condition
}{
	{"billion laughs", "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;'>]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>&lol2;", RestrictedXML},
	{"external entity", "<?xml version='1.0'?><!DOCTYPE foo [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]><stream:stream xmlns:stream='http://etherx.jabber.org/streams'>", RestrictedXML},
	{"DTD after header", hdr + "<!DOCTYPE x>", RestrictedXML},
	{"entity declaration inside stanza", hdr + "<message><!ENTITY x 'y'></message>", RestrictedXML},
	{"PI at stream level", hdr + "<?foo bar?>", RestrictedXML},
	{"PI inside stanza", hdr + "<message><?foo bar?></message>", RestrictedXML},
	{"comment at stream level", hdr + "<!-- hi -->", RestrictedXML},
	{"comment inside stanza", hdr + "<message><!-- hi --></message>", RestrictedXML},
	{"second XML declaration", hdr + "<?xml version='1.0'?>", RestrictedXML},
	{"undeclared entity in text", hdr + "<message><body>&nbsp;</body></message>", RestrictedXML},
	{"undeclared entity in attribute", hdr + "<message to='&foo;'/>", RestrictedXML},
	{"unclosed tag", hdr + "<message><body></message>", NotWellFormed},
	{"mismatched tags", hdr + "<a></b>", NotWellFormed},
	{"stray end tag", hdr + "</message>", NotWellFormed},
	{"invalid UTF-8", hdr + "<message><body>\xff</body></message>", NotWellFormed},
	{"overlong UTF-8", hdr + "<message><body>\xc0\xaf</body></message>", NotWellFormed},
	{"UTF-8 surrogate", hdr + "<message><body>\xed\xa0\x80</body></message>", NotWellFormed},
	{"invalid UTF-8 in attribute", hdr + "<message to='\xfe'/>", NotWellFormed},
	{"NUL byte", hdr + "<message><body>a\x00b</body></message>", NotWellFormed},
	{"NUL reference", hdr + "<message><body>&#0;</body></message>", NotWellFormed},
	{"control character", hdr + "<message><body>\x01</body></message>", NotWellFormed},
	{"U+FFFE", hdr + "<message><body>\xef\xbf\xbe</body></message>", NotWellFormed},
	{"unquoted attribute", hdr + "<a b=c/>", NotWellFormed},
	{"attribute without value", hdr + "<a b/>", NotWellFormed},
	{"duplicate attribute", hdr + "<a b='1' b='2'/>", NotWellFormed},
	{"duplicate expanded attribute", hdr + "<a xmlns:p='u' xmlns:q='u' p:b='1' q:b='2'/>", NotWellFormed},
	{"10k nesting depth", hdr + strings.Repeat("<a>", 10000), PolicyViolation},
	{"1 MiB attribute", hdr + "<a b='" + strings.Repeat("x", 1<<20) + "'/>", PolicyViolation},
	{"oversized stanza", hdr + "<message><body>" + strings.Repeat("y", 300<<10) + "</body></message>", PolicyViolation},
	{"unbound element prefix", hdr + "<p:a/>", NotWellFormed},
	{"unbound attribute prefix", hdr + "<a p:b='1'/>", NotWellFormed},
	{"text at stream level", hdr + "hello", BadFormat},
	{"wrong stream namespace", "<stream:stream xmlns:stream='urn:wrong'>", InvalidNamespace},
	{"root not a stream", "<stream:foo xmlns:stream='http://etherx.jabber.org/streams'>", InvalidNamespace},
	{"non-UTF-8 encoding", "<?xml version='1.0' encoding='ISO-8859-1'?>", UnsupportedEncoding},
	{"oversized header", "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' a='" + strings.Repeat("z", 8<<10) + "'>", PolicyViolation},
	{"too many attributes", hdr + "<a" + strings.Repeat(" a", 0) + manyAttrs(100) + "/>", PolicyViolation},
	{"name too long", hdr + "<" + strings.Repeat("n", 1000) + "/>", PolicyViolation},
	{"]]> in text", hdr + "<a>x]]>y</a>", NotWellFormed},
	{"< in attribute value", hdr + "<a b='<'/>", NotWellFormed},
	{"no space between attributes", hdr + "<a b='1'c='2'/>", NotWellFormed},
	{"malformed character reference", hdr + "<a>&#xZZ;</a>", NotWellFormed},
	{"character reference out of range", hdr + "<a>&#x110000;</a>", NotWellFormed},
	{"bare ampersand", hdr + "<a>fish & chips</a>", NotWellFormed},
	{"CDATA at stream level", hdr + "<![CDATA[x]]>", BadFormat},
	{"undeclaring a prefix", hdr + "<a xmlns:p=''/>", NotWellFormed},
	{"rebinding xml prefix", hdr + "<a xmlns:xml='urn:x'/>", NotWellFormed},
	{"xmlns as element prefix", hdr + "<xmlns:a/>", NotWellFormed},
	{"data after stream end", hdr + "</stream:stream><a/>", NotWellFormed},
	{"stream end mismatch", hdr + "</stream:foo>", NotWellFormed},
	{"space after lt", hdr + "< a/>", NotWellFormed},
	{"space inside empty-tag close", hdr + "<a/ >", NotWellFormed},
	{"too many nodes", hdr + "<a>" + strings.Repeat("<b/>", 40000) + "</a>", PolicyViolation},
	{"too many attributes in the tree", hdr + "<a>" + strings.Repeat("<b c='1' d='2' e='3'/>", 20000) + "</a>", PolicyViolation},
	{"XML 2.0", "<?xml version='2.0'?>", NotWellFormed},
	{"character data before header", "hello", NotWellFormed},
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(string(rune('a' + i/26)))
		b.WriteString("='1'")
	}
	return b.String()
}

// feed decodes in with the given chunk size and returns the first error.
func feed(d *Decoder, in string, chunk int) error {
	return feedBytes(d, []byte(in), chunk)
}

func feedBytes(d *Decoder, b []byte, chunk int) error {
	for len(b) > 0 {
		n := chunk
		if n > len(b) {
			n = len(b)
		}
		p := b[:n]
		b = b[n:]
		for {
			ev, m, err := d.Next(p)
			if err != nil {
				return err
			}
			p = p[m:]
			if ev == EventNone {
				break
			}
		}
	}
	return nil
}

func TestHostileInputs(t *testing.T) {
	if len(hostile) < 40 {
		t.Fatalf("only %d hostile inputs", len(hostile))
	}
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{1 << 20, 4096, 7, 1} {
				if chunk == 1 && len(tc.in) > 64<<10 {
					continue
				}
				err := feed(NewDecoder(Limits{}), tc.in, chunk)
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("chunk %d: got %v, want %s", chunk, err, tc.want)
				}
				if ce.Condition != tc.want {
					t.Fatalf("chunk %d: got %s (%s), want %s", chunk, ce.Condition, ce.Reason, tc.want)
				}
				if !errors.Is(err, &Error{Condition: tc.want}) {
					t.Fatalf("errors.Is does not match the condition sentinel")
				}
			}
		})
	}
}

// TestHostileAllocationBound checks that no hostile input makes the decoder
// allocate much beyond its stanza limit, whatever the input's size: a
// 1 MiB attribute against a 64 KiB limit must not be buffered whole.
func TestHostileAllocationBound(t *testing.T) {
	lim := Limits{MaxStanzaSize: 64 << 10, MaxNodes: 4096}
	// Scratch grows geometrically up to the limit (< 2x the limit in all);
	// the tape is bounded by MaxNodes; a small constant covers the rest.
	tokSize := uint64(unsafe.Sizeof(tok{}))
	attrSize := uint64(unsafe.Sizeof(attr{}))
	budget := uint64(2*lim.MaxStanzaSize) + 2*uint64(lim.MaxNodes)*(tokSize+attrSize) + 64<<10
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(lim)
			in := []byte(tc.in)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_ = feedBytes(d, in, 4096)
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > budget {
				t.Fatalf("allocated %d bytes decoding %d input bytes; budget %d", got, len(tc.in), budget)
			}
		})
	}
}

func TestErrorIsSticky(t *testing.T) {
	d := NewDecoder(Limits{})
	err := feed(d, hdr+"<a></b>", 1<<10)
	if err == nil {
		t.Fatal("no error")
	}
	if _, _, err2 := d.Next([]byte("<presence/>")); err2 != err {
		t.Fatalf("later call returned %v, want the same error", err2)
	}
	d.Reset()
	if err := feed(d, hdr+"<presence/>", 1<<10); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

// TestDirtyMaskLowestBit checks the property charScan relies on: the lowest
// set bit of dirtyMask marks the first byte needing a look, for every
// position and every kind of dirty byte.
func TestDirtyMaskLowestBit(t *testing.T) {
	dirty := []byte{0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, '&', ']', '<', 0x80, 0xC3, 0xFF}
	for _, attr := range []bool{false, true} {
		extra := uint64(lo8 * ']')
		if attr {
			extra = lo8 * '<'
		}
		for pos := 0; pos < 8; pos++ {
			for _, c := range dirty {
				if c == '<' && !attr {
					continue
				}
				for _, after := range []byte{'a', 0x00, 0xFF, '&'} {
					var w [8]byte
					for k := range w {
						w[k] = 'x'
						if k > pos {
							w[k] = after
						}
					}
					w[pos] = c
					m := dirtyMask(binary.LittleEndian.Uint64(w[:]), extra)
					if got := bits.TrailingZeros64(m) >> 3; got != pos {
						t.Fatalf("attr=%v byte %#x at %d (then %#x): first dirty byte reported at %d", attr, c, pos, after, got)
					}
				}
			}
		}
		clean := []byte("abc XYZ.")
		if m := dirtyMask(binary.LittleEndian.Uint64(clean), extra); m != 0 {
			t.Fatalf("clean word reported dirty: %#x", m)
		}
	}
}
