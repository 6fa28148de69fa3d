package codec

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The fast path.
//
// scan is a resumable state machine: every step goes through d.st and
// d.pos so that it can stop at any byte. That costs a dispatch, loads and
// stores of decoder fields, and struct copies per token. But almost every
// stanza arrives whole in one read, so scanFast first tries the common
// subset of XML straight out of the buffer with its state in locals.
//
// It never decides anything the state machine would decide differently: it
// accepts only what scan accepts and builds exactly the tape scan builds.
// Whenever it meets something it does not handle (the end of the input, an
// error, a limit, CDATA, a non-ASCII name, spaces around '='), it rolls the
// tape back to the last point where scan's state is simple to state (just
// after a tag's '>', or at a '<' that follows character data) and hands over
// from there. Character data is the exception: a text run it stops inside
// (a base64 photo cut by the end of a read) is handed over open, at the
// character where it stopped, so that it is not scanned twice. Errors,
// their conditions and offsets, and resumption across reads are therefore
// all the state machine's.
//
// On amd64 the plain case goes one level further down, into assembly
// (tagFast and attrFast, fast_amd64.s): tags with plain names, attributes
// and character data, straight onto the tape with every value in a
// register. It hands back to scanFast's own loop, below, at the first
// thing outside that case, before changing anything for it; that loop is
// the whole fast path elsewhere. The Go loop, the assembly and the state
// machine build the same tape, which the tests and FuzzFastPath compare.

