package codec

import (
	"encoding/binary"
	"iter"
	"math/bits"
	"unicode/utf8"
)

// doc is a completed item as views see it. It holds the tape's slices
// itself (they do not change once the item is complete) so that an
// accessor reaches a token in one step rather than through the decoder.
type doc struct {
	buf   []byte
	toks  []tok
	attrs []attr
	hdr   []byte // the stream header's bytes, for namespaces declared there
	tp    *tape  // for decoded bytes, which views append to
	// src holds where each kind of nsRef points (indexed by nsRef.src), so
	// that a namespace is one slice expression rather than a switch.
	// src[srcDec] is the tape's decoded bytes as the item completed: every
	// namespace decoded onto the tape lies there, and bytes views append
	// later never move them (a grown tape copies them).
	src [8][]byte
}

func (d *doc) tape() *tape { return d.tp }

// ns returns the bytes of a namespace reference.
//
// Offsets and lengths widen to int before they are added: the sum cannot
// wrap, so the compiler knows the slice's low bound is not past its high
// bound and checks only the high one (likewise in the accessors below).
func (d *doc) ns(r nsRef) []byte { return d.src[r.src&7][int(r.off) : int(r.off)+int(r.n)] }

// Element is a view of one element of a decoded stanza: no DOM is built; the
// view reads the tape the decoder left. The lookups return an element for
// which IsZero is true when there is none. Like every slice it returns, it is
// valid until the decoder's next Next or Reset.
type Element struct {
	d   *doc
	t   *tok   // the token, &d.toks[i]: every accessor starts from it
	i   uint32 // token index
	lim uint32 // index bound of the parent's subtree (for siblings)
}

// elementAt is the view of token i, whose siblings end at lim.
func (d *doc) elementAt(i, lim uint32) Element {
	return Element{d: d, t: &d.toks[i], i: i, lim: lim}
}

// IsZero reports whether e stands for no element: the zero Element, or
// what FirstChild, NextSibling and Child return when there is none.
func (e Element) IsZero() bool { return e.d == nil || e.d == &none }

// none is the element the lookups return for "no element": a view of an
// element with no name, namespace, attributes, text or children, so that
// an accessor called on a child that is not there answers nil or false
// instead of panicking. (The zero Element value answers IsZero only.)
var none = doc{buf: []byte("<>"), toks: []tok{{next: 1, kind: tkElem}}}

func noElement() Element { return Element{d: &none, t: &none.toks[0]} }

// QName is the qualified name as written ("message", "x:x").
func (e Element) QName() []byte {
	t := e.t
	return e.d.buf[int(t.start)+1 : int(t.start)+1+int(t.qlen)]
}

// Name is the local name.
func (e Element) Name() []byte {
	t := e.t
	return localName(e.d.buf[int(t.start)+1:int(t.start)+1+int(t.qlen)], t.plen)
}

// Prefix is the namespace prefix as written, or nil.
func (e Element) Prefix() []byte {
	t := e.t
	if t.plen == 0 {
		return nil
	}
	return e.d.buf[int(t.start)+1 : int(t.start)+1+int(t.plen)]
}

// NS is the resolved namespace URI, or nil for no namespace.
func (e Element) NS() []byte { return e.d.ns(e.t.ns) }

// Is reports whether e has local name local in namespace ns.
func (e Element) Is(local, ns string) bool {
	return e.d != &none && string(e.Name()) == local && string(e.NS()) == ns
}

// Raw is the element as received, markup included.
func (e Element) Raw() []byte {
	t := e.t
	return e.d.buf[t.start:t.end]
}

// StartTag is the element's start tag as received.
func (e Element) StartTag() []byte {
	t := e.t
	return e.d.buf[t.start:t.inner]
}

// Copy returns the element's bytes in one new allocation, to keep past the
// view's lifetime (queue, storage). A NewFragmentDecoder decodes it again.
func (e Element) Copy() []byte {
	return append([]byte(nil), e.Raw()...)
}

