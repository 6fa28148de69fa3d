package codec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// attrFastCase runs attrFast and attrFastGo on the same input and reports
// a difference in what they return or write.
func attrFastCase(buf []byte, i, have, limit, maxName int, r0 attrRun) error {
	run := func(f func([]byte, int, []attr, int, int, *attrRun) bool) (bool, attrRun, []attr) {
		attrs := make([]attr, have, limit+2)
		for k := range attrs[:cap(attrs)] {
			attrs[:cap(attrs)][k] = attr{start: 0xdead, decl: 7, ns: nsRef{off: 1, n: 2, src: 3}}
		}
		r := r0
		end := f(buf, i, attrs[:have:limit], limit, maxName, &r)
		return end, r, attrs[:cap(attrs)]
	}
	e1, r1, a1 := run(attrFast)
	e2, r2, a2 := run(attrFastGo)
	if e1 != e2 || r1 != r2 {
		return fmt.Errorf("%q from %d: attrFast %v %+v, attrFastGo %v %+v", buf, i, e1, r1, e2, r2)
	}
	if !slices.Equal(a1[:r1.k], a2[:r2.k]) {
		return fmt.Errorf("%q from %d: attrFast wrote %+v, attrFastGo %+v", buf, i, a1[:r1.k], a2[:r2.k])
	}
	if !slices.Equal(a1[r1.k:], a2[r2.k:]) || a1[r1.k].start != 0xdead {
		return fmt.Errorf("%q from %d: a slot past k written", buf, i)
	}
	return nil
}

