package bosh

import "bytes"

// What the session sends is an XMPP stream: a header, top-level elements
// that inherit jabber:client from it, a trailer. BOSH carries only the
// elements (XEP-0206 §5), each one standing alone inside a <body/> whose
// default namespace is httpbind; so the header and trailer go, and a
// stanza that relied on the stream's default namespace gets its own
// xmlns='jabber:client'. Stream-level elements keep their "stream:" prefix,
// which the wrapper then declares.

// frameFlags report what appendPayload saw.
type frameFlags uint8

const (
	frStreamNS  frameFlags = 1 << iota // a stream:-prefixed element (features, error)
	frStreamErr                        // <stream:error/>
	frStreamEnd                        // </stream:stream>
	frHeader                           // a stream header (its id is returned)
)

// appendPayload appends the top-level elements of p, which the session or
// the router produced (well-formed, no comments or processing
// instructions), to dst. It returns the header's id attribute when p
// opens a stream. It never panics on malformed input: what it cannot
// frame it copies as is.
func appendPayload(dst, p []byte) ([]byte, frameFlags, []byte) {
	var fl frameFlags
	var id []byte
	i := 0
	for i < len(p) {
		c := p[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			i++
			continue
		}
		if c != '<' {
			// Character data at stream level: the session never sends it.
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				return append(dst, p[i:]...), fl, id
			}
			dst = append(dst, p[i:i+j]...)
			i += j
			continue
		}
		rest := p[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			j := bytes.Index(rest, []byte("?>"))
			if j < 0 {
				return dst, fl, id
			}
			i += j + 2
			continue
		case bytes.HasPrefix(rest, []byte("<stream:stream")) && isNameEnd(rest, len("<stream:stream")):
			end, _ := tagEnd(p, i)
			fl |= frHeader
			id = attrValue(p[i:end], "id")
			i = end
			continue
		case bytes.HasPrefix(rest, []byte("</stream:stream")):
			fl |= frStreamEnd
			j := bytes.IndexByte(rest, '>')
			if j < 0 {
				return dst, fl, id
			}
			i += j + 1
			continue
		}
		nameEnd := i + 1
		for nameEnd < len(p) && !isSpaceOrTagEnd(p[nameEnd]) {
			nameEnd++
		}
		name := p[i+1 : nameEnd]
		end := elementEnd(p, i)
		switch {
		case bytes.IndexByte(name, ':') >= 0:
			if bytes.HasPrefix(name, []byte("stream:")) {
				fl |= frStreamNS
				if string(name) == "stream:error" {
					fl |= frStreamErr
				}
			}
			dst = append(dst, p[i:end]...)
		case !declaresDefaultNS(p, nameEnd):
			dst = append(dst, p[i:nameEnd]...)
			dst = append(dst, " xmlns='"+nsClient+"'"...)
			dst = append(dst, p[nameEnd:end]...)
		default:
			dst = append(dst, p[i:end]...)
		}
		i = end
	}
	return dst, fl, id
}

func isSpaceOrTagEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'
}

func isNameEnd(p []byte, i int) bool { return i >= len(p) || isSpaceOrTagEnd(p[i]) }

// tagEnd returns the index just past the tag that starts at p[i] ('<'),
// skipping quoted attribute values, and whether it is self-closing.
func tagEnd(p []byte, i int) (int, bool) {
	var quote byte
	for j := i + 1; j < len(p); j++ {
		c := p[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			return j + 1, p[j-1] == '/'
		}
	}
	return len(p), false
}

// elementEnd returns the index just past the element that starts at p[i].
func elementEnd(p []byte, i int) int {
	depth := 0
	for j := i; j < len(p); {
		if p[j] != '<' {
			k := bytes.IndexByte(p[j:], '<')
			if k < 0 {
				return len(p)
			}
			j += k
			continue
		}
		switch {
		case bytes.HasPrefix(p[j:], []byte("<![CDATA[")):
			k := bytes.Index(p[j:], []byte("]]>"))
			if k < 0 {
				return len(p)
			}
			j += k + 3
		case j+1 < len(p) && p[j+1] == '/':
			k := bytes.IndexByte(p[j:], '>')
			if k < 0 {
				return len(p)
			}
			j += k + 1
			depth--
			if depth <= 0 {
				return j
			}
		default:
			end, self := tagEnd(p, j)
			j = end
			if !self {
				depth++
			} else if depth == 0 {
				return j
			}
		}
	}
	return len(p)
}

// declaresDefaultNS reports whether the start tag whose name ends at p[i]
// has an xmlns='...' attribute.
func declaresDefaultNS(p []byte, i int) bool {
	for i < len(p) {
		for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
			i++
		}
		if i >= len(p) || p[i] == '>' || p[i] == '/' {
			return false
		}
		start := i
		for i < len(p) && p[i] != '=' && p[i] != '>' {
			i++
		}
		name := bytes.TrimRight(p[start:i], " \t\r\n")
		if string(name) == "xmlns" {
			return true
		}
		for i < len(p) && p[i] != '\'' && p[i] != '"' && p[i] != '>' {
			i++
		}
		if i >= len(p) || p[i] == '>' {
			return false
		}
		q := p[i]
		k := bytes.IndexByte(p[i+1:], q)
		if k < 0 {
			return false
		}
		i += k + 2
	}
	return false
}

// attrValue returns the raw value of attribute name in the start tag tag.
func attrValue(tag []byte, name string) []byte {
	i := bytes.IndexAny(tag, " \t\r\n")
	for i >= 0 && i < len(tag) {
		for i < len(tag) && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\r' || tag[i] == '\n') {
			i++
		}
		start := i
		for i < len(tag) && tag[i] != '=' && tag[i] != '>' {
			i++
		}
		if i >= len(tag) || tag[i] == '>' {
			return nil
		}
		n := bytes.TrimRight(tag[start:i], " \t\r\n")
		for i < len(tag) && tag[i] != '\'' && tag[i] != '"' {
			i++
		}
		if i >= len(tag) {
			return nil
		}
		q := tag[i]
		k := bytes.IndexByte(tag[i+1:], q)
		if k < 0 {
			return nil
		}
		if string(n) == name {
			return tag[i+1 : i+1+k]
		}
		i += k + 2
	}
	return nil
}