// IsEmpty reports whether the element has no content at all.
func (e Element) IsEmpty() bool {
	t := e.t
	return t.next == e.i+1
}

// NumAttr is the number of attributes, namespace declarations included.
func (e Element) NumAttr() int { return int(e.t.nattr) }

// AttrAt returns attribute i (0 <= i < NumAttr) in document order.
func (e Element) AttrAt(i int) Attr {
	return Attr{d: e.d, x: &e.d.attrs[e.t.attr+uint32(i)]}
}

// Attrs iterates the attributes, namespace declarations included.
func (e Element) Attrs() iter.Seq[Attr] {
	return func(yield func(Attr) bool) {
		t := e.t
		// Bounds in locals: yield could write memory, so t's fields
		// would be loaded again on every step.
		d, attrs := e.d, e.d.attrs[int(t.attr):int(t.attr)+int(t.nattr)]
		for i := range attrs {
			if !yield(Attr{d: d, x: &attrs[i]}) {
				return
			}
		}
	}
}

// Attr returns the decoded value of the attribute whose qualified name is
// qname ("to", "type", "xml:lang"), or nil when there is none. A present but
// empty attribute gives an empty, non-nil slice.
func (e Element) Attr(qname string) []byte {
	if a, ok := e.lookupAttr(qname); ok {
		return a.Value()
	}
	return nil
}

// HasAttr reports whether the attribute with qualified name qname exists.
func (e Element) HasAttr(qname string) bool {
	_, ok := e.lookupAttr(qname)
	return ok
}

func (e Element) lookupAttr(qname string) (Attr, bool) {
	t := e.t
	attrs := e.d.attrs
	for i := t.attr; i < t.attr+uint32(t.nattr); i++ {
		a := &attrs[i]
		if int(a.qlen) == len(qname) && a.decl == 0 && string(e.d.buf[a.start:a.start+uint32(a.qlen)]) == qname {
			return Attr{d: e.d, x: a}, true
		}
	}
	return Attr{}, false
}

// AttrNS returns the decoded value of the attribute with local name local in
// namespace ns ("" for unprefixed attributes), or nil.
func (e Element) AttrNS(ns, local string) []byte {
	for a := range e.Attrs() {
		if !a.IsNSDecl() && string(a.Name()) == local && string(a.NS()) == ns {
			return a.Value()
		}
	}
	return nil
}

// FirstChild returns the first child element, or none (IsZero).
func (e Element) FirstChild() Element {
	t := e.t
	toks := e.d.toks
	for i := e.i + 1; i < t.next; i = toks[i].next {
		if toks[i].kind == tkElem {
			return e.d.elementAt(i, t.next)
		}
	}
	return noElement()
}

// NextSibling returns the next element with the same parent, or none
// (IsZero).
func (e Element) NextSibling() Element {
	toks := e.d.toks
	for i := e.t.next; i < e.lim; i = toks[i].next {
		if toks[i].kind == tkElem {
			return e.d.elementAt(i, e.lim)
		}
	}
	return noElement()
}

// Children iterates the child elements.
func (e Element) Children() iter.Seq[Element] {
	return func(yield func(Element) bool) {
		for c := e.FirstChild(); !c.IsZero(); c = c.NextSibling() {
			if !yield(c) {
				return
			}
		}
	}
}

// Child returns the first child element with local name local in namespace
// ns, or none (IsZero).
func (e Element) Child(local, ns string) Element {
	for c := e.FirstChild(); !c.IsZero(); c = c.NextSibling() {
		if c.Is(local, ns) {
			return c
		}
	}
	return noElement()
}

// Node is a child of an element: a nested element or a run of character
// data (text or a CDATA section).
type Node struct {
	e Element
}

// IsText reports whether the node is character data.
func (n Node) IsText() bool { return n.e.t.kind != tkElem }

// Element returns the node as an element; valid when !IsText().
func (n Node) Element() Element { return n.e }

