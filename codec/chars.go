package codec

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Byte classes for the ASCII range.
const (
	cNameStart = 1 << iota // may start a name
	cName                  // may continue a name
	cSpace                 // XML white space: SP, HT, LF, CR
	cTextOK                // plain character data, nothing to look at
	cColon                 // ':' (names with one need a closer look)
)

var class [256]uint8

func init() {
	for c := 0x20; c < 0x80; c++ {
		class[c] |= cTextOK
	}
	for _, c := range []byte{'&', '<', ']', '\r'} {
		class[c] &^= cTextOK
	}
	for c := 'a'; c <= 'z'; c++ {
		class[c] |= cNameStart | cName
	}
	for c := 'A'; c <= 'Z'; c++ {
		class[c] |= cNameStart | cName
	}
	class['_'] |= cNameStart | cName
	class[':'] |= cNameStart | cName | cColon
	for c := '0'; c <= '9'; c++ {
		class[c] |= cName
	}
	class['-'] |= cName
	class['.'] |= cName
	for _, c := range []byte{' ', '\t', '\n', '\r'} {
		class[c] |= cSpace
	}
	class['\t'] |= cTextOK
	class['\n'] |= cTextOK
}

func isSpace(c byte) bool { return class[c]&cSpace != 0 }

// SWAR constants: a word of 0x01 bytes and of 0x80 bytes.
const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// dirtyMask returns a mask with the high bit set in every byte of w that
// plain ASCII character data may not contain without a closer look: bytes
// >= 0x80 or < 0x20, '&', ']', and the byte broadcast in extra (when extra is
// non-zero). Borrows make bits above a hit unreliable, but the lowest set bit
// is exact, which is all the caller uses.
func dirtyMask(w, extra uint64) uint64 {
	m := w & hi8
	m |= (w - 0x2020202020202020) &^ w & hi8
	x := w ^ (lo8 * '&')
	m |= (x - lo8) &^ x & hi8
	x = w ^ (lo8 * ']')
	m |= (x - lo8) &^ x & hi8
	x = w ^ extra
	m |= (x - lo8) &^ x & hi8
	return m
}

// Flags recorded on text runs and attribute values.
const (
	fRefs = 1 << iota // contains a character or entity reference
	fCR               // contains a CR (line-end normalisation needed)
	fWS               // attribute value contains TAB, LF or CR
)

// isXMLChar reports whether r is a Char of XML 1.0 (§2.2).
func isXMLChar(r rune) bool {
	switch {
	case r < 0x20:
		return r == 0x9 || r == 0xA || r == 0xD
	case r <= 0xD7FF:
		return true
	case r < 0xE000:
		return false
	case r <= 0xFFFD:
		return true
	case r < 0x10000:
		return false
	default:
		return r <= 0x10FFFF
	}
}