// TestAttrFastMatchesGo: the assembly attrFast and the portable one agree
// on start tags of every shape: each piece of a tag replaced by each byte
// that matters, cut at every length, against every limit.
func TestAttrFastMatchesGo(t *testing.T) {
	tags := []string{
		` a='1' bb="22" xmlns='jabber:client' to='juliet@capulet.lit/balcony'>tail of the input`,
		` id='x' type='chat' xml:lang='en' from="romeo@montague.lit/orchard"/>` + "\n and more text after it",
		` xmlns="http://jabber.org/protocol/caps" hash='sha-1' node='http://psi-im.org' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>0123456789abcdef`,
		` a='1' a='2' ab='3' ba='4' xmlns='' xmlnsx='y' xmlnt='z' e='&amp;' f='<' g="it's" h='say "hi"' i='tab	here' j='é'>0123456789abcdef`,
		`  a='1'> b ='2' c= '3'>` + "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		` _a.b-c9='0123456789abcdef0123456789abcdef012345' Z='' y=''/>` + "0123456789abcdef",
		` a='x &amp; y &lt;&gt;&quot;&apos; &#65;&#x41;&#X41;&#0;&#xD800;&#1114112;&#x10FFFF;&#;&#x;&#00000000065;&unknown;&amp' b='tab	lf` + "\n" + `cr` + "\r" + `end'/>0123456789abcdef`,
		` xml:lang='en' xml:base="x" xmlx:a='1' xml:='2' xml:a:b='3' xml::c='4' XML:d='5' xml:lang='6' x:y='7'/>0123456789abcdef`,
		" n='\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440' c=\"\u7530\u4e2d \U0001F600 \u00e9t\u00e9\" e='\u0800\ud7ff\ufffd\uffff\U0010FFFF'/>" + "0123456789abcdef",
	}
	special := []byte{0, '\t', '\n', ' ', '"', '&', '\'', '/', ':', '<', '=', '>', 'x', 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc1, 0xc3,
		0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	limits := [][2]int{{64, 256}, {2, 256}, {64, 2}, {1, 1}}
	for _, tag := range tags {
		for _, lm := range limits {
			for n := 0; n <= len(tag); n++ {
				if err := attrFastCase([]byte(tag[:n]), 0, 0, lm[0], lm[1], attrRun{}); err != nil {
					t.Fatal(err)
				}
			}
			for pos := range len(tag) {
				for _, c := range special {
					buf := []byte(tag)
					buf[pos] = c
					if err := attrFastCase(buf, 0, 1, lm[0]+1, lm[1], attrRun{i: -5, k: -5, bloom: 1 << 20, xmlnsAt: 0, flags: tagXmlns}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte(" \t='\"<>/&:xmlnsab_-.9\x80\x90\xbf\xc3\xe4\xed\xf0\xf4")
	for range 50000 {
		buf := []byte(tags[r.IntN(len(tags))])
		for range r.IntN(4) {
			buf[r.IntN(len(buf))] = alphabet[r.IntN(len(alphabet))]
		}
		buf = buf[:r.IntN(len(buf)+1)]
		r0 := attrRun{bloom: r.Uint64() & r.Uint64(), flags: uint8(r.IntN(4)), xmlnsAt: r.IntN(3)}
		if err := attrFastCase(buf, r.IntN(len(buf)+1), r.IntN(3), 3+r.IntN(8), 1+r.IntN(8), r0); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUTF8SkipTakesOnlyXMLChars: utf8SkipGo (and so the assembly held to
// it) goes over every XML character from U+0080 up and over nothing else:
// every rune, and every pattern of up to four interesting bytes.
func TestUTF8SkipTakesOnlyXMLChars(t *testing.T) {
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue // a surrogate: AppendRune would write U+FFFD
		}
		enc := utf8.AppendRune(nil, r)
		want := 0
		if isXMLChar(r) {
			want = len(enc)
		}
		if got := utf8SkipGo(enc, 0); got != want {
			t.Fatalf("U+%04X: skipped %d of %d bytes, want %d", r, got, len(enc), want)
		}
	}
	interesting := []byte{0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff}
	for _, a := range interesting {
		for _, b := range interesting {
			for _, c := range interesting {
				for _, d := range interesting {
					buf := []byte{a, b, c, d}
					for n := 1; n <= 4; n++ {
						got := utf8SkipGo(buf[:n], 0)
						for i := 0; i < got; {
							r, size := utf8.DecodeRune(buf[i:got])
							if r == utf8.RuneError || !isXMLChar(r) {
								t.Fatalf("% x: skipped %d bytes, with % x not a character", buf[:n], got, buf[i:got])
							}
							i += size
						}
					}
				}
			}
		}
	}
}

// TestAttrFastReferences: the assembly takes a reference in a value
// exactly when checkRef does (attrFastGo asks checkRef): every decimal and
// hexadecimal character reference around the limits of XML's characters,
// zero-padded up to and past maxRefLen, named ones, and broken forms, each
// also cut short near the end of the input.
func TestAttrFastReferences(t *testing.T) {
	var refs []string
	for v := 0; v <= 0x11000; v += 7 {
		refs = append(refs, fmt.Sprintf("&#%d;", v), fmt.Sprintf("&#x%x;", v), fmt.Sprintf("&#x%X;", v))
	}
	for _, v := range []int{0, 8, 9, 10, 11, 13, 31, 32, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x10FFFF, 0x110000, 0xFFFFFFF} {
		for pad := 0; pad <= 10; pad++ {
			refs = append(refs, fmt.Sprintf("&#%0*d;", pad, v), fmt.Sprintf("&#x%0*x;", pad, v))
		}
	}
	refs = append(refs, "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&amp", "&lt", "&quo;", "&apos", "&am;", "&Amp;",
		"&unknown;", "&;", "&#;", "&#x;", "&#X41;", "&#x4g;", "&#4a;", "&# 65;", "&#65 ;", "&", "&#", "&#x", "&l", "&g")
	for _, ref := range refs {
		for _, tail := range []string{"'/>0123456789abcdef", "'/>", ""} {
			if err := attrFastCase([]byte(" a='"+ref+tail), 0, 0, 8, 256, attrRun{}); err != nil {
				t.Fatal(err)
			}
			if err := attrFastCase([]byte(" a='0123456789"+ref+"xyz"+tail), 0, 0, 8, 256, attrRun{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestLongNames: names around 65535 bytes, the most a name may be (a
// larger MaxNameLen is clamped to it), in the assembly and the Go code
// alike, and through a decoder asked for more.
func TestLongNames(t *testing.T) {
	for _, n := range []int{65534, 65535, 65536, 65537} {
		name := strings.Repeat("a", n)
		buf := []byte(" " + name + "='0123456789abcdefghij'/>0123456789abcdef")
		for _, maxName := range []int{65535, 70000} { // the second only by hand: attrFast's own contract
			if err := attrFastCase(buf, 0, 0, 4, maxName, attrRun{}); err != nil {
				t.Fatalf("name of %d bytes, at most %d: %v", n, maxName, err)
			}
		}
		in := []byte(hdr + "<message " + name + "='0123456789abcdefghij'><" + name + ">hi</" + name + "></message>" + fastPathTail)
		lim := Limits{MaxNameLen: 70000, MaxStanzaSize: 1 << 20}
		if want, got := trace(slowDecoder(lim), [][]byte{in}), trace(NewDecoder(lim), [][]byte{in}); got != want {
			t.Fatalf("name of %d bytes: fast path differs\nstate machine:\n%.500s\nfast path:\n%.500s", n, want, got)
		}
	}
}

// TestNameBytes: every byte value, at every place of the first sixteen
// of an attribute name and of an element name, is taken or refused as the
// Go code does (the assembly classifies name bytes sixteen at a time).
func TestNameBytes(t *testing.T) {
	for c := range 256 {
		for at := range 18 {
			name := []byte(strings.Repeat("n", 18))
			name[at] = byte(c)
			attr := append(append([]byte(" "), name...), "='0123456789abcdefghij'/>0123456789abcdef"...)
			if err := attrFastCase(attr, 0, 0, 4, 256, attrRun{}); err != nil {
				t.Fatalf("byte %#x at %d: %v", c, at, err)
			}
			in := []byte(hdr + "<iq><" + string(name) + " a='1'>x</" + string(name) + "><" + string(name) + ">y</" + string(name) + "></iq>" + fastPathTail)
			if want, got := trace(slowDecoder(Limits{}), [][]byte{in}), trace(NewDecoder(Limits{}), [][]byte{in}); got != want {
				t.Fatalf("byte %#x at %d of an element name: fast path differs\nstate machine:\n%.1500s\nfast path:\n%.1500s", c, at, want, got)
			}
		}
	}
}
