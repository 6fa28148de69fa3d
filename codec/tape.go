package codec

import "sync"

// Token kinds on the tape.
const (
	tkElem uint8 = iota + 1
	tkText
	tkCDATA
)

// Where a namespace URI's bytes live.
const (
	srcNone   uint8 = iota // no namespace
	srcItem                // the current item's bytes
	srcHeader              // the stream header's bytes (kept for the stream)
	srcXML                 // the fixed XML namespace bound to the "xml" prefix
	srcDec                 // decoded bytes on the tape (a declaration value with references)
)

// nsRef names a namespace URI without pointing at memory, so it survives the
// item's bytes moving from the caller's buffer into scratch.
type nsRef struct {
	off, n uint32
	src    uint8
}

// tok is one node on the tape. Offsets are relative to the start of the item.
type tok struct {
	start uint32 // elem: the '<'; text and CDATA: first content byte
	end   uint32 // elem: just past its last '>'; text and CDATA: past the content
	inner uint32 // elem: just past the start tag's '>' (== end when empty)
	next  uint32 // index of the first token after this subtree
	attr  uint32 // elem: index of its first attribute
	nattr uint16
	qlen  uint16 // elem: qualified name length; the name starts at start+1
	plen  uint16 // elem: prefix length, 0 when unprefixed
	kind  uint8
	flags uint8
	ns    nsRef
}

// attr is one attribute on the tape.
type attr struct {
	start  uint32 // first byte of the name
	vstart uint32 // first byte of the value (after the quote)
	vend   uint32 // the closing quote
	qlen   uint16
	plen   uint16
	flags  uint8
	decl   uint8 // 1: xmlns="..."; 2: xmlns:p="..."
	ns     nsRef
}

// nsDecl is an in-scope namespace declaration.
type nsDecl struct {
	poff  uint32 // prefix bytes, in the same source as uri
	plen  uint16
	isDef bool // default namespace (xmlns="...")
	uri   nsRef
}

// tape is the per-item scratch a decoder borrows from a pool while an item
// is being scanned or viewed.
type tape struct {
	toks  []tok
	attrs []attr
	ns    []nsDecl  // namespace declarations in scope inside the item
	open  []openElt // currently open elements
	dec   []byte    // decoded text and attribute values handed out by views

	// view is what Element views read while the item is current. It lives
	// here, not in the Decoder, so that an idle decoder (which holds no
	// tape) is small: a connection waiting for input costs less.
	view doc
}

type openElt struct {
	tok   uint32
	nsLen uint32 // len(ns) before this element's declarations
	def   nsRef  // the default namespace in scope before this element
}

var tapePool = sync.Pool{New: func() any {
	return &tape{
		toks:  make([]tok, 0, 32),
		attrs: make([]attr, 0, 32),
		ns:    make([]nsDecl, 0, 8),
		open:  make([]openElt, 0, 16),
	}
}}

// Buffers past these capacities are dropped rather than pooled, so one huge
// stanza does not pin memory for the life of the process.
// The pool is emptied by the garbage collector, so a pooled buffer pins
// memory only while stanzas keep arriving.
const (
	maxPooledToks  = 1 << 14
	maxPooledAttrs = 1 << 14
	maxPooledDec   = 2 * DefaultMaxStanzaSize
)

func getTape() *tape { return tapePool.Get().(*tape) }

// oversized reports whether t grew past what is worth keeping for another
// item.
func (t *tape) oversized() bool {
	return cap(t.toks) > maxPooledToks || cap(t.attrs) > maxPooledAttrs || cap(t.dec) > maxPooledDec
}

// empty readies t for the next item, keeping its capacity.
func (t *tape) empty() {
	t.toks, t.attrs, t.ns, t.open, t.dec = t.toks[:0], t.attrs[:0], t.ns[:0], t.open[:0], t.dec[:0]
}

func putTape(t *tape) {
	if t.oversized() {
		return
	}
	t.empty()
	t.view = doc{} // pooled, it must not keep the caller's bytes alive
	tapePool.Put(t)
}

// scratchPool holds buffers for items split across reads.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledScratch = 2 * DefaultMaxStanzaSize

// pushTok and pushAttr grow the tape by doubling: append's 1.25x growth for
// large slices would allocate about five times the final size in all, which
// a hostile stanza of tiny elements would exploit.
func (t *tape) pushTok(k tok, limit int) {
	if len(t.toks) == cap(t.toks) {
		t.growToks(limit)
	}
	t.toks = append(t.toks, k)
}

func (t *tape) pushAttr(a attr, limit int) {
	if len(t.attrs) == cap(t.attrs) {
		t.growAttrs(limit)
	}
	t.attrs = append(t.attrs, a)
}

func (t *tape) growToks(limit int) {
	n := max(min(2*cap(t.toks)+16, limit), len(t.toks)+1)
	t.toks = append(make([]tok, 0, n), t.toks...)
}

func (t *tape) growAttrs(limit int) {
	n := max(min(2*cap(t.attrs)+16, limit), len(t.attrs)+1)
	t.attrs = append(make([]attr, 0, n), t.attrs...)
}