// scanFast goes on with an element item from a '<' at buf[pos], where scan
// is in state stLT. It returns true when the item is complete (d.itemEnd
// set). Otherwise it has set d.st and d.pos for scan to continue from,
// unless err is set (an error reported by finishStartTag, which the state
// machine would have reported at the same point).
//
// Go's calling convention keeps no register across a call, so every call
// here spills and reloads the loop's live values: the attributes go to
// attrList, a loop with little state of its own, and the only other call on
// the common path is plainRun (SSE2), which skips a text run sixteen bytes
// at a time. Calls are otherwise left to what is rare (growing the tape,
// references, non-ASCII text, prefixes). (That cost is why the plain case
// is tagFast's on amd64.)
func (d *Decoder) scanFast(buf []byte, pos int) (bool, error) {
	t := d.tp
	n := len(buf)
	// Where scan takes over. Tokens go on the tape only once whole, so
	// nothing needs rolling back but a failed tag's attributes (removed
	// where attrList fails): scan takes over at the '<' of a tag this loop
	// leaves (break fast, stLT), or at pos inside character data (break
	// text, stText).
	st := uint8(stLT)
fast:
	for {
		// pos is at a '<'. tagFast goes through the plain tags and text
		// from here; this loop takes the first it leaves, and calls it
		// again after.
		var how int
		if pos, how = tagFast(buf, pos, t, &d.defNS, &d.lim); how != tfTag {
			if how == tfDone {
				d.itemEnd = pos
				return true, nil
			}
			goto text
		}
		// Unsigned comparisons with n tell the compiler the index is
		// not negative either, which spares the bounds checks after them.
		if uint(pos+1) >= uint(n) {
			break
		}
		if buf[pos+1] == '/' {
			// An end tag must name the innermost open element: compare
			// the bytes directly.
			o := t.open[len(t.open)-1]
			el := &t.toks[o.tok]
			ql := int(el.qlen)
			e := pos + 2 + ql
			if uint(e) >= uint(n) || !sameName(buf, pos+2, int(el.start)+1, ql) {
				break
			}
			for buf[e] != '>' {
				if !isSpace(buf[e]) {
					break fast
				}
				if e++; uint(e) >= uint(n) {
					break fast
				}
			}
			pos = e + 1
			t.open = t.open[:len(t.open)-1]
			t.ns = t.ns[:o.nsLen]
			d.defNS = o.def
			el.end = uint32(pos)
			el.next = uint32(len(t.toks))
			if len(t.open) == 0 {
				d.itemEnd = pos
				return true, nil
			}
		} else {
			// A start tag.
			i := pos + 1
			if class[buf[i]]&cNameStart == 0 { // also every byte >= 0x80
				break
			}
			// Lower-case letters a word at a time, then byte by byte: the
			// byte loop's exit, at a different count for every name, was
			// a mispredicted branch per name.
			var acc uint8
			if i+8 <= n {
				i += lowerLen(binary.LittleEndian.Uint64(buf[i : i+8 : i+8]))
			}
			for ; uint(i) < uint(n); i++ {
				cl := class[buf[i]]
				if cl&cName == 0 {
					break
				}
				acc |= cl
			}
			if uint(i) >= uint(n) || buf[i] >= utf8.RuneSelf || i-pos-1 > int(d.lim.MaxNameLen) {
				break
			}
			colon := 0
			if acc&cColon != 0 {
				if colon = nameColon(buf[pos+1 : i]); colon <= 0 {
					break
				}
			}
			cur := len(t.toks)
			if len(t.open) >= int(d.lim.MaxDepth) || cur >= int(d.lim.MaxNodes) {
				break
			}
			qlen := i - pos - 1
			firstAttr := len(t.attrs)
			var xmlnsAt int
			var res uint8
			if buf[i] == '>' {
				i++ // no attributes (<body>): no call
			} else {
				// The plain attributes in one call (attrFast); attrList
				// goes on from the first it leaves, if any.
				var r attrRun
				lim := min(attrLimit(firstAttr, &d.lim), cap(t.attrs))
				if attrFast(buf, i, t.attrs, lim, int(d.lim.MaxNameLen), &r) {
					t.attrs = t.attrs[:r.k]
					i, xmlnsAt, res = r.i, r.xmlnsAt, r.flags
				} else if i, xmlnsAt, res = t.attrList(buf, &r, firstAttr, &d.lim); res&alFail != 0 {
					t.attrs = t.attrs[:firstAttr]
					break
				}
			}
			flagged, empty := res&(tagXmlns|tagPrefixed), res&alEmpty != 0
			// The token once the tag is whole, in one assignment.
			if cur == cap(t.toks) {
				t.growToks(int(d.lim.MaxNodes))
			}
			toks := t.toks[:cur+1] // in a local: el needs no bounds check
			el := &toks[cur]
			t.toks = toks
			*el = tok{start: uint32(pos), inner: uint32(i), attr: uint32(firstAttr),
				nattr: uint16(len(t.attrs) - firstAttr), qlen: uint16(qlen), plen: uint16(colon), kind: tkElem}
			pos = i
			outer := d.defNS
			switch {
			case flagged == 0 && el.plen == 0:
				// Nothing to declare or resolve.
				el.ns = outer
			case flagged == tagXmlns && el.plen == 0 && plainDefaultNS(buf, &t.attrs[xmlnsAt]):
				// One default namespace declaration and no prefixes (each
				// stanza's payload: <query xmlns='jabber:iq:roster'>):
				// what finishStartTag does for such a tag.
				a := &t.attrs[xmlnsAt]
				a.decl = 1
				uri := nsRef{off: a.vstart, n: a.vend - a.vstart, src: srcItem}
				t.ns = append(t.ns, nsDecl{isDef: true, uri: uri})
				el.ns = uri
				d.defNS = uri
			default:
				d.cur, d.tagFlags = uint32(cur), min(flagged, 1)
				if err := d.finishStartTag(buf, pos, empty); err != nil {
					return false, err
				}
				if empty && len(t.open) == 0 {
					d.itemEnd = pos
					return true, nil
				}
				goto text
			}
			if empty {
				el.end = uint32(pos)
				el.next = uint32(len(t.toks))
				t.ns = t.ns[:len(t.ns)-int(flagged)] // tagXmlns is 1: its declaration
				d.defNS = outer
				if len(t.open) == 0 {
					d.itemEnd = pos
					return true, nil
				}
			} else {
				t.open = append(t.open, openElt{tok: uint32(cur), nsLen: uint32(len(t.ns) - int(flagged)), def: outer})
			}
		}
	text:
		// Character data up to the next '<'.
		if uint(pos) >= uint(n) {
			st = stText
			break
		}
		if buf[pos] == '<' {
			continue // no text between the tags: the common case
		}
		// Plain ASCII sixteen bytes at a time (plainRun); textRun for the rest.
		end := plainRun(buf, pos, lo8*']')
		var fl uint8
		if uint(end) >= uint(n) || buf[end] != '<' {
			var f uint8
			end, f = textRun(buf, end)
			fl |= f
			if end == pos {
				st = stText
				break
			}
		}
		k := len(t.toks)
		if k >= int(d.lim.MaxNodes) {
			st = stText
			break
		}
		if k == cap(t.toks) {
			t.growToks(int(d.lim.MaxNodes))
		}
		toks := t.toks[:k+1]
		t.toks = toks
		toks[k] = tok{start: uint32(pos), end: uint32(end), next: uint32(k + 1), kind: tkText, flags: fl}
		if uint(end) >= uint(n) || buf[end] != '<' {
			// Stopped inside the text (the input ends, or charScan must
			// look): the state machine goes on from there with this
			// token open, rather than scanning the text again from its
			// start.
			d.st, d.pos, d.textTok = stText, end, int32(k)
			return false, nil
		}
		pos = end
	}
	d.st, d.pos, d.textTok = st, pos, -1
	return false, nil
}

