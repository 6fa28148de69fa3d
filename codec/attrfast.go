package codec

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
// tag from buf[i], just past the name, while each is the plain case, one
// space, an unprefixed ASCII name, '=', a quoted value of plain ASCII (see
// plainRun) that starts at least sixteen bytes before the end of buf, and
// not a possible repeat by attrList's filter. It reports whether it reached
// the tag's end ('>' or "/>"); otherwise r says where attrList takes over.
// Tape slots are written from attrs[len(attrs)] up to limit, which is at
// most cap(attrs); maxName bounds a name's length. The filter, flags and
// xmlnsAt in r are the tag's so far, and are updated in place.
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
		ve := -1 // the first byte that is not plain, looked for a block at a time
		for b := vs; b+16 <= len(buf); b += 16 {
			if j := plainRunGo(buf[:b+16], b, lo8*uint64(q)); j < b+16 {
				ve = j
				break
			}
		}
		if ve < 0 || buf[ve] != q {
			break
		}
		r.bloom |= bit
		attrs[k] = attr{start: uint32(as), vstart: uint32(vs), vend: uint32(ve), qlen: uint16(ql)}
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
