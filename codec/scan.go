package codec

import "bytes"

// Scanner states. Each is a point where scanning can stop for lack of input
// and resume later; the comment says where pos stands in that state.
const (
	stItemStart = iota // pos at the '<' that begins the item
	stXMLDecl          // inside "<?xml ", before "?>"
	stLT               // pos at a '<' inside an element (or the item's first)
	stInTag            // inside a start tag, after the name or an attribute
	stAttrEq           // after an attribute name, before '='
	stAttrQuote        // after '=', before the opening quote
	stAttrValue        // inside an attribute value
	stText             // element content
	stCDATA            // inside a CDATA section
	stEndName          // pos at the '<' of "</"
	stEndTail          // after an end tag's name, before '>'
)

const (
	nsStreams = "http://etherx.jabber.org/streams"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS   = "http://www.w3.org/2000/xmlns/"
)

var cdataOpen = []byte("<![CDATA[")

// scan advances the current item over buf, which holds the item from its
// first byte. It returns true when the item is complete (d.itemEnd set), or
// false after recording in d.st/d.pos where to resume when more bytes come.
func (d *Decoder) scan(buf []byte) (bool, error) {
	t := d.tp
	pos := d.pos
	fastFrom := 0 // scanFast gave up before this position: go past it here
	for {
		switch d.st {
		case stItemStart:
			if len(buf) < 2 {
				d.pos = pos
				return false, nil
			}
			switch c := buf[1]; c {
			case '?':
				if d.fragment || d.phase != phaseProlog || d.sawDecl {
					return false, d.failItem(RestrictedXML, "processing instruction", 0)
				}
				if len(buf) < 6 {
					if !bytes.HasPrefix([]byte("<?xml "), buf) && !bytes.HasPrefix([]byte("<?xml\t"), buf) &&
						!bytes.HasPrefix([]byte("<?xml\n"), buf) && !bytes.HasPrefix([]byte("<?xml\r"), buf) {
						return false, d.failItem(RestrictedXML, "processing instruction", 0)
					}
					d.pos = pos
					return false, nil
				}
				if string(buf[:5]) != "<?xml" || !isSpace(buf[5]) {
					return false, d.failItem(RestrictedXML, "processing instruction", 0)
				}
				d.kind, d.st, pos = itemDecl, stXMLDecl, 6
			case '!':
				if len(buf) < 3 {
					d.pos = pos
					return false, nil
				}
				reason := "markup declaration"
				if bytes.HasPrefix(buf, []byte("<!-")) {
					reason = "comment"
				} else if bytes.HasPrefix(buf, []byte("<!D")) {
					reason = "document type declaration"
				} else if bytes.HasPrefix(buf, []byte("<![")) {
					return false, d.failItem(BadFormat, "CDATA section at stream level", 0)
				}
				return false, d.failItem(RestrictedXML, reason, 0)
			case '/':
				if d.fragment || d.phase != phaseStream {
					return false, d.failItem(NotWellFormed, "end tag without a start tag", 0)
				}
				d.kind, d.st = itemEnd, stEndName
			default:
				if !d.fragment && d.phase == phaseProlog {
					d.kind = itemHeader
				} else {
					d.kind = itemElement
				}
				d.st = stLT
			}

		case stXMLDecl:
			j := bytes.Index(buf[pos:], []byte("?>"))
			if j < 0 {
				if len(buf) > int(d.lim.MaxHeaderSize) {
					return false, d.failItem(PolicyViolation, "XML declaration too long", pos)
				}
				if len(buf)-1 > pos {
					pos = len(buf) - 1 // keep a '?' that may start "?>"
				}
				d.pos = pos
				return false, nil
			}
			if err := d.checkDecl(buf[6 : pos+j]); err != nil {
				return false, err
			}
			d.itemEnd = pos + j + 2
			return true, nil

		case stLT:
			if d.kind == itemElement && pos >= fastFrom && !d.noFast {
				done, err := d.scanFast(buf, pos)
				if done || err != nil {
					return done, err
				}
				pos = d.pos
				fastFrom = pos + 1
				if d.st != stLT {
					continue
				}
			}
			if pos+1 >= len(buf) {
				d.pos = pos
				return false, nil
			}
			switch c := buf[pos+1]; c {
			case '/':
				d.st = stEndName
			case '!':
				for k := 2; k < len(cdataOpen); k++ {
					if pos+k >= len(buf) {
						d.pos = pos
						return false, nil
					}
					if buf[pos+k] != cdataOpen[k] {
						reason := "markup declaration inside an element"
						if k == 2 && buf[pos+k] == '-' {
							reason = "comment"
						}
						return false, d.failItem(RestrictedXML, reason, pos)
					}
				}
				if err := d.addNode(pos); err != nil {
					return false, err
				}
				pos += len(cdataOpen)
				t.pushTok(tok{kind: tkCDATA, start: uint32(pos), end: uint32(pos)}, int(d.lim.MaxNodes))
				d.textTok = int32(len(t.toks) - 1)
				d.st = stCDATA
			case '?':
				return false, d.failItem(RestrictedXML, "processing instruction", pos)
			default:
				end, colon, complete, ok := scanName(buf, pos+1)
				if end-pos-1 > int(d.lim.MaxNameLen) {
					return false, d.failItem(PolicyViolation, "element name too long", pos)
				}
				if !complete {
					d.pos = pos
					return false, nil
				}
				if !ok {
					return false, d.failItem(NotWellFormed, "invalid element name", pos+1)
				}
				if d.kind == itemElement && len(t.open) >= int(d.lim.MaxDepth) {
					return false, d.failItem(PolicyViolation, "elements nested too deeply", pos)
				}
				if err := d.addNode(pos); err != nil {
					return false, err
				}
				d.cur = uint32(len(t.toks))
				d.attrBloom = 0
				d.tagFlags = 0
				t.pushTok(tok{
					kind:  tkElem,
					start: uint32(pos),
					qlen:  uint16(end - pos - 1),
					plen:  uint16(colon),
					attr:  uint32(len(t.attrs)),
				}, int(d.lim.MaxNodes))
				pos = end
				d.st = stInTag
			}

		case stInTag:
			for pos < len(buf) && isSpace(buf[pos]) {
				pos++
			}
			if pos >= len(buf) {
				d.pos = pos
				return false, nil
			}
			switch c := buf[pos]; c {
			case '>':
				pos++
				if err := d.finishStartTag(buf, pos, false); err != nil {
					return false, err
				}
				if d.kind == itemHeader {
					d.itemEnd = pos
					return true, nil
				}
				d.st = stText
			case '/':
				if pos+1 >= len(buf) {
					d.pos = pos
					return false, nil
				}
				if buf[pos+1] != '>' {
					return false, d.failItem(NotWellFormed, "'/' not followed by '>' in a start tag", pos)
				}
				pos += 2
				if err := d.finishStartTag(buf, pos, true); err != nil {
					return false, err
				}
				if d.kind == itemHeader {
					d.pendEnd = true
					d.itemEnd = pos
					return true, nil
				}
				if len(t.open) == 0 {
					d.itemEnd = pos
					return true, nil
				}
				d.st = stText
			default:
				if !isSpace(buf[pos-1]) {
					return false, d.failItem(NotWellFormed, "attributes must be separated by white space", pos)
				}
				end, colon, complete, ok := scanName(buf, pos)
				if end-pos > int(d.lim.MaxNameLen) {
					return false, d.failItem(PolicyViolation, "attribute name too long", pos)
				}
				if !complete {
					d.pos = pos
					return false, nil
				}
				if !ok {
					return false, d.failItem(NotWellFormed, "invalid attribute name", pos)
				}
				el := &t.toks[d.cur]
				if len(t.attrs)-int(el.attr) >= int(d.lim.MaxAttrs) {
					return false, d.failItem(PolicyViolation, "too many attributes", pos)
				}
				if len(t.attrs) >= int(d.lim.MaxNodes) {
					return false, d.failItem(PolicyViolation, "too many attributes in one element tree", pos)
				}
				d.curAttr = uint32(len(t.attrs))
				t.pushAttr(attr{start: uint32(pos), qlen: uint16(end - pos), plen: uint16(colon)}, int(d.lim.MaxNodes))
				if colon != 0 || (end-pos == 5 && string(buf[pos:end]) == "xmlns") {
					d.tagFlags = 1 // the tag has declarations or prefixed attributes
				}
				pos = end
				d.st = stAttrEq
				// Fast path: name='value' wholly in buf, the common case.
				if end+1 < len(buf) && buf[end] == '=' && (buf[end+1] == '\'' || buf[end+1] == '"') {
					q := buf[end+1]
					vs := end + 2
					j := bytes.IndexByte(buf[vs:], q)
					if j < 0 {
						break
					}
					ve := vs + j
					k, fl, cond, why := charScan(buf, vs, ve, modeAttr)
					if cond != "" {
						return false, d.failItem(cond, why, k)
					}
					a := &t.attrs[d.curAttr]
					a.vstart, a.vend, a.flags = uint32(vs), uint32(ve), fl
					pos = ve + 1
					if err := d.checkDupAttr(buf); err != nil {
						return false, err
					}
					d.st = stInTag
				}
			}

		case stAttrEq:
			for pos < len(buf) && isSpace(buf[pos]) {
				pos++
			}
			if pos >= len(buf) {
				d.pos = pos
				return false, nil
			}
			if buf[pos] != '=' {
				return false, d.failItem(NotWellFormed, "attribute without a value", pos)
			}
			pos++
			d.st = stAttrQuote

		case stAttrQuote:
			for pos < len(buf) && isSpace(buf[pos]) {
				pos++
			}
			if pos >= len(buf) {
				d.pos = pos
				return false, nil
			}
			q := buf[pos]
			if q != '"' && q != '\'' {
				return false, d.failItem(NotWellFormed, "attribute value not quoted", pos)
			}
			d.quote = q
			pos++
			t.attrs[d.curAttr].vstart = uint32(pos)
			d.st = stAttrValue

		case stAttrValue:
			end := len(buf)
			if j := bytes.IndexByte(buf[pos:], d.quote); j >= 0 {
				end = pos + j
			}
			k, fl, cond, why := charScan(buf, pos, end, modeAttr)
			a := &t.attrs[d.curAttr]
			a.flags |= fl
			if cond != "" {
				return false, d.failItem(cond, why, k)
			}
			if end == len(buf) || k < end {
				d.pos = k
				return false, nil
			}
			a.vend = uint32(end)
			pos = end + 1
			if err := d.checkDupAttr(buf); err != nil {
				return false, err
			}
			d.st = stInTag

		case stText:
			if !d.noFast {
				// Plain text (a base64 photo cut by the end of a read)
				// at the fast path's pace; charScan takes over where
				// textRun stops short of a '<'.
				if k, fl := textRun(buf, pos); k > pos {
					if err := d.extendText(pos, k, fl); err != nil {
						return false, err
					}
					pos = k
				}
			}
			end := len(buf)
			if j := bytes.IndexByte(buf[pos:], '<'); j >= 0 {
				end = pos + j
			}
			if end > pos {
				k, fl, cond, why := charScan(buf, pos, end, modeText)
				if k > pos {
					if err := d.extendText(pos, k, fl); err != nil {
						return false, err
					}
				}
				if cond != "" {
					return false, d.failItem(cond, why, k)
				}
				if end == len(buf) || k < end {
					d.pos = k
					return false, nil
				}
			} else if end == len(buf) {
				d.pos = pos
				return false, nil
			}
			d.textTok = -1
			pos = end
			d.st = stLT

		case stCDATA:
			tt := &t.toks[d.textTok]
			if j := bytes.Index(buf[pos:], []byte("]]>")); j >= 0 {
				k, fl, cond, why := charScan(buf, pos, pos+j, modeCDATA)
				if cond != "" {
					return false, d.failItem(cond, why, k)
				}
				tt.flags |= fl
				tt.end = uint32(pos + j)
				tt.next = uint32(d.textTok + 1)
				pos += j + 3
				d.textTok = -1
				d.st = stText
				continue
			}
			k, fl, cond, why := charScan(buf, pos, len(buf), modeCDATA)
			if cond != "" {
				return false, d.failItem(cond, why, k)
			}
			for k > pos && k > len(buf)-2 && buf[k-1] == ']' {
				k-- // may begin the "]]>" that ends the section
			}
			tt.flags |= fl
			tt.end = uint32(k)
			tt.next = uint32(d.textTok + 1)
			d.pos = k
			return false, nil

		case stEndName:
			if d.kind == itemElement {
				// Fast path: the name must be the open element's; compare
				// it directly and check that the name ends there.
				top := &t.toks[t.open[len(t.open)-1].tok]
				q := buf[top.start+1 : top.start+1+uint32(top.qlen)]
				if e := pos + 2 + len(q); e < len(buf) && bytes.Equal(buf[pos+2:e], q) {
					if c := buf[e]; c == '>' || isSpace(c) {
						pos = e
						d.st = stEndTail
						continue
					}
				}
			}
			end, _, complete, ok := scanName(buf, pos+2)
			if end-pos-2 > int(d.lim.MaxNameLen) {
				return false, d.failItem(PolicyViolation, "element name too long", pos)
			}
			if !complete {
				d.pos = pos
				return false, nil
			}
			if !ok {
				return false, d.failItem(NotWellFormed, "invalid end tag name", pos+2)
			}
			name := buf[pos+2 : end]
			if d.kind == itemEnd {
				if !bytes.Equal(name, d.hdr.qname()) {
					return false, d.failItem(NotWellFormed, "end tag does not match the stream header", pos)
				}
			} else {
				top := &t.toks[t.open[len(t.open)-1].tok]
				if !bytes.Equal(name, buf[top.start+1:top.start+1+uint32(top.qlen)]) {
					return false, d.failItem(NotWellFormed, "end tag does not match the start tag", pos)
				}
			}
			pos = end
			d.st = stEndTail

		case stEndTail:
			for pos < len(buf) && isSpace(buf[pos]) {
				pos++
			}
			if pos >= len(buf) {
				d.pos = pos
				return false, nil
			}
			if buf[pos] != '>' {
				return false, d.failItem(NotWellFormed, "malformed end tag", pos)
			}
			pos++
			if d.kind == itemEnd {
				d.itemEnd = pos
				return true, nil
			}
			o := t.open[len(t.open)-1]
			t.open = t.open[:len(t.open)-1]
			t.ns = t.ns[:o.nsLen]
			d.defNS = o.def
			el := &t.toks[o.tok]
			el.end = uint32(pos)
			el.next = uint32(len(t.toks))
			if len(t.open) == 0 {
				d.itemEnd = pos
				return true, nil
			}
			d.textTok = -1
			d.st = stText
		}
	}
}

