package codec

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// trace decodes chunks and records every event, byte count and error in
// full (condition, reason, offset), and the raw tape of every element: what
// the fast path must reproduce exactly.
func trace(d *Decoder, chunks [][]byte) string {
	var b strings.Builder
	for _, p := range chunks {
		for {
			ev, n, err := d.Next(p)
			fmt.Fprintf(&b, "%v %d %v\n", ev, n, err)
			if err != nil {
				return b.String()
			}
			p = p[n:]
			if ev == EventElement {
				t := d.tp
				fmt.Fprintf(&b, "toks %+v\nattrs %+v\nns %+v\n", t.toks, t.attrs, t.ns)
				dumpElement(&b, d.Element(), "  ")
			}
			if ev == EventNone {
				break
			}
		}
	}
	return b.String()
}

func slowDecoder(lim Limits) *Decoder {
	d := NewDecoder(lim)
	d.noFast = true
	return d
}

// equivalenceInputs are the golden inputs, the hostile table, and the start
// of the benchmark corpus.
func equivalenceInputs(t *testing.T) map[string][]byte {
	in := map[string][]byte{}
	files, _ := filepath.Glob("testdata/golden/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		in["golden/"+filepath.Base(name)] = b
	}
	for _, tc := range hostile {
		in["hostile/"+tc.name] = []byte(tc.in)
	}
	if corpus, err := os.ReadFile("testdata/stream.xml"); err == nil {
		in["corpus"] = corpus[:min(len(corpus), 256<<10)]
	}
	return in
}

// TestFastPathMatchesStateMachine: the fast path and the state machine
// alone give the same events, errors (with their offsets) and tapes, whole
// and in chunks, under the default limits and under small ones that the
// inputs hit.
func TestFastPathMatchesStateMachine(t *testing.T) {
	for name, in := range equivalenceInputs(t) {
		for _, lim := range []Limits{{}, fuzzLimits} {
			for _, chunk := range []int{len(in) + 1, 64 << 10, 4096, 77, 1} {
				if chunk == 1 && len(in) > 64<<10 {
					continue
				}
				chunks := chunksOfSize(in, chunk)
				want := trace(slowDecoder(lim), chunks)
				if got := trace(NewDecoder(lim), chunks); got != want {
					t.Fatalf("%s, limits %+v, chunks of %d: fast path differs\nstate machine:\n%.3000s\nfast path:\n%.3000s", name, lim, chunk, want, got)
				}
			}
		}
	}
}

// TestFastPathEverySplit: for the golden inputs, split at every point into
// two reads, the fast path matches the state machine given the whole input.
func TestFastPathEverySplit(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.xml")
	for _, name := range files {
		in, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, lim := range []Limits{{}, fuzzLimits} {
			whole := dumpStream(slowDecoder(lim), [][]byte{in})
			for k := 0; k <= len(in); k++ {
				chunks := [][]byte{in[:k], in[k:]}
				if got := dumpStream(NewDecoder(lim), chunks); got != whole {
					t.Fatalf("%s split at %d: fast path differs\nwant:\n%.2000s\ngot:\n%.2000s", name, k, whole, got)
				}
				if k%7 == 0 { // the full trace too, on a sample of split points
					if a, b := trace(slowDecoder(lim), chunks), trace(NewDecoder(lim), chunks); a != b {
						t.Fatalf("%s split at %d: traces differ\nstate machine:\n%.2000s\nfast path:\n%.2000s", name, k, a, b)
					}
				}
			}
		}
	}
}

// TestFastPathTapeFields: the tape the fast path builds for a stanza that
// exercises it fully (declarations, prefixes, references, CR, TAB and LF,
// non-ASCII, empty elements, spaces in end tags) equals the state
// machine's, field by field.
func TestFastPathTapeFields(t *testing.T) {
	stanza := "<message xmlns='jabber:client' to='a@b/\u0440\u0435\u0441' type=\"chat\" id='a&amp;b\tc'>" +
		"<body>Hi &lt;there&gt;\r\n\u041f\u0440\u0438\u0432\u0435\u0442 \u7530\u4e2d \U0001F600 ]x</body >" +
		"<x:y xmlns:x='urn:x' x:a='1' b='2'/><e/><f></f><g>\t\n</g><![CDATA[raw]]></message>"
	in := []byte(hdr + stanza)
	for _, lim := range []Limits{{}, fuzzLimits} {
		fast, slow := NewDecoder(lim), slowDecoder(lim)
		for _, d := range []*Decoder{fast, slow} {
			if _, _, err := d.Next(in); err != nil {
				t.Fatal(err)
			}
		}
		p := in[len(hdr):]
		ef, nf, errf := fast.Next(p)
		es, ns, errs := slow.Next(p)
		if ef != es || nf != ns || !reflect.DeepEqual(errf, errs) {
			t.Fatalf("limits %+v: fast %v %d %v, state machine %v %d %v", lim, ef, nf, errf, es, ns, errs)
		}
		if errf != nil {
			continue
		}
		if !reflect.DeepEqual(fast.tp.toks, slow.tp.toks) || !reflect.DeepEqual(fast.tp.attrs, slow.tp.attrs) {
			t.Fatalf("tapes differ\nfast toks:  %+v\nslow toks:  %+v\nfast attrs: %+v\nslow attrs: %+v",
				fast.tp.toks, slow.tp.toks, fast.tp.attrs, slow.tp.attrs)
		}
	}
}

