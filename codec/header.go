package codec

// Header is the stream header (RFC 6120 §4.7). It is valid until the
// decoder's Reset.
type Header struct {
	buf   []byte   // the raw tag, then decoded namespace values
	ns    []nsDecl // the header's namespace declarations, into buf
	n     int      // raw header bytes at the front of buf
	qlen  uint16
	plen  uint16
	attrs []attr
	dec   []byte // decoded attribute values handed out
	// compact is set by Decoder.CompactHeader: the raw tag and the
	// attributes are gone.
	compact bool
	// shared: an interned compact header that many decoders point to;
	// it is never written again (see intern).
	shared bool
}

// keepHeader copies a completed header item out of the caller's bytes: the
// raw tag, then any namespace values that needed decoding.
func (d *Decoder) keepHeader(buf []byte) {
	t := d.tp
	el := t.toks[0]
	h := d.ownHeader()
	h.buf = append(append(h.buf[:0], buf...), t.dec...)
	h.n = len(buf)
	h.qlen, h.plen = el.qlen, el.plen
	h.attrs = append(h.attrs[:0], t.attrs...)
	h.dec = h.dec[:0]
	h.compact = false
	h.ns = h.ns[:0]
	for _, e := range t.ns {
		switch e.uri.src {
		case srcItem:
			e.uri.src = srcHeader
		case srcDec:
			e.uri.src = srcHeader
			e.uri.off += uint32(len(buf))
		}
		h.ns = append(h.ns, e)
	}
}

// qname is the header element's qualified name ("stream:stream").
func (h *Header) qname() []byte {
	if h.n == 0 {
		return nil
	}
	return h.buf[1 : 1+int(h.qlen)]
}

// Prefix is the stream namespace prefix, usually "stream".
func (h *Header) Prefix() []byte {
	if h.plen == 0 {
		return nil
	}
	return h.buf[1 : 1+int(h.plen)]
}

// Raw is the header's start tag as received (nil after CompactHeader).
func (h *Header) Raw() []byte {
	if h.compact {
		return nil
	}
	return h.buf[:h.n]
}

// ContentNS is the default namespace the header declares (jabber:client,
// jabber:server, jabber:component:accept), or nil.
func (h *Header) ContentNS() []byte {
	for i := len(h.ns) - 1; i >= 0; i-- {
		if e := h.ns[i]; e.isDef {
			return refBytes(e.uri, nil, h.buf, nil)
		}
	}
	return nil
}

// Attr returns the decoded value of the attribute with qualified name qname
// ("to", "version", "xml:lang"), or nil when it is absent.
func (h *Header) Attr(qname string) []byte {
	raw := h.buf
	for i := range h.attrs {
		a := &h.attrs[i]
		if a.decl == 0 && string(raw[a.start:a.start+uint32(a.qlen)]) == qname {
			v := raw[a.vstart:a.vend]
			if a.flags&(fRefs|fWS) == 0 {
				return v
			}
			start := len(h.dec)
			h.dec = appendDecoded(h.dec, v, modeAttr)
			return h.dec[start:len(h.dec):len(h.dec)]
		}
	}
	return nil
}

// To returns the header's "to" attribute, or nil.
func (h *Header) To() []byte { return h.Attr("to") }

// From returns the header's "from" attribute, or nil.
func (h *Header) From() []byte { return h.Attr("from") }

// ID returns the header's "id" attribute, or nil.
func (h *Header) ID() []byte { return h.Attr("id") }

// Version returns the header's "version" attribute, or nil.
func (h *Header) Version() []byte { return h.Attr("version") }

// Lang returns the header's "xml:lang" attribute, or nil.
func (h *Header) Lang() []byte { return h.Attr("xml:lang") }
