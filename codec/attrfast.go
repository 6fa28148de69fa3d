package codec

import "unicode/utf8"

// attrRun is where attrFast stopped: the index it reached, the tape's
// attribute count, and the duplicate filter, flags and default namespace
// declaration of the tag's attributes so far, for attrList to go on from.
// attrFast starts from the filter, flags and xmlnsAt in r (all zero at a
// tag's first attribute; attrList hands back what it added).
type attrRun struct {
	i       int    // past the tag when attrFast returns true; else the next attribute's white space
	k       int    // attributes on the tape
	bloom   uint64 // attrList's duplicate filter over the attributes appended
	xmlnsAt int    // with tagXmlns: the attribute declaring the default namespace
	flags   uint8  // tagXmlns, alEmpty
}

// attrFastGo is attrFast in portable Go, and its specification (the tests
// hold the assembly to its answers): it appends the attributes of a start
// tag from buf[i], just past the name, while each is the plain case: one
// space; an ASCII name without a prefix, or with "xml:" (the attribute
// gets the XML namespace, the tag tagPrefixed); '='; a quoted value that
// starts at least sixteen bytes before the end of buf, looked through
// sixteen bytes at a time, holding plain ASCII (see plainRun), TAB and LF
// (fWS), references checkRef takes (fRefs) and the non-ASCII characters
// utf8SkipGo takes; and no possible repeat by attrList's filter. It
// reports whether it reached the tag's end ('>' or "/>"); otherwise r
// says where attrList takes over. Tape slots are written from
// attrs[len(attrs)] up to limit, which is at most cap(attrs); maxName
// bounds a name's length. The filter, flags and xmlnsAt in r are the
// tag's so far, and are updated in place.
func attrFastGo(buf []byte, i int, attrs []attr, limit, maxName int, r *attrRun) bool {
	k := len(attrs)
	attrs = attrs[:cap(attrs)]
	end := false
	for i < len(buf) {
		c := buf[i]
		if c == '>' {
			i, end = i+1, true
			break
		}
		if c == '/' {
			if i+1 < len(buf) && buf[i+1] == '>' {
				i, end = i+2, true
				r.flags |= alEmpty
			}
			break
		}
		as := i + 1
		if c != ' ' || as >= len(buf) || class[buf[as]]&(cNameStart|cColon) != cNameStart {
			break
		}
		e := as + 1
		for e < len(buf) && class[buf[e]]&(cName|cColon) == cName {
			e++
		}
		plen := 0
		if e < len(buf) && buf[e] == ':' && string(buf[as:e]) == "xml" {
			// xml:lang and the like: the xml prefix needs no declaration
			// and is only ever bound to the XML namespace.
			plen, e = 3, e+1
			if e >= len(buf) || class[buf[e]]&(cName|cColon) != cName {
				break
			}
			for e < len(buf) && class[buf[e]]&(cName|cColon) == cName {
				e++
			}
		}
		if e >= len(buf) || buf[e] != '=' {
			break
		}
		ql := e - as
		if ql > maxName || k >= limit {
			break
		}
		bit := uint64(1) << ((uint(buf[as]) + uint(ql)<<2) & 63)
		vs := e + 2
		if r.bloom&bit != 0 || vs+16 > len(buf) {
			break
		}
		q := buf[vs-1]
		if q != '\'' && q != '"' {
			break
		}
		ve, fl := valueFastGo(buf, vs, q)
		if ve < 0 {
			break
		}
		r.bloom |= bit
		attrs[k] = attr{start: uint32(as), vstart: uint32(vs), vend: uint32(ve), qlen: uint16(ql), flags: fl}
		if plen != 0 {
			attrs[k].plen, attrs[k].ns = uint16(plen), nsRef{n: uint32(len(nsXML)), src: srcXML}
			r.flags |= tagPrefixed
		}
		if ql == 5 && string(buf[as:e]) == "xmlns" {
			r.flags |= tagXmlns
			r.xmlnsAt = k
		}
		k++
		i = ve + 1
	}
	r.i, r.k = i, k
	return end
}

// valueFastGo returns the index of the quote q that closes the value from
// buf[b], and the value's flags, or -1 where the assembly leaves the value
// to attrList: it looks through the value sixteen bytes at a time while a
// block fits, and goes past TAB and LF (fWS), references checkRef takes
// with the five bytes after the '&' in buf (fRefs), and the non-ASCII
// characters utf8SkipGo takes.
func valueFastGo(buf []byte, b int, q byte) (int, uint8) {
	var fl uint8
	for b+16 <= len(buf) {
		j := plainRunGo(buf[:b+16], b, lo8*uint64(q))
		if j == b+16 {
			b = j
			continue
		}
		switch c := buf[j]; {
		case c == q:
			return j, fl
		case c == '&':
			k, res := checkRef(buf, j)
			if j+6 > len(buf) || res != refOK {
				return -1, 0
			}
			fl |= fRefs
			b = k
		case c == '\t' || c == '\n':
			fl |= fWS
			b = j + 1
		case c < utf8.RuneSelf:
			return -1, 0
		default:
			if b = utf8SkipGo(buf, j); b >= len(buf) || buf[b] >= utf8.RuneSelf {
				return -1, 0
			}
		}
	}
	return -1, 0
}

// utf8SkipGo returns the index past the well-formed UTF-8 characters from
// buf[i], a byte >= 0x80, that are XML characters (every one from U+0080
// but U+D800-U+DFFF, U+FFFE and U+FFFF). It stops at an ASCII byte, at the
// end of buf (where a character may be cut), or at a byte that starts no
// such character; the caller leaves what follows to the Go code (utf8Run)
// unless it is ASCII.
func utf8SkipGo(buf []byte, i int) int {
	cont := func(k int) bool { return buf[k]&0xC0 == 0x80 }
	for i < len(buf) {
		switch c := buf[i]; {
		case c >= 0xC2 && c < 0xE0 && i+1 < len(buf) && cont(i+1):
			i += 2
		case c >= 0xE0 && c < 0xF0 && i+2 < len(buf) && cont(i+1) && cont(i+2):
			// Not overlong (E0 80-9F), a surrogate (ED A0-BF), U+FFFE
			// or U+FFFF.
			v := uint(c)<<8 | uint(buf[i+1])
			if v < 0xE0A0 || v >= 0xEDA0 && v <= 0xEDBF || v == 0xEFBF && buf[i+2] >= 0xBE {
				return i
			}
			i += 3
		case c >= 0xF0 && c <= 0xF4 && i+3 < len(buf) && cont(i+1) && cont(i+2) && cont(i+3) &&
			(c != 0xF0 || buf[i+1] >= 0x90) && (c != 0xF4 || buf[i+1] < 0x90):
			i += 4
		default:
			return i
		}
	}
	return i
}