func chunksOfSize(in []byte, n int) [][]byte {
	var chunks [][]byte
	for i := 0; i < len(in); i += n {
		chunks = append(chunks, in[i:min(i+n, len(in))])
	}
	return chunks
}

// TestLowerLen: lowerLen counts the leading ASCII lower-case letters of a
// word, whatever follows them.
func TestLowerLen(t *testing.T) {
	for k := 0; k <= 8; k++ {
		for c := 0; c < 256; c++ {
			var w [8]byte
			for j := range w {
				w[j] = 'a' + byte(j*3%26)
				if j == 7 {
					w[j] = 'z'
				}
			}
			if k < 8 {
				w[k] = byte(c)
			}
			want := 0
			for want < 8 && w[want] >= 'a' && w[want] <= 'z' {
				want++
			}
			if got := lowerLen(binary.LittleEndian.Uint64(w[:])); got != want {
				t.Fatalf("%q: lowerLen %d, want %d", w, got, want)
			}
		}
	}
}

// fastPathCases are stanzas for the paths the fast path takes by itself:
// text handed over open where a read cuts it, the default namespace
// declared inline, attribute lists, and what it must leave to the state
// machine around them.
var fastPathCases = []string{
	// Text: plain, base64 with line breaks, references, CR, ']' runs,
	// Cyrillic, CJK, accents and emoji amid Latin text.
	"<message><body>" + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", 40) + "</body></message>",
	"<message><body>a &amp; b &lt; c &#x1F600; d\r\ne ]] f ]x] g</body></message>",
	"<message><body>Привет, как дела? 田中さん Très bien 😅 ça va. Latin text again, long enough to leave utf8Run.</body></message>",
	"<message><body>x]]></body></message>",
	"<message><body>a\x01b</body></message>",
	"<message><body>a &bogus; b</body></message>",
	"<message><body>bad \xff utf8</body></message>",
	// The default namespace inline, and the cases left to finishStartTag.
	"<iq type='get' id='1'><query xmlns='jabber:iq:roster'/><ping xmlns='urn:xmpp:ping'></ping></iq>",
	"<iq><query xmlns='http://www.w3.org/XML/1998/namespace'/></iq>",
	"<iq><query xmlns='http://www.w3.org/XML/1998/namespacf'/></iq>",
	"<iq><query xmlns='http://www.w3.org/2000/xmlns/'/></iq>",
	"<iq><query xmlns='http://www.w3.org/2000/xmlnt/'/></iq>",
	"<iq><query xmlns=''/><a/></iq>",
	"<iq><query xmlns='a&amp;b'><item/></query></iq>",
	"<iq><query xmlns='urn:a' xmlns:p='urn:p' p:x='1'><p:item/></query></iq>",
	"<iq><x:query xmlns='urn:a' xmlns:x='urn:x'/></iq>",
	"<iq><query xmlns='urn:a' xmlns='urn:b'/></iq>",
	// Attribute lists.
	"<presence from='a@b/c' to=\"d@e\" id='x' type='unavailable' subscription='both' xml:lang='en'><show>away</show></presence>",
	"<a b='1' b='2'/>",
	"<a b='1' c='2' b='3'/>",
	"<a b='1'c='2'/>",
	"<a b = '1'/>",
	"<a b='<'/>",
	"<a b='x\ty\nz\r'/>",
	"<a b='Привет' c='\xff'/>",
	"<a    b='1'   />",
	"<a b='1' / >",
	"<a xmlnsx='1' xmln='2' xmlns='u'/>",
	// End tags against their start tags, under eight bytes, eight, and
	// longer (the last word overlapping).
	"<iq><abcdefg>hi</abcdefh></iq>",
	"<iq><abcdefgh>hi</abcdefgh><abcdefgh>hi</abcdefgi></iq>",
	"<iq><abcdefghijklmnopq>hi</abcdefghijklmnopq><abcdefghijklmnopq>hi</abcdefghijklmnopx></iq>",
	"<iq><abcdefghijklmnopq>hi</xbcdefghijklmnopq></iq>",
	"<iq><a>hi</a ><b>hi</b\n></iq>",
}

// fastPathTail follows each case in a second run: with it, every
// construct of the case is far enough from the end of the input for the
// assembly's own checks to be reached, rather than its hand-over near the
// end of the input.
const fastPathTail = "<pad>" + "0123456789abcdef0123456789abcdef0123456789abcdef" + "</pad>"