// isNameStartRune and isNameRune implement XML 1.0 5th edition §2.3 for
// non-ASCII runes.
func isNameStartRune(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == 0xB7 || (r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

// scanName scans an XML name starting at buf[i]. It returns the index just
// past the name, the length of the prefix before its colon (0 if none), and
// whether the name was complete (a non-name byte follows it inside buf). A
// zero-length name, a bad character or a malformed colon use is reported as
// ok=false with complete=true.
func scanName(buf []byte, i int) (end, colon int, complete, ok bool) {
	start := i
	if i < len(buf) && buf[i] < utf8.RuneSelf && class[buf[i]]&cNameStart == 0 {
		return i, 0, true, false
	}
	for {
		for i < len(buf) && class[buf[i]]&cName != 0 {
			i++
		}
		if i == len(buf) {
			return i, 0, false, true
		}
		if buf[i] < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && n <= 1 {
			if !utf8.FullRune(buf[i:]) {
				return i, 0, false, true
			}
			return i, 0, true, false
		}
		if i == start && !isNameStartRune(r) || !isNameRune(r) {
			return i, 0, true, false
		}
		i += n
	}
	if i == start {
		return i, 0, true, false
	}
	name := buf[start:i]
	c := bytes.IndexByte(name, ':')
	if c < 0 {
		return i, 0, true, true
	}
	if c == 0 || c == len(name)-1 || bytes.IndexByte(name[c+1:], ':') >= 0 {
		return i, 0, true, false
	}
	return i, c, true, true
}

// refResult classifies a reference at buf[i] == '&'.
type refResult uint8

const (
	refOK         refResult = iota
	refIncomplete           // buf ends before the ';'
	refBad                  // not a well-formed or legal character reference
	refUndeclared           // a named entity other than the predefined five
)

const maxRefLen = 12 // "&#x0010FFFF;" and longer zero-padded forms are refused

// checkRef validates the reference starting at buf[i] ('&') and returns the
// index just past its ';'.
func checkRef(buf []byte, i int) (int, refResult) {
	j := i + 1
	if j >= len(buf) {
		return i, refIncomplete
	}
	if buf[j] == '#' {
		j++
		hex := false
		if j < len(buf) && buf[j] == 'x' {
			hex = true
			j++
		}
		digits := j
		var v rune
		for ; j < len(buf) && buf[j] != ';'; j++ {
			c := buf[j]
			var d rune
			switch {
			case c >= '0' && c <= '9':
				d = rune(c - '0')
			case hex && c >= 'a' && c <= 'f':
				d = rune(c-'a') + 10
			case hex && c >= 'A' && c <= 'F':
				d = rune(c-'A') + 10
			default:
				return i, refBad
			}
			if hex {
				v = v*16 + d
			} else {
				v = v*10 + d
			}
			if v > 0x10FFFF || j-i >= maxRefLen {
				return i, refBad
			}
		}
		if j >= len(buf) {
			if j-i >= maxRefLen {
				return i, refBad
			}
			return i, refIncomplete
		}
		if j == digits || !isXMLChar(v) {
			return i, refBad
		}
		return j + 1, refOK
	}
	end, colon, complete, ok := scanName(buf, j)
	if end-i >= maxRefLen {
		// Longer than any predefined entity: undeclared, whatever follows
		// (deciding by what follows would make the answer depend on where
		// the input was split).
		return i, refUndeclared
	}
	if !complete {
		return i, refIncomplete
	}
	if !ok || colon != 0 || end == j || buf[end] != ';' {
		return i, refBad
	}
	switch string(buf[j:end]) {
	case "amp", "lt", "gt", "quot", "apos":
		return end + 1, refOK
	}
	return i, refUndeclared
}

// Modes of charScan.
const (
	modeText  = iota // element content: references decoded, "]]>" forbidden
	modeAttr         // attribute value: references decoded, '<' forbidden
	modeCDATA        // CDATA section: everything literal
)

// charScan validates character data in buf[i:end]. end is the position of
// the delimiter ('<' for text, the quote for an attribute value, "]]>" for
// CDATA) or len(buf) when the delimiter has not arrived yet. It stops early,
// without error, where a UTF-8 sequence, a reference or a possible "]]>" is
// cut by the end of buf, and returns where it stopped and the flags it saw;
// on failure it returns the condition and a reason.
func charScan(buf []byte, i, end int, mode int) (int, uint8, Condition, string) {
	var flags uint8
	extra := uint64(lo8 * ']') // a byte no clean word may contain: ']' again when none
	if mode == modeAttr {
		extra = lo8 * '<'
	}
	open := end == len(buf) // the delimiter is still to come
	for i < end {
		// Fast path: eight plain bytes at a time, then straight to the
		// first byte that needs a look.
		for i+8 <= end {
			if m := dirtyMask(binary.LittleEndian.Uint64(buf[i:]), extra); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= end {
			break
		}
		c := buf[i]
		if c < utf8.RuneSelf {
			if class[c]&cTextOK != 0 {
				if c == '\t' || c == '\n' {
					flags |= fWS
				}
				i++
				continue
			}
			switch c {
			case '&':
				if mode == modeCDATA {
					i++
					continue
				}
				j, res := checkRef(buf, i)
				switch res {
				case refIncomplete:
					return i, flags, "", ""
				case refBad:
					return i, flags, NotWellFormed, "malformed character reference"
				case refUndeclared:
					return i, flags, RestrictedXML, "entity reference other than the predefined five"
				}
				if j > end {
					return i, flags, NotWellFormed, "reference crosses markup"
				}
				flags |= fRefs
				i = j
			case '\r':
				flags |= fCR | fWS
				i++
			case ']':
				if mode == modeText {
					if i+2 < end {
						if buf[i+1] == ']' && buf[i+2] == '>' {
							return i, flags, NotWellFormed, "']]>' in character data"
						}
					} else if open && (i+1 == end || buf[i+1] == ']') {
						return i, flags, "", "" // perhaps "]]>" cut by the end of input
					}
				}
				i++
			case '<':
				if mode == modeAttr {
					return i, flags, NotWellFormed, "'<' in attribute value"
				}
				i++ // CDATA; text segments end before '<'
			default:
				return i, flags, NotWellFormed, "control character"
			}
			continue
		}
		// Two- and three-byte sequences inline (Cyrillic, CJK), staying in
		// this loop across the plain ASCII between them (spaces,
		// punctuation) instead of going back to the word loop for each
		// character; the rest through the library.
		if j := skipCommonUTF8(buf, i, end); j > i {
			i = j
			continue
		}
		r, n := utf8.DecodeRune(buf[i:end])
		if r == utf8.RuneError && n <= 1 {
			if open && !utf8.FullRune(buf[i:end]) {
				return i, flags, "", ""
			}
			return i, flags, NotWellFormed, "invalid UTF-8"
		}
		if !isXMLChar(r) {
			return i, flags, NotWellFormed, "character not allowed in XML"
		}
		i += n
	}
	return i, flags, "", ""
}

// skipCommonUTF8 skips from buf[i] over a run of two-byte sequences
// (U+0080..U+07FF), three-byte sequences in U+1000..U+CFFF (neither can be a
// surrogate or a non-character) and plain printable ASCII, all of which are
// XML characters needing no decoding. It returns where the run ends.
func skipCommonUTF8(buf []byte, i, end int) int {
	for i < end {
		c := buf[i]
		switch {
		case c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != ']':
			i++
		case c >= 0xC2 && c <= 0xDF && i+1 < end && buf[i+1]&0xC0 == 0x80:
			i += 2
		case c >= 0xE1 && c <= 0xEC && i+2 < end && buf[i+1]&0xC0 == 0x80 && buf[i+2]&0xC0 == 0x80:
			i += 3
		default:
			return i
		}
	}
	return i
}
