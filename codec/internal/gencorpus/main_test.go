package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

const committed = "../../testdata/stream.xml"

// Limits the corpus must stay within so the codec's defaults
// (codec.Default*) decode it; copied here because the codec package is
// being written alongside and this test must not depend on it.
const (
	maxStanzaSize = 256 << 10
	maxDepth      = 64
	maxAttrs      = 64
	maxNodes      = 1 << 15
	maxFileSize   = 5 << 20
)

const (
	streamsNS = "http://etherx.jabber.org/streams"
	clientNS  = "jabber:client"
	smNS      = "urn:xmpp:sm:3"
)

func generateFile(t *testing.T, args ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "stream.xml")
	var log bytes.Buffer
	if err := run(append([]string{"-o", out}, args...), &log); err != nil {
		t.Fatalf("gencorpus %q: %v\n%s", args, err, log.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDeterministic generates the default corpus twice and requires the
// same bytes, and the same bytes as the committed file: a change to the
// generator must come with a regenerated stream.xml, and a hand edit of
// stream.xml fails here.
func TestDeterministic(t *testing.T) {
	a := generateFile(t)
	b := generateFile(t)
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs differ: %d vs %d bytes, first difference at byte %d", len(a), len(b), firstDiff(a, b))
	}
	if len(a) > maxFileSize {
		t.Errorf("corpus is %d bytes, over the %d byte budget", len(a), maxFileSize)
	}
	c, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, c) {
		t.Fatalf("%s is stale or was edited by hand (first difference at byte %d); regenerate it:\n\tgo run ./codec/internal/gencorpus -o codec/testdata/stream.xml", committed, firstDiff(a, c))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWellFormedSmall checks small corpora from several seeds, which reach
// more of the generator's branches than the one committed stream does.
func TestWellFormedSmall(t *testing.T) {
	for seed := 1; seed <= 6; seed++ {
		data := generateFile(t, "-size", "300000", "-seed", fmt.Sprint(seed))
		if len(data) < 300000 || len(data) > 300000+maxStanzaSize {
			t.Errorf("seed %d: -size 300000 gave %d bytes", seed, len(data))
		}
		st, err := checkStream(data)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if st.tops["message"] == 0 || st.tops["presence"] == 0 || st.tops["iq"] == 0 {
			t.Errorf("seed %d: missing stanza kinds: %v", seed, st.tops)
		}
	}
}

// TestSizeFlag: generation stops at the first stanza boundary past -size.
func TestSizeFlag(t *testing.T) {
	smallest := len(streamHeader) + len(streamFooter)
	data := generateFile(t, "-size", fmt.Sprint(smallest))
	if want := streamHeader; !bytes.HasPrefix(data, []byte(want)) {
		t.Fatalf("missing header: %.200q", data)
	}
	if !bytes.HasSuffix(data, []byte(streamFooter)) {
		t.Fatalf("missing footer")
	}
	if _, err := checkStream(data); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-size", "10"}, io.Discard); err == nil {
		t.Error("-size below the header size accepted")
	}
}

// TestCheckerRejects proves checkStream can fail: each case breaks a valid
// stream in one way encoding/xml alone, or the hand-written passes, catch.
func TestCheckerRejects(t *testing.T) {
	valid := streamHeader + "<message to='a@b'><body>hi</body></message>" + streamFooter
	if _, err := checkStream([]byte(valid)); err != nil {
		t.Fatalf("valid stream rejected: %v", err)
	}
	for name, stanza := range map[string]string{
		"mismatched tag":     "<message><body>hi</message></body>",
		"unknown entity":     "<message><body>&nbsp;</body></message>",
		"bare ampersand":     "<message><body>a & b</body></message>",
		"unquoted attribute": "<message to=a@b/>",
		"comment":            "<!-- x --><message/>",
		"processing instr":   "<?pi x?><message/>",
		"unbound prefix":     "<presence><x:x><x:photo/></x:x></presence>",
		"repeated attribute": "<message to='a' to='b'/>",
		"text between":       "hello<message/>",
		"foreign top-level":  "<foo xmlns='urn:example'/>",
		"invalid UTF-8":      "<message><body>\xff</body></message>",
	} {
		data := streamHeader + stanza + streamFooter
		if _, err := checkStream([]byte(data)); err == nil {
			t.Errorf("%s: %q accepted", name, stanza)
		}
	}
}

// TestCommittedCorpus checks the committed stream.xml with encoding/xml,
// reports what it holds and how fast encoding/xml tokenizes it.
func TestCommittedCorpus(t *testing.T) {
	data, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	reportFile(t, committed, data)
}

// TestCheckFile is what `gencorpus -check` runs, on the file named by
// $GENCORPUS_CHECK.
func TestCheckFile(t *testing.T) {
	path := os.Getenv(checkEnv)
	if path == "" {
		t.Skip(checkEnv + " not set; run gencorpus -check")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reportFile(t, path, data)
}

func reportFile(t *testing.T, path string, data []byte) {
	t.Helper()
	st, err := checkStream(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	t.Logf("%s: %d bytes, %d top-level elements %v, %d whitespace runs between them",
		path, len(data), st.elements, st.tops, st.wsRuns)
	t.Logf("largest element %d bytes, deepest %d, most attributes %d, most nodes %d, CDATA sections %d",
		st.maxSize, st.maxDepth, st.maxAttrs, st.maxNodes, st.cdata)
	// Best of three: the first pass also pays for page faults.
	best := time.Duration(1 << 62)
	tokens := 0
	for range 3 {
		start := time.Now()
		n, err := tokenize(data)
		if err != nil {
			t.Fatal(err)
		}
		best = min(best, time.Since(start))
		tokens = n
	}
	t.Logf("encoding/xml Decoder.Token: %d tokens in %v, %.1f MB/s", tokens, best, float64(len(data))/best.Seconds()/1e6)
}

func tokenize(data []byte) (int, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		_, err := d.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// BenchmarkEncodingXMLToken is the baseline the codec is measured against:
// the standard library tokenizing the committed corpus.
func BenchmarkEncodingXMLToken(b *testing.B) {
	data, err := os.ReadFile(committed)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := tokenize(data); err != nil {
			b.Fatal(err)
		}
	}
}

type streamStats struct {
	elements int
	tops     map[string]int // top-level elements by local name
	wsRuns   int
	cdata    int
	maxSize  int
	maxDepth int
	maxAttrs int
	maxNodes int
}

// checkStream verifies data is one XMPP stream: encoding/xml (strict) reads
// it to the end; it is the XML declaration, the stream header, top-level
// stanzas and nonzas separated only by whitespace, and the closing tag; no
// comment, processing instruction or directive; every element's prefix and
// every prefixed attribute bound; no attribute repeated; and every
// top-level element within the codec's default limits.
func checkStream(data []byte) (*streamStats, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	if !bytes.HasPrefix(data, []byte(streamHeader)) {
		return nil, errors.New("does not start with the expected stream header")
	}
	if !bytes.HasSuffix(data, []byte(streamFooter)) {
		return nil, errors.New("does not end with </stream:stream>")
	}
	// encoding/xml folds CDATA into CharData; count the sections here.
	st := &streamStats{tops: map[string]int{}, cdata: bytes.Count(data, []byte("<![CDATA["))}
	if err := checkTokens(data, st); err != nil {
		return nil, err
	}
	if err := checkRaw(data, st); err != nil {
		return nil, err
	}
	return st, nil
}

// checkTokens is the encoding/xml.Decoder.Token pass (namespaces resolved).
func checkTokens(data []byte, st *streamStats) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth := 0
	var topStart int64
	nodes := 0
	sawHeader, sawEnd := false, false
	for i := 0; ; i++ {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, col := d.InputPos()
			return fmt.Errorf("encoding/xml: %v (line %d, column %d)", err, line, col)
		}
		if sawEnd {
			return fmt.Errorf("%T after </stream:stream>", tok)
		}
		switch tok := tok.(type) {
		case xml.ProcInst:
			if i != 0 || tok.Target != "xml" {
				return fmt.Errorf("processing instruction <?%s?> at offset %d", tok.Target, off)
			}
		case xml.Comment:
			return fmt.Errorf("comment at offset %d", off)
		case xml.Directive:
			return fmt.Errorf("directive at offset %d", off)
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if sawHeader || tok.Name.Space != streamsNS || tok.Name.Local != "stream" {
					return fmt.Errorf("unexpected root %v", tok.Name)
				}
				sawHeader = true
			case 2:
				topStart, nodes = off, 0
				switch {
				case tok.Name.Space == clientNS && (tok.Name.Local == "message" || tok.Name.Local == "presence" || tok.Name.Local == "iq"):
				case tok.Name.Space == smNS && (tok.Name.Local == "r" || tok.Name.Local == "a"):
				default:
					return fmt.Errorf("unexpected top-level element %v at offset %d", tok.Name, off)
				}
				st.tops[tok.Name.Local]++
				st.elements++
			}
			if depth >= 2 {
				nodes++
				st.maxDepth = max(st.maxDepth, depth-1)
				st.maxAttrs = max(st.maxAttrs, len(tok.Attr))
				for _, a := range tok.Attr {
					if a.Name.Space == "xml" && a.Name.Local == "lang" && a.Value == "" {
						return fmt.Errorf("empty xml:lang at offset %d", off)
					}
				}
			}
		case xml.EndElement:
			depth--
			switch depth {
			case 0:
				sawEnd = true
			case 1:
				size := int(d.InputOffset() - topStart)
				st.maxSize = max(st.maxSize, size)
				st.maxNodes = max(st.maxNodes, nodes)
			}
		case xml.CharData:
			switch {
			case depth == 0:
				return fmt.Errorf("text outside the stream at offset %d", off)
			case depth == 1:
				if len(bytes.TrimLeft(tok, " \t\r\n")) != 0 {
					return fmt.Errorf("non-whitespace text between stanzas at offset %d: %.40q", off, tok)
				}
				st.wsRuns++
			default:
				nodes++
			}
		}
	}
	if !sawEnd {
		return errors.New("stream not closed")
	}
	switch {
	case st.maxSize > maxStanzaSize:
		return fmt.Errorf("a top-level element is %d bytes, over %d", st.maxSize, maxStanzaSize)
	case st.maxDepth > maxDepth:
		return fmt.Errorf("nesting depth %d over %d", st.maxDepth, maxDepth)
	case st.maxAttrs > maxAttrs:
		return fmt.Errorf("%d attributes on one element, over %d", st.maxAttrs, maxAttrs)
	case st.maxNodes > maxNodes:
		return fmt.Errorf("%d nodes in one top-level element, over %d", st.maxNodes, maxNodes)
	}
	return nil
}

