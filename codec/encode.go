package codec

// Append-style encoding: every function appends to dst and returns the
// extended slice, so a caller builds a stanza in one reusable buffer.

// bytestring is what the escaping functions accept.
type bytestring interface{ ~string | ~[]byte }

// AppendText appends s escaped as character data: '&', '<' and '>' become
// references ('>' always, so "]]>" can never appear), and CR becomes "&#xD;"
// so that it survives line-end normalisation.
func AppendText[S bytestring](dst []byte, s S) []byte {
	return appendEscaped(dst, s, &textEscapes)
}

// AppendAttrValue appends s escaped for an attribute value in either kind of
// quotes. TAB, LF and CR become references so that attribute-value
// normalisation leaves them intact.
func AppendAttrValue[S bytestring](dst []byte, s S) []byte {
	return appendEscaped(dst, s, &attrEscapes)
}

// references are what the escapers write; textEscapes and attrEscapes map
// a byte to its reference's index (0: the byte is written as it is).
var (
	references  = [...]string{"", "&amp;", "&lt;", "&gt;", "&#xD;", "&quot;", "&apos;", "&#x9;", "&#xA;"}
	textEscapes = [256]uint8{'&': 1, '<': 2, '>': 3, '\r': 4}
	attrEscapes = [256]uint8{'&': 1, '<': 2, '>': 3, '\r': 4, '"': 5, '\'': 6, '\t': 7, '\n': 8}
)

// appendEscaped appends s with every byte that esc maps replaced by its
// reference, copying the runs between them whole.
func appendEscaped[S bytestring](dst []byte, s S, esc *[256]uint8) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		k := esc[s[i]]
		if k == 0 {
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, references[k]...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}

// AppendAttr appends ` name='value'` with the value escaped.
func AppendAttr[N, V bytestring](dst []byte, name N, value V) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, '=', '\'')
	dst = AppendAttrValue(dst, value)
	return append(dst, '\'')
}

// AppendStart appends "<name" and the attributes given as name, value pairs,
// and leaves the tag open so that more attributes can follow; close it with
// '>' or "/>".
func AppendStart(dst []byte, name string, attrs ...string) []byte {
	dst = append(dst, '<')
	dst = append(dst, name...)
	for i := 0; i+1 < len(attrs); i += 2 {
		dst = AppendAttr(dst, attrs[i], attrs[i+1])
	}
	return dst
}

// AppendEnd appends "</name>".
func AppendEnd(dst []byte, name string) []byte {
	dst = append(dst, '<', '/')
	dst = append(dst, name...)
	return append(dst, '>')
}

// AppendEmpty appends "<name a='v' .../>".
func AppendEmpty(dst []byte, name string, attrs ...string) []byte {
	return append(AppendStart(dst, name, attrs...), '/', '>')
}

// AppendTextElement appends "<name>text</name>" with text escaped.
func AppendTextElement[S bytestring](dst []byte, name string, text S) []byte {
	dst = append(AppendStart(dst, name), '>')
	dst = AppendText(dst, text)
	return AppendEnd(dst, name)
}

// AppendElement appends e re-encoded from the view: names and namespace
// declarations as written, attribute values and text decoded and escaped
// again. The result decodes to the same elements, attributes and text.
func AppendElement(dst []byte, e Element) []byte {
	dst = append(dst, '<')
	dst = append(dst, e.QName()...)
	for a := range e.Attrs() {
		dst = AppendAttr(dst, a.QName(), a.Value())
	}
	if e.IsEmpty() {
		return append(dst, '/', '>')
	}
	dst = append(dst, '>')
	for n := range e.Nodes() {
		if n.IsText() {
			dst = AppendText(dst, n.Text())
		} else {
			dst = AppendElement(dst, n.Element())
		}
	}
	dst = append(dst, '<', '/')
	dst = append(dst, e.QName()...)
	return append(dst, '>')
}

// AppendAddressed appends e as received except for its "from" and "to"
// attributes: a non-nil from or to replaces the attribute (or adds it), nil
// keeps what was there. The rest of the stanza is copied byte for byte,
// which is how a server stamps and routes a stanza without re-encoding it.
func AppendAddressed(dst []byte, e Element, from, to []byte) []byte {
	t := e.t
	buf := e.d.buf
	dst = append(dst, buf[t.start:t.start+1+uint32(t.qlen)]...)
	attrs := e.d.attrs[t.attr : t.attr+uint32(t.nattr)]
	for i := range attrs {
		a := &attrs[i]
		if a.plen == 0 && a.decl == 0 {
			name := buf[a.start : a.start+uint32(a.qlen)]
			if (from != nil && string(name) == "from") || (to != nil && string(name) == "to") {
				continue
			}
		}
		dst = append(dst, ' ')
		dst = append(dst, buf[a.start:a.vend+1]...)
	}
	if from != nil {
		dst = AppendAttr(dst, "from", from)
	}
	if to != nil {
		dst = AppendAttr(dst, "to", to)
	}
	if t.inner == t.end {
		return append(dst, '/', '>')
	}
	dst = append(dst, '>')
	return append(dst, buf[t.inner:t.end]...)
}

// StreamHeader is what AppendStreamHeader writes.
type StreamHeader struct {
	NS      string // content namespace: jabber:client, jabber:component:accept
	From    string
	To      string
	ID      string
	Version string // "1.0"; empty for none
	Lang    string
}

// AppendStreamHeader appends the XML declaration and an opening
// <stream:stream> tag with the streams namespace bound to "stream".
func AppendStreamHeader(dst []byte, h StreamHeader) []byte {
	dst = append(dst, "<?xml version='1.0'?><stream:stream xmlns='"...)
	dst = AppendAttrValue(dst, h.NS)
	dst = append(dst, "' xmlns:stream='"+nsStreams+"'"...)
	for _, kv := range [...][2]string{{"from", h.From}, {"to", h.To}, {"id", h.ID}, {"version", h.Version}, {"xml:lang", h.Lang}} {
		if kv[1] != "" {
			dst = AppendAttr(dst, kv[0], kv[1])
		}
	}
	return append(dst, '>')
}

// AppendStreamEnd appends the closing stream tag.
func AppendStreamEnd(dst []byte) []byte { return append(dst, "</stream:stream>"...) }
