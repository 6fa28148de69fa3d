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