// What tagFast reports about where it stopped.
const (
	tfTag  = iota // at the '<' of a tag it leaves to scanFast
	tfText        // where character data it leaves to scanFast starts (or at len(buf))
	tfDone        // past the item's last '>': the item is complete
)

// tagFast, in assembly (fast_amd64.s), is this loop for the plain case:
// from the '<' at buf[pos], it appends to t the elements, attributes and
// character data that scanFast would, updating t's lengths, *def (the
// default namespace in scope, d.defNS) and the tokens, exactly as scanFast
// does, with every value in a register and no call but to attrLoop. Its
// plain case is:
//   - start tags with an ASCII name without ':', attributes as attrFast
//     takes them, and at most a default namespace declaration that
//     finishStartTag would take as it is (plainDefaultNS);
//   - end tags with '>' straight after the name;
//   - character data of plain ASCII, TAB and LF, before a '<';
//   - all within the limits and the tape's capacity.
//
// It stops at the first construct outside that, before changing anything
// for it, and reports where: at its '<' (tfTag) or at the start of its
// character data (tfText). A tag's attributes past t.attrs' length may
// have been written; nothing else past any length.

// lowerLen returns how many of the bytes of w, from the first, are ASCII
// lower-case letters (8 if all are): the start of a name, in one go.
func lowerLen(w uint64) int {
	low := w & (lo8 * 0x7F) // no carry out of a byte below
	az := (low + lo8*(0x80-'a')) &^ (low + lo8*(0x80-'z'-1)) &^ w
	return bits.TrailingZeros64(^az&hi8) >> 3
}

