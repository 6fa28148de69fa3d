package codec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
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
	}
	special := []byte{0, '\t', '\n', ' ', '"', '&', '\'', '/', ':', '<', '=', '>', 'x', 0x7f, 0x80, 0xc3, 0xff}
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
	alphabet := []byte(" \t='\"<>/&:xmlnsab_-.9\x80")
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
