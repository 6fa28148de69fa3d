package component

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// Stanzas handed to Router.Deliver were produced by this server (stamped
// by a session, or copied from a decoder's view), so they are well-formed;
// reading an attribute of their start tag needs no decoder. These scanners
// still stop safely on anything malformed: they never panic, and report
// "not found".

// tagAttr returns the raw (undecoded) value of the unprefixed attribute
// name on the first start tag of b.
func tagAttr(b []byte, name string) ([]byte, bool) {
	_, _, vs, ve, ok := findAttr(b, name)
	if !ok {
		return nil, false
	}
	return b[vs:ve], true
}

// findAttr locates attribute name on the first start tag of b: the
// attribute runs from start (the white space before it) to end (past its
// closing quote); its value is b[vs:ve].
func findAttr(b []byte, name string) (start, end, vs, ve int, ok bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != '<' {
		return
	}
	i++
	for i < len(b) && !isSpace(b[i]) && b[i] != '>' && b[i] != '/' {
		i++
	}
	for i < len(b) {
		start = i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) || b[i] == '>' || b[i] == '/' {
			return 0, 0, 0, 0, false
		}
		ns := i
		for i < len(b) && b[i] != '=' && !isSpace(b[i]) && b[i] != '>' {
			i++
		}
		an := b[ns:i]
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) || b[i] != '=' {
			return 0, 0, 0, 0, false
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) || (b[i] != '\'' && b[i] != '"') {
			return 0, 0, 0, 0, false
		}
		q := b[i]
		j := bytes.IndexByte(b[i+1:], q)
		if j < 0 {
			return 0, 0, 0, 0, false
		}
		vs, ve = i+1, i+1+j
		i = ve + 1
		if string(an) == name {
			return start, i, vs, ve, true
		}
	}
	return 0, 0, 0, 0, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// dropDefaultNS returns b without the xmlns='ns' declaration on its first
// start tag, so that the element inherits its receiver's default namespace
// instead; b itself when there is none. b is not modified.
func dropDefaultNS(b []byte, ns string) []byte {
	start, end, vs, ve, ok := findAttr(b, "xmlns")
	if !ok || string(unescapeAttr(b[vs:ve])) != ns {
		return b
	}
	out := make([]byte, 0, len(b)-(end-start))
	return append(append(out, b[:start]...), b[end:]...)
}

// unescapeAttr decodes the predefined entities and character references of
// a raw attribute value; it returns v itself when there are none. An
// unknown or broken reference is kept as written.
func unescapeAttr(v []byte) []byte {
	i := bytes.IndexByte(v, '&')
	if i < 0 {
		return v
	}
	out := append(make([]byte, 0, len(v)), v[:i]...)
	for i < len(v) {
		if v[i] != '&' {
			out = append(out, v[i])
			i++
			continue
		}
		j := bytes.IndexByte(v[i:], ';')
		if j < 0 {
			out = append(out, v[i:]...)
			break
		}
		ref := string(v[i+1 : i+j])
		switch ref {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "apos":
			out = append(out, '\'')
		case "quot":
			out = append(out, '"')
		default:
			r, ok := charRef(ref)
			if !ok {
				out = append(out, v[i:i+j+1]...)
			} else {
				out = utf8.AppendRune(out, r)
			}
		}
		i += j + 1
	}
	return out
}

func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	return rune(n), true
}