// attrList goes on with a start tag's attributes from where attrFast
// stopped (r: the index, the tape's attribute count, and the filter, flags
// and xmlnsAt so far; first is the tag's first attribute), to the end of
// the tag, appending them to the tape. It returns the index
// past the tag's '>' (or "/>"), the index of the attribute that declares
// the default namespace (valid with tagXmlns), and the tag's flags; alFail
// when it meets what it leaves to the state machine (the caller rolls the
// tape back). A function of its own because it is a loop with little
// state: inside scanFast, its values competed for registers with the
// whole scanner's, and were spilled and reloaded on every attribute.
func (t *tape) attrList(buf []byte, r *attrRun, first int, lim *limits) (int, int, uint8) {
	n := len(buf)
	attrMax := attrLimit(first, lim)
	t.attrs = t.attrs[:r.k]
	i, bloom, flagged, xmlnsAt := r.i, r.bloom, r.flags, r.xmlnsAt
	for uint(i) < uint(n) { // unsigned: i >= 0 too, so no bounds checks below
		c := buf[i]
		if c == '>' {
			return i + 1, xmlnsAt, flagged
		}
		if c == '/' {
			if i+1 >= n || buf[i+1] != '>' {
				break
			}
			return i + 2, xmlnsAt, flagged | alEmpty
		}
		// White space, then a name.
		if c != ' ' && !isSpace(c) {
			break
		}
		if i++; uint(i) >= uint(n) {
			break
		}
		c = buf[i]
		if class[c]&cNameStart == 0 {
			if !isSpace(c) && c != '>' && c != '/' {
				break
			}
			continue // more white space, or the tag's end
		}
		as := i
		var w uint64 // the name's first eight bytes, if there are eight
		if i+8 <= n {
			w = binary.LittleEndian.Uint64(buf[i : i+8 : i+8])
			i += lowerLen(w)
		}
		var acc uint8
		for ; uint(i) < uint(n); i++ {
			cl := class[buf[i]]
			if cl&cName == 0 {
				break
			}
			acc |= cl
		}
		// The value must follow at once: name='value'.
		if uint(i+1) >= uint(n) || buf[i] != '=' {
			break
		}
		ql := i - as
		if ql > int(lim.MaxNameLen) {
			break
		}
		colon := 0
		if acc&cColon != 0 {
			if colon = nameColon(buf[as:i]); colon <= 0 {
				break
			}
			flagged |= tagPrefixed
		} else if ql == 5 && w&0xFF_FFFF_FFFF == xmlnsWord {
			// (Fewer than eight bytes left, w is zero: but then no value
			// can follow "xmlns=" in buf, and the tag is left to scan.)
			flagged |= tagXmlns
			xmlnsAt = len(t.attrs)
		}
		k := len(t.attrs)
		if k >= attrMax {
			break
		}
		q := buf[i+1]
		if q != '\'' && q != '"' {
			break
		}
		// Duplicate names: a 64-bit filter over (first byte, length),
		// then a comparison only on a possible repeat.
		bit := uint64(1) << ((uint(buf[as]) + uint(ql)<<2) & 63)
		if bloom&bit != 0 && dupAttr(buf, t.attrs[first:], as, ql) {
			break
		}
		bloom |= bit
		// The attribute goes on the tape before its value is scanned, so
		// that little is live across the call (every register is lost
		// in it); if the value fails, the caller rolls the tape back.
		if k == cap(t.attrs) {
			t.growAttrs(int(lim.MaxNodes))
		}
		// Resliced in a local, so that the store and the pointer kept
		// for after the call need no bounds check.
		vs := i + 2
		attrs := t.attrs[:k+1]
		a := &attrs[k]
		*a = attr{start: uint32(as), vstart: uint32(vs), qlen: uint16(ql), plen: uint16(colon)}
		t.attrs = attrs
		// The value: plain ASCII up to the quote in plainRun; anything
		// else in attrValue.
		ve := plainRun(buf, vs, lo8*uint64(q))
		var fl uint8
		if uint(ve) >= uint(n) || buf[ve] != q {
			if ve, fl = attrValue(buf, ve, q); ve < 0 {
				break
			}
		}
		a.vend, a.flags = uint32(ve), fl
		// Back to attrFast for the attributes after this one.
		*r = attrRun{bloom: bloom, flags: flagged, xmlnsAt: xmlnsAt}
		end := attrFast(buf, ve+1, t.attrs, min(attrMax, cap(t.attrs)), int(lim.MaxNameLen), r)
		t.attrs = t.attrs[:r.k]
		if end {
			return r.i, r.xmlnsAt, r.flags
		}
		i, bloom, flagged, xmlnsAt = r.i, r.bloom, r.flags, r.xmlnsAt
	}
	return 0, 0, alFail
}

