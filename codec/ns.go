package codec

import "bytes"

// finishStartTag runs when a start tag's '>' (or "/>") is seen, with pos just
// past it: it applies the tag's namespace declarations, resolves the element
// and attribute prefixes, and opens or closes the element.
func (d *Decoder) finishStartTag(buf []byte, pos int, empty bool) error {
	t := d.tp
	el := &t.toks[d.cur]
	el.nattr = uint16(len(t.attrs) - int(el.attr))
	el.inner = uint32(pos)
	nsLen := len(t.ns)
	outerDef := d.defNS
	attrs := t.attrs[el.attr:]
	prefixed := false
	if d.tagFlags == 0 {
		attrs = attrs[:0] // nothing to declare or resolve
	}
	for i := range attrs {
		a := &attrs[i]
		q := buf[a.start : a.start+uint32(a.qlen)]
		switch {
		case a.plen == 0 && string(q) == "xmlns":
			a.decl = 1
			uri := d.declURI(buf, a)
			if u := d.nsBytes(buf, uri); string(u) == nsXML || string(u) == nsXMLNS {
				return d.failItem(NotWellFormed, "reserved namespace as the default namespace", int(a.start))
			}
			t.ns = append(t.ns, nsDecl{isDef: true, uri: uri})
			d.defNS = uri
		case a.plen != 0 && string(q[:a.plen]) == "xmlns":
			a.decl = 2
			prefix := q[a.plen+1:]
			uri := d.declURI(buf, a)
			u := d.nsBytes(buf, uri)
			switch {
			case len(u) == 0:
				return d.failItem(NotWellFormed, "a prefix cannot be undeclared", int(a.start))
			case string(prefix) == "xmlns" || string(u) == nsXMLNS:
				return d.failItem(NotWellFormed, "the xmlns prefix cannot be declared", int(a.start))
			case (string(prefix) == "xml") != (string(u) == nsXML):
				return d.failItem(NotWellFormed, "the xml prefix is bound to the XML namespace only", int(a.start))
			}
			t.ns = append(t.ns, nsDecl{poff: a.start + uint32(a.plen) + 1, plen: uint16(len(prefix)), uri: uri})
		case a.plen != 0:
			prefixed = true
		}
	}
	if el.plen == 0 {
		el.ns = d.defNS
	} else {
		prefix := buf[el.start+1 : el.start+1+uint32(el.plen)]
		if string(prefix) == "xmlns" {
			return d.failItem(NotWellFormed, "element with the xmlns prefix", int(el.start))
		}
		ns, ok := d.lookupPrefix(buf, prefix)
		if !ok {
			return d.failItem(NotWellFormed, "unbound namespace prefix", int(el.start))
		}
		el.ns = ns
	}
	if prefixed {
		if err := d.resolveAttrs(buf, attrs); err != nil {
			return err
		}
	}
	if d.kind == itemHeader {
		if string(d.nsBytes(buf, el.ns)) != nsStreams {
			return d.failItem(InvalidNamespace, "stream header not in the streams namespace", 0)
		}
		if string(localName(buf[el.start+1:el.start+1+uint32(el.qlen)], el.plen)) != "stream" {
			return d.failItem(InvalidNamespace, "root element is not a stream", 0)
		}
		return nil
	}
	if empty {
		el.end = uint32(pos)
		el.next = uint32(len(t.toks))
		t.ns = t.ns[:nsLen]
		d.defNS = outerDef
		return nil
	}
	t.open = append(t.open, openElt{tok: d.cur, nsLen: uint32(nsLen), def: outerDef})
	return nil
}

// localName strips a prefix of length plen (and its colon) from a qname.
func localName(q []byte, plen uint16) []byte {
	if plen == 0 {
		return q
	}
	return q[int(plen)+1:]
}

// resolveAttrs resolves prefixed attributes and rejects two with the same
// expanded name under different prefixes (Namespaces in XML §6.3).
func (d *Decoder) resolveAttrs(buf []byte, attrs []attr) error {
	for i := range attrs {
		a := &attrs[i]
		if a.plen == 0 || a.decl != 0 {
			continue
		}
		ns, ok := d.lookupPrefix(buf, buf[a.start:a.start+uint32(a.plen)])
		if !ok {
			return d.failItem(NotWellFormed, "unbound namespace prefix on an attribute", int(a.start))
		}
		a.ns = ns
		local := buf[a.start+uint32(a.plen)+1 : a.start+uint32(a.qlen)]
		for j := range attrs[:i] {
			b := &attrs[j]
			if b.plen == 0 || b.decl != 0 {
				continue
			}
			if bytes.Equal(local, buf[b.start+uint32(b.plen)+1:b.start+uint32(b.qlen)]) &&
				bytes.Equal(d.nsBytes(buf, a.ns), d.nsBytes(buf, b.ns)) {
				return d.failItem(NotWellFormed, "duplicate attribute (same namespace and name)", int(a.start))
			}
		}
	}
	return nil
}

