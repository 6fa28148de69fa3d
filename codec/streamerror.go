package codec

const nsStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams"

// AppendStreamError appends a stream error with the defined condition cond,
// an optional English text, and the closing stream tag (RFC 6120 §4.9):
// a stream error always ends the stream.
func AppendStreamError(dst []byte, cond, text string) []byte {
	dst = append(dst, "<stream:error><"...)
	dst = append(dst, cond...)
	dst = append(dst, " xmlns='"+nsStreamErrors+"'/>"...)
	if text != "" {
		dst = append(dst, "<text xmlns='"+nsStreamErrors+"' xml:lang='en'>"...)
		dst = AppendText(dst, text)
		dst = append(dst, "</text>"...)
	}
	return append(dst, "</stream:error></stream:stream>"...)
}

const nsStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"

// AppendStanzaError appends the <error/> child of a stanza error (RFC 6120
// §8.3.2): its type, the defined condition cond, an optional English text,
// and extra, an application-specific condition element already encoded
// (§8.3.3.1), or "".
func AppendStanzaError(dst []byte, typ, cond, text, extra string) []byte {
	dst = append(dst, "<error"...)
	dst = AppendAttr(dst, "type", typ)
	dst = append(dst, "><"...)
	dst = append(dst, cond...)
	dst = append(dst, " xmlns='"+nsStanzaErrors+"'/>"...)
	if text != "" {
		dst = append(dst, "<text xmlns='"+nsStanzaErrors+"' xml:lang='en'>"...)
		dst = AppendText(dst, text)
		dst = append(dst, "</text>"...)
	}
	dst = append(dst, extra...)
	return append(dst, "</error>"...)
}