// TestFastPathCasesEverySplit: for each case, split at every point into two
// reads (and in chunks of 3 and 7), the fast path's trace (events, errors
// with offsets, tapes) is the state machine's.
func TestFastPathCasesEverySplit(t *testing.T) {
	for _, c := range fastPathCases {
		for _, tail := range []string{"", fastPathTail} {
			fastPathCaseEverySplit(t, hdr+c+tail)
		}
	}
}

// fastPathCaseEverySplit compares the fast path's trace with the state
// machine's for s (the stream header and a case), whole, split at every
// point after the header into two reads, and in chunks of 3 and 7.
func fastPathCaseEverySplit(t *testing.T, s string) {
	t.Helper()
	c := s[len(hdr):]
	in := []byte(s)
	for _, lim := range []Limits{{}, fuzzLimits} {
		want := trace(slowDecoder(lim), [][]byte{in})
		if got := trace(NewDecoder(lim), [][]byte{in}); got != want {
			t.Fatalf("%q whole: fast path differs\nstate machine:\n%.3000s\nfast path:\n%.3000s", c, want, got)
		}
		for k := len(hdr); k <= len(in); k++ {
			chunks := [][]byte{in[:k], in[k:]}
			if a, b := trace(slowDecoder(lim), chunks), trace(NewDecoder(lim), chunks); a != b {
				t.Fatalf("%q split at %d: fast path differs\nstate machine:\n%.3000s\nfast path:\n%.3000s", c, k, a, b)
			}
		}
		for _, n := range []int{3, 7} {
			chunks := chunksOfSize(in, n)
			if a, b := trace(slowDecoder(lim), chunks), trace(NewDecoder(lim), chunks); a != b {
				t.Fatalf("%q in chunks of %d: fast path differs\nstate machine:\n%.3000s\nfast path:\n%.3000s", c, n, a, b)
			}
		}
	}
}

// TestFastPathTinyTape: from a tape with room for only a few tokens,
// attributes, declarations or open elements (one kind at a time, so that
// the fast path meets that limit before scanFast grows anything), the
// fast path stops where a slice is full (growing it is scanFast's) and
// never writes past a capacity: it builds the state machine's tape, and
// the canaries placed past the capacity survive. (trace's decoders share
// the tape pool, so there the fast path mostly starts from a grown tape.)
func TestFastPathTinyTape(t *testing.T) {
	nested := func(n int, open, close string) string {
		return strings.Repeat(open, n) + "x" + strings.Repeat(close, n)
	}
	stanzas := []string{
		"<iq>" + nested(12, "<q xmlns='urn:a'>", "</q>") + "</iq>",
		"<iq>" + nested(12, "<q>", "</q>") + "</iq>",
		"<iq><q a='1' b='2' c='3' d='4' e='5' f='6' g='7' h='8' xml:lang='en' xmlns='urn:q'/>t<r/>t<r/>t<r/>t</iq>",
		"<message to='a@b' from='c@d/e' type='chat' id='x1'><body>hello &amp; \u043f\u0440\u0438\u0432\u0435\u0442</body><x xmlns='jabber:x:event'><composing/></x></message>",
	}
	const canary, plenty = 0xC0FFEE, 64
	for _, s := range stanzas {
		in := []byte(s + fastPathTail)
		for tiny := range 4 { // toks, attrs, ns, open
			for room := 1; room <= 5; room++ {
				fast, slow := NewDecoder(Limits{}), slowDecoder(Limits{})
				for _, d := range []*Decoder{fast, slow} {
					if _, _, err := d.Next([]byte(hdr)); err != nil {
						t.Fatal(err)
					}
				}
				c := [4]int{plenty, plenty, plenty, plenty}
				c[tiny] = room
				toks, attrs := make([]tok, c[0]+4), make([]attr, c[1]+4)
				ns, open := make([]nsDecl, c[2]+4), make([]openElt, c[3]+4)
				for k := range 4 {
					toks[c[0]+k].start, attrs[c[1]+k].start, ns[c[2]+k].poff, open[c[3]+k].tok = canary, canary, canary, canary
				}
				fast.tp = &tape{toks: toks[:0:c[0]], attrs: attrs[:0:c[1]], ns: ns[:0:c[2]], open: open[:0:c[3]]}
				want := trace(slow, [][]byte{in})
				if got := trace(fast, [][]byte{in}); got != want {
					t.Fatalf("%q, capacities %v: fast path differs\nstate machine:\n%.3000s\nfast path:\n%.3000s", s, c, want, got)
				}
				for k := range 4 {
					if toks[c[0]+k].start != canary || attrs[c[1]+k].start != canary || ns[c[2]+k].poff != canary || open[c[3]+k].tok != canary {
						t.Fatalf("%q, capacities %v: written past a capacity", s, c)
					}
				}
			}
		}
	}
}