// declURI returns where a namespace declaration's value lives: in the item
// when it needs no decoding, else decoded onto the tape.
func (d *Decoder) declURI(buf []byte, a *attr) nsRef {
	raw := buf[a.vstart:a.vend]
	if len(raw) == 0 {
		return nsRef{}
	}
	if a.flags&(fRefs|fWS) == 0 {
		return nsRef{off: a.vstart, n: uint32(len(raw)), src: srcItem}
	}
	t := d.tp
	off := len(t.dec)
	t.dec = appendDecoded(t.dec, raw, modeAttr)
	return nsRef{off: uint32(off), n: uint32(len(t.dec) - off), src: srcDec}
}

// nsBytes returns the bytes of a namespace reference while an item is being
// scanned.
func (d *Decoder) nsBytes(buf []byte, r nsRef) []byte {
	return refBytes(r, buf, d.hdr.buf, d.tp.dec)
}

var xmlNSBytes = []byte(nsXML)

func refBytes(r nsRef, item, hdr, dec []byte) []byte {
	switch r.src {
	case srcItem:
		return item[r.off : r.off+r.n]
	case srcHeader:
		return hdr[r.off : r.off+r.n]
	case srcDec:
		return dec[r.off : r.off+r.n]
	case srcXML:
		return xmlNSBytes
	}
	return nil
}

func (d *Decoder) lookupDefault() nsRef {
	t := d.tp
	for i := len(t.ns) - 1; i >= 0; i-- {
		if t.ns[i].isDef {
			return t.ns[i].uri
		}
	}
	for i := len(d.hdr.ns) - 1; i >= 0; i-- {
		if d.hdr.ns[i].isDef {
			return d.hdr.ns[i].uri
		}
	}
	return nsRef{}
}

func (d *Decoder) lookupPrefix(buf, prefix []byte) (nsRef, bool) {
	if string(prefix) == "xml" {
		// Bound by definition, and any declaration of it must bind the
		// same namespace (finishStartTag): no need to look.
		return nsRef{n: uint32(len(nsXML)), src: srcXML}, true
	}
	t := d.tp
	for i := len(t.ns) - 1; i >= 0; i-- {
		e := &t.ns[i]
		if !e.isDef && bytes.Equal(buf[e.poff:e.poff+uint32(e.plen)], prefix) {
			return e.uri, true
		}
	}
	for i := len(d.hdr.ns) - 1; i >= 0; i-- {
		e := &d.hdr.ns[i]
		if !e.isDef && bytes.Equal(d.hdr.buf[e.poff:e.poff+uint32(e.plen)], prefix) {
			return e.uri, true
		}
	}
	return nsRef{}, false
}

// checkDecl checks the pseudo-attributes of an XML declaration (the bytes
// between "<?xml " and "?>"): version is required, encoding must be UTF-8,
// standalone is yes or no, in that order.
func (d *Decoder) checkDecl(b []byte) error {
	i, seen := 0, 0
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			break
		}
		end, _, complete, ok := scanName(b, i)
		if !ok || !complete {
			return d.failItem(NotWellFormed, "malformed XML declaration", 6+i)
		}
		name := string(b[i:end])
		i = end
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) || b[i] != '=' {
			return d.failItem(NotWellFormed, "malformed XML declaration", 6+i)
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) || (b[i] != '"' && b[i] != '\'') {
			return d.failItem(NotWellFormed, "malformed XML declaration", 6+i)
		}
		q := b[i]
		j := bytes.IndexByte(b[i+1:], q)
		if j < 0 {
			return d.failItem(NotWellFormed, "malformed XML declaration", 6+i)
		}
		val := string(b[i+1 : i+1+j])
		i += j + 2
		switch {
		case name == "version" && seen == 0:
			if len(val) < 3 || val[:2] != "1." {
				return d.failItem(NotWellFormed, "unsupported XML version", 6)
			}
			seen = 1
		case name == "encoding" && seen == 1:
			if !bytes.EqualFold([]byte(val), []byte("UTF-8")) {
				return d.failItem(UnsupportedEncoding, "encoding other than UTF-8", 6)
			}
			seen = 2
		case name == "standalone" && (seen == 1 || seen == 2):
			if val != "yes" && val != "no" {
				return d.failItem(NotWellFormed, "malformed XML declaration", 6)
			}
			seen = 3
		default:
			return d.failItem(NotWellFormed, "malformed XML declaration", 6)
		}
		if i < len(b) && !isSpace(b[i]) {
			return d.failItem(NotWellFormed, "malformed XML declaration", 6+i)
		}
	}
	if seen == 0 {
		return d.failItem(NotWellFormed, "XML declaration without a version", 6)
	}
	return nil
}