// checkRaw is the RawToken pass: encoding/xml neither rejects an unbound
// prefix nor a repeated attribute, so track declarations by hand.
func checkRaw(data []byte, st *streamStats) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	type scope struct{ prefixes []string }
	var stack []scope
	bound := func(p string) bool {
		if p == "xml" {
			return true
		}
		for i := len(stack) - 1; i >= 0; i-- {
			for _, q := range stack[i].prefixes {
				if q == p {
					return true
				}
			}
		}
		return false
	}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("encoding/xml (raw): %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			var sc scope
			seen := map[xml.Name]bool{}
			for _, a := range tok.Attr {
				if seen[a.Name] {
					return fmt.Errorf("attribute %s:%s repeated at offset %d", a.Name.Space, a.Name.Local, off)
				}
				seen[a.Name] = true
				if a.Name.Space == "xmlns" {
					sc.prefixes = append(sc.prefixes, a.Name.Local)
				}
			}
			stack = append(stack, sc)
			if tok.Name.Space != "" && !bound(tok.Name.Space) {
				return fmt.Errorf("unbound prefix %q on <%s:%s> at offset %d", tok.Name.Space, tok.Name.Space, tok.Name.Local, off)
			}
			for _, a := range tok.Attr {
				if a.Name.Space != "" && a.Name.Space != "xmlns" && !bound(a.Name.Space) {
					return fmt.Errorf("unbound attribute prefix %q at offset %d", a.Name.Space, off)
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}