// attrLimit is how many attributes the tape may hold once a tag whose
// first attribute is at first is done: MaxAttrs for the tag, and MaxNodes
// for the whole tree.
func attrLimit(first int, lim *limits) int {
	return min(first+int(lim.MaxAttrs), int(lim.MaxNodes))
}

// xmlnsWord is "xmlns" as the low five bytes of a little-endian word.
const xmlnsWord = 'x' | 'm'<<8 | 'l'<<16 | 'n'<<24 | 's'<<32

// What a start tag holds that the inline path must know about.
const (
	tagXmlns    = 1 << iota // declares the default namespace (xmlns='...')
	tagPrefixed             // has a prefixed attribute (or declares a prefix)
	alEmpty                 // attrList: the tag ended with "/>"
	alFail      = 1 << 7    // attrList: left to the state machine
)

// plainDefaultNS reports whether the default namespace declaration a can be
// applied inline: its value needs no decoding, and it cannot be one of the
// reserved namespaces finishStartTag refuses (their lengths differ from any
// value it accepts here only by being exactly those lengths).
func plainDefaultNS(buf []byte, a *attr) bool {
	l := a.vend - a.vstart
	return a.flags == 0 && l != 0 && l != uint32(len(nsXML)) && l != uint32(len(nsXMLNS))
}

// dupAttr reports whether an attribute in attrs has the qlen-byte name at
// buf[as].
func dupAttr(buf []byte, attrs []attr, as, ql int) bool {
	for k := range attrs {
		b := &attrs[k]
		if int(b.qlen) == ql && string(buf[b.start:int(b.start)+ql]) == string(buf[as:as+ql]) {
			return true
		}
	}
	return false
}

// sameName reports whether the l bytes at buf[a] and at buf[b] are equal,
// for an end tag against its start tag: one word compare for a short name.
func sameName(buf []byte, a, b, l int) bool {
	if l <= 8 && a+8 <= len(buf) && b+8 <= len(buf) {
		// Three-index slices of a constant capacity: no pointer masking.
		x := binary.LittleEndian.Uint64(buf[a:a+8:a+8]) ^ binary.LittleEndian.Uint64(buf[b:b+8:b+8])
		return x<<(64-8*uint(l)) == 0 // l >= 1: names are never empty
	}
	return string(buf[a:a+l]) == string(buf[b:b+l])
}

// nameColon returns the prefix length of a name containing a colon, or 0
// when the colon use is malformed (first, last, or more than one).
func nameColon(name []byte) int {
	c := 0
	for c < len(name) && name[c] != ':' {
		c++
	}
	if c == 0 || c == len(name)-1 {
		return 0
	}
	for _, b := range name[c+1:] {
		if b == ':' {
			return 0
		}
	}
	return c
}