// Text returns the decoded character data of a text node.
func (n Node) Text() []byte {
	t := n.e.t
	if t.kind == tkElem {
		return nil
	}
	return n.e.d.decodeRun(t)
}

// Nodes iterates the element's children in document order, text included.
func (e Element) Nodes() iter.Seq[Node] {
	return func(yield func(Node) bool) {
		// The subtree's tokens only, indexed unsigned: one bounds check
		// here rather than one per node.
		next := e.t.next
		d, toks := e.d, e.d.toks[:next]
		for i := uint(e.i) + 1; i < uint(len(toks)); {
			t := &toks[i]
			// An empty CDATA section carries no character data: it is
			// not a node (a re-encoding could not reproduce it).
			if t.kind == tkElem || t.end > t.start {
				if !yield(Node{Element{d: d, t: t, i: uint32(i), lim: next}}) {
					return
				}
			}
			i = uint(t.next)
		}
	}
}

// Text returns the element's own character data (its text and CDATA
// children, concatenated and decoded; nested elements' text is not
// included). It is zero-copy when the text is one run that needs no
// decoding.
func (e Element) Text() []byte {
	t := e.t
	toks := e.d.toks
	first := -1
	runs := 0
	for i := e.i + 1; i < t.next; i = toks[i].next {
		if toks[i].kind != tkElem {
			if first < 0 {
				first = int(i)
			}
			runs++
		}
	}
	switch runs {
	case 0:
		return nil
	case 1:
		return e.d.decodeRun(&toks[first])
	}
	tp := e.d.tape()
	start := len(tp.dec)
	for i := e.i + 1; i < t.next; i = toks[i].next {
		if k := &toks[i]; k.kind != tkElem {
			tp.dec = appendRun(tp.dec, e.d.buf[k.start:k.end], k)
		}
	}
	return tp.dec[start:len(tp.dec):len(tp.dec)]
}

func (d *doc) decodeRun(k *tok) []byte {
	raw := d.buf[k.start:k.end]
	if k.flags&(fRefs|fCR) == 0 {
		return raw
	}
	tp := d.tape()
	start := len(tp.dec)
	tp.dec = appendRun(tp.dec, raw, k)
	return tp.dec[start:len(tp.dec):len(tp.dec)]
}

func appendRun(dst, raw []byte, k *tok) []byte {
	if k.flags&(fRefs|fCR) == 0 {
		return append(dst, raw...)
	}
	mode := modeText
	if k.kind == tkCDATA {
		mode = modeCDATA
	}
	return appendDecoded(dst, raw, mode)
}

// Attr is a view of one attribute.
type Attr struct {
	d *doc
	x *attr // the attribute on the tape
}

func (a Attr) a() *attr { return a.x }

// QName is the qualified name as written.
func (a Attr) QName() []byte {
	x := a.a()
	return a.d.buf[int(x.start) : int(x.start)+int(x.qlen)]
}

// Name is the local name.
func (a Attr) Name() []byte {
	x := a.a()
	return localName(a.d.buf[int(x.start):int(x.start)+int(x.qlen)], x.plen)
}

// Prefix is the prefix as written, or nil.
func (a Attr) Prefix() []byte {
	x := a.a()
	if x.plen == 0 {
		return nil
	}
	return a.d.buf[int(x.start) : int(x.start)+int(x.plen)]
}

// NS is the attribute's namespace: nil when unprefixed (attributes do not
// take the default namespace) and for namespace declarations.
func (a Attr) NS() []byte {
	// No test of decl: a declaration's ns is always the zero nsRef (only
	// resolveAttrs sets it, and it skips declarations). A prefixed
	// attribute's namespace is never empty, so n == 0 is exactly the
	// unprefixed case: nil, without the lookup.
	if a.x.ns.n == 0 {
		return nil
	}
	return a.d.ns(a.x.ns)
}

// IsNSDecl reports whether the attribute is a namespace declaration.
func (a Attr) IsNSDecl() bool { return a.x.decl != 0 }

