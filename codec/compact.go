package codec

// CompactHeader forgets what of the stream header only its accessors need
// (the raw tag and its attributes) and keeps what decoding needs: the
// stream's qualified name, for its closing tag, and its namespace
// declarations, which the stanzas inherit. After it, Header's Attr, To,
// From, ID, Version, Lang and Raw return nil; ContentNS and Prefix still
// work. A server calls it once it has answered the header, so that each
// idle connection keeps a few dozen bytes instead of the whole tag.
func (d *Decoder) CompactHeader() {
	h := &d.hdr
	if h.n == 0 || d.fragment {
		return
	}
	old := d.hdrBuf
	// '<' and the qualified name stay first, where qname reads them.
	n := 1 + int(h.qlen)
	size := n
	for _, e := range d.hdrNS {
		size += int(e.plen) + int(e.uri.n)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, old[:n]...)
	for i := range d.hdrNS {
		e := &d.hdrNS[i]
		p := len(buf)
		buf = append(buf, old[e.poff:e.poff+uint32(e.plen)]...)
		e.poff = uint32(p)
		if e.uri.src == srcHeader {
			u := len(buf)
			buf = append(buf, old[e.uri.off:e.uri.off+e.uri.n]...)
			e.uri.off = uint32(u)
		}
	}
	d.hdrBuf = buf
	h.n = n
	h.attrs, h.dec = nil, nil
	h.compact = true
}