// extendText makes buf[pos:k], character data with flags fl, part of the
// open text token, opening one at pos if none is.
func (d *Decoder) extendText(pos, k int, fl uint8) error {
	t := d.tp
	if d.textTok < 0 {
		if err := d.addNode(pos); err != nil {
			return err
		}
		t.pushTok(tok{kind: tkText, start: uint32(pos)}, int(d.lim.MaxNodes))
		d.textTok = int32(len(t.toks) - 1)
	}
	tt := &t.toks[d.textTok]
	tt.end = uint32(k)
	tt.next = uint32(d.textTok + 1)
	tt.flags |= fl
	return nil
}

// addNode enforces the node limit before a token is appended at pos. (The
// error offset was d.pos, where scanning last stopped, which depended on how
// the input had been split.)
func (d *Decoder) addNode(pos int) error {
	if len(d.tp.toks) >= int(d.lim.MaxNodes) {
		return d.failItem(PolicyViolation, "too many nodes in one element", pos)
	}
	return nil
}

// checkDupAttr rejects a second attribute with the same qualified name as
// the one just completed. (Same expanded names under different prefixes are
// caught when the start tag ends and prefixes are resolved.)
func (d *Decoder) checkDupAttr(buf []byte) error {
	t := d.tp
	a := &t.attrs[d.curAttr]
	name := buf[a.start : a.start+uint32(a.qlen)]
	c0 := name[0]
	// A 64-bit filter over (first byte, last byte, length) of the names seen
	// in this tag: compare names only on a possible repeat.
	bit := uint64(1) << ((uint(c0)*7 + uint(name[len(name)-1])*3 + uint(len(name))) & 63)
	if d.attrBloom&bit == 0 {
		d.attrBloom |= bit
		return nil
	}
	attrs := t.attrs[t.toks[d.cur].attr : d.curAttr+1]
	for i := range attrs[:len(attrs)-1] {
		b := &attrs[i]
		if b.qlen == a.qlen && buf[b.start] == c0 && bytes.Equal(name, buf[b.start:b.start+uint32(b.qlen)]) {
			return d.failItem(NotWellFormed, "duplicate attribute", int(a.start))
		}
	}
	return nil
}