// RawValue is the value as written, references not decoded.
func (a Attr) RawValue() []byte {
	x := a.x
	return a.d.buf[x.vstart:x.vend]
}

// Value is the decoded value: references replaced and white space
// normalised (XML 1.0 §3.3.3). Zero-copy when there was nothing to decode.
func (a Attr) Value() []byte {
	if a.x.flags&(fRefs|fWS) != 0 {
		return a.decoded()
	}
	return a.d.buf[a.x.vstart:a.x.vend]
}

// decoded appends the decoded value to the tape; out of line so that Value
// inlines.
func (a Attr) decoded() []byte {
	tp := a.d.tape()
	start := len(tp.dec)
	tp.dec = appendDecoded(tp.dec, a.RawValue(), modeAttr)
	return tp.dec[start:len(tp.dec):len(tp.dec)]
}

// appendDecoded appends raw, already validated by the scanner, with
// references replaced and line ends normalised; in attribute mode TAB, LF
// and CR become spaces. CDATA has no references.
func appendDecoded(dst, raw []byte, mode int) []byte {
	i := 0
	for i < len(raw) {
		j := nextSpecial(raw, i, mode)
		dst = append(dst, raw[i:j]...)
		if j == len(raw) {
			break
		}
		switch c := raw[j]; c {
		case '\r':
			if j+1 < len(raw) && raw[j+1] == '\n' {
				j++
			}
			if mode == modeAttr {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, '\n')
			}
			i = j + 1
		case '\t', '\n':
			dst = append(dst, ' ')
			i = j + 1
		case '&':
			end := j + 1
			for end < len(raw) && raw[end] != ';' {
				end++
			}
			dst = appendRef(dst, raw[j+1:end])
			i = end + 1
		}
	}
	return dst
}

// nextSpecial returns the index of the first byte from raw[i] that
// appendDecoded must replace (len(raw) if none): CR, '&' outside CDATA, and
// TAB and LF in attribute values. ctlAmpRun skips to the next control byte
// or '&', then a closer look.
func nextSpecial(raw []byte, i int, mode int) int {
	for {
		if i = ctlAmpRun(raw, i); i >= len(raw) {
			return len(raw)
		}
		c := raw[i]
		if c == '\r' || (c == '&' && mode != modeCDATA) || (mode == modeAttr && (c == '\t' || c == '\n')) {
			return i
		}
		i++
	}
}

// ctlAmpRunGo is ctlAmpRun in portable Go: the index of the first control
// byte (below 0x20) or '&' from buf[i], or len(buf).
func ctlAmpRunGo(buf []byte, i int) int {
	for ; i+8 <= len(buf); i += 8 {
		w := binary.LittleEndian.Uint64(buf[i : i+8])
		a := w ^ (lo8 * '&')
		if m := ((w-lo8*0x20)&^w | (a-lo8)&^a) & hi8; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(buf); i++ {
		if c := buf[i]; c < 0x20 || c == '&' {
			break
		}
	}
	return i
}

// appendRef appends the character a validated reference body ("amp",
// "#233", "#x1F600") stands for.
func appendRef(dst, body []byte) []byte {
	if len(body) > 1 && body[0] == '#' {
		var r rune
		if body[1] == 'x' {
			for _, c := range body[2:] {
				switch {
				case c >= '0' && c <= '9':
					r = r*16 + rune(c-'0')
				case c >= 'a' && c <= 'f':
					r = r*16 + rune(c-'a'+10)
				default:
					r = r*16 + rune(c-'A'+10)
				}
			}
		} else {
			for _, c := range body[1:] {
				r = r*10 + rune(c-'0')
			}
		}
		return utf8.AppendRune(dst, r)
	}
	switch string(body) {
	case "amp":
		return append(dst, '&')
	case "lt":
		return append(dst, '<')
	case "gt":
		return append(dst, '>')
	case "quot":
		return append(dst, '"')
	}
	return append(dst, '\'')
}