// plainRunGo is plainRun in portable Go (plain_amd64.s has the amd64
// version; the tests hold the two to the same answers): it returns the index
// of the first control or non-ASCII byte, '&', '<', or byte equal to the one
// broadcast in stop (an attribute's quote; ']' for text) from buf[i], or
// len(buf) if there is none.
func plainRunGo(buf []byte, i int, stop uint64) int {
	for ; i+8 <= len(buf); i += 8 {
		w := binary.LittleEndian.Uint64(buf[i : i+8 : i+8])
		a, l, s := w^(lo8*'&'), w^(lo8*'<'), w^stop
		m := (w - lo8*0x20) | w | (a-lo8)&^a | (l-lo8)&^l | (s-lo8)&^s
		if m &= hi8; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(buf); i++ {
		if c := buf[i]; c < 0x20 || c >= utf8.RuneSelf || c == '&' || c == '<' || c == byte(stop) {
			break
		}
	}
	return i
}

// attrValue scans an attribute value from buf[i] to its closing quote q and
// returns the quote's index and the value's flags, or -1 where charScan
// would stop (an error, or input ending) or where a closer look is wanted.
func attrValue(buf []byte, i int, q byte) (int, uint8) {
	var flags uint8
	qq := lo8 * uint64(q)
	for {
		// Straight to the first byte that is not plain: the quote, a
		// control or non-ASCII byte, '&' or '<'.
		if i = plainRun(buf, i, qq); i >= len(buf) {
			return -1, 0
		}
		c := buf[i]
		switch {
		case c == q:
			return i, flags
		case c == '\t' || c == '\n':
			flags |= fWS
			i++
		case c == '\r':
			flags |= fCR | fWS
			i++
		case c == '&':
			j, res := checkRef(buf, i)
			if res != refOK {
				return -1, 0
			}
			flags |= fRefs
			i = j
		case c >= utf8.RuneSelf:
			j := utf8Run(buf, i, q)
			if j == i {
				return -1, 0
			}
			i = j
		default: // '<' or another control character
			return -1, 0
		}
	}
}

// textRun scans character data from buf[i] and returns where it stopped and
// the flags of the bytes before that (as charScan sets them). It stops at
// the next '<' or at the first thing it leaves to charScan: an error, a
// reference or a character cut by the end of buf, or a ']' that could begin
// "]]>". Every byte before the stop is valid character data and the stop is
// on a character boundary, outside any reference and any possible "]]>", so
// the state machine can take over there (stText) as if charScan had stopped
// at that point itself.
func textRun(buf []byte, i int) (int, uint8) {
	var flags uint8
	for {
		if i = plainRun(buf, i, lo8*']'); i >= len(buf) {
			return len(buf), flags
		}
		switch c := buf[i]; {
		case c == '<':
			return i, flags
		case c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != ']':
			i++
		case c == '\t' || c == '\n':
			flags |= fWS
			i++
		case c == '\r':
			flags |= fCR | fWS
			i++
		case c == '&':
			j, res := checkRef(buf, i)
			if res != refOK {
				return i, flags
			}
			flags |= fRefs
			i = j
		case c == ']':
			// "]]>" is an error; anything cut by the end of the input is
			// left to the state machine.
			if i+2 >= len(buf) || buf[i+1] == ']' && buf[i+2] == '>' {
				return i, flags
			}
			i++
		case c >= utf8.RuneSelf:
			j := utf8Run(buf, i, '<')
			if j == i {
				return i, flags
			}
			i = j
		default:
			return i, flags
		}
	}
}

// utf8Run skips from buf[i] (a byte >= 0x80) over a run of well-formed
// UTF-8 XML characters and the printable ASCII between them (Cyrillic or
// CJK words and the spaces and punctuation between), stopping at any ASCII
// byte needing a look: what charScan does not take as plain, TAB and LF
// (flags), and stop (the quote or '<'). It returns -1 if the character at
// buf[i] is not one charScan accepts in full.
func utf8Run(buf []byte, i int, stop byte) int {
	for uint(i) < uint(len(buf)) { // unsigned: i >= 0 too, so no bounds checks below
		c := buf[i]
		switch {
		case c < utf8.RuneSelf:
			if c < 0x20 || class[c]&cTextOK == 0 || c == stop {
				return i
			}
			// Latin text around an accent or an emoji goes back to the
			// caller's plainRun after a space, sixteen bytes at a time;
			// Cyrillic or CJK words stay here.
			if i++; c == ' ' && i+8 <= len(buf) && binary.LittleEndian.Uint64(buf[i:i+8:i+8])&hi8 == 0 {
				return i
			}
		case c >= 0xC2 && c <= 0xDF && uint(i+1) < uint(len(buf)) && buf[i+1]&0xC0 == 0x80:
			i += 2
		case c >= 0xE1 && c <= 0xEC && uint(i+2) < uint(len(buf)) && buf[i+1]&0xC0 == 0x80 && buf[i+2]&0xC0 == 0x80:
			i += 3
		default:
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && size <= 1 || !isXMLChar(r) {
				return i
			}
			i += size
		}
	}
	return i
}
