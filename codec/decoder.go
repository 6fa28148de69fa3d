package codec

// Event is what Next found.
type Event uint8

const (
	// EventNone: all of the input was consumed and more is needed.
	EventNone Event = iota
	// EventStreamStart: the stream header; see Decoder.Header.
	EventStreamStart
	// EventElement: a complete top-level element; see Decoder.Element.
	EventElement
	// EventStreamEnd: the closing stream tag.
	EventStreamEnd
)

func (e Event) String() string {
	switch e {
	case EventNone:
		return "none"
	case EventStreamStart:
		return "stream-start"
	case EventElement:
		return "element"
	case EventStreamEnd:
		return "stream-end"
	}
	return "unknown"
}

// Item kinds while scanning.
const (
	itemDecl uint8 = iota + 1
	itemHeader
	itemElement
	itemEnd
)

// Stream phases.
const (
	phaseProlog uint8 = iota // before the stream header
	phaseStream              // between top-level elements
	phaseDone                // after the stream end or an error
)

// Decoder is a resumable XMPP stream decoder. It is not safe for concurrent
// use; a connection owns one. Use NewDecoder or NewFragmentDecoder.
type Decoder struct {
	lim      limits
	fragment bool
	phase    uint8
	sawDecl  bool // the XML declaration may come once, first

	// The item being scanned (inItem), or the one last returned.
	inItem    bool
	kind      uint8
	st        uint8
	quote     byte
	tagFlags  uint8 // 1: the current tag declares namespaces or has prefixed attributes
	pendEnd   bool  // a self-closing stream header: the stream end comes next
	noFast    bool  // tests: scan with the state machine alone
	pos       int   // where scanning resumes, relative to the item's first byte
	itemEnd   int   // set when an item completes
	itemBase  int64 // stream offset of the item's first byte
	cur       uint32
	curAttr   uint32
	attrBloom uint64 // names of the attributes seen in the current tag
	defNS     nsRef  // the default namespace in scope
	textTok   int32  // open text or CDATA token, or -1
	scratch   *[]byte
	tp        *tape
	err       error
	offset    int64 // stream bytes consumed before the current call's input

	// The stream header, kept until Reset; never nil. After
	// CompactHeader it may be shared with other decoders (hdr.shared).
	hdr *Header
}

// NewDecoder returns a decoder for an XMPP stream: an optional XML
// declaration, the stream header, top-level elements, and the stream end.
// Zero fields of lim take their defaults.
func NewDecoder(lim Limits) *Decoder {
	return &Decoder{lim: lim.compact(), textTok: -1, hdr: new(Header)}
}

// NewFragmentDecoder returns a decoder that yields every complete top-level
// element of its input and knows no stream header (BOSH bodies, stored
// stanzas). Unprefixed elements without a declaration of their own are in
// defaultNS.
func NewFragmentDecoder(lim Limits, defaultNS string) *Decoder {
	d := &Decoder{lim: lim.compact(), fragment: true, phase: phaseStream, textTok: -1, hdr: new(Header)}
	d.setFragmentNS(defaultNS)
	return d
}

func (d *Decoder) setFragmentNS(ns string) {
	h := d.ownHeader()
	h.buf = append(h.buf[:0], ns...)
	h.ns = h.ns[:0]
	if ns != "" {
		h.ns = append(h.ns, nsDecl{isDef: true, uri: nsRef{n: uint32(len(ns)), src: srcHeader}})
	}
}

// ownHeader returns the decoder's header, first replacing a shared one
// (interned by CompactHeader, read by other decoders) with its own.
func (d *Decoder) ownHeader() *Header {
	if d.hdr.shared {
		d.hdr = new(Header)
	}
	return d.hdr
}

// Reset prepares the decoder for a new stream on the same connection, as
// after STARTTLS or SASL success (RFC 6120 §5.4.3.3, §6.4.6). Whatever was
// buffered is discarded, and so is a previous error.
func (d *Decoder) Reset() {
	d.inItem = false
	d.release()
	fragNS := ""
	if d.fragment && len(d.hdr.ns) > 0 {
		fragNS = string(d.hdr.buf)
	}
	h := d.ownHeader()
	*h = Header{buf: h.buf[:0], ns: h.ns[:0], attrs: h.attrs[:0], dec: h.dec[:0]}
	*d = Decoder{lim: d.lim, fragment: d.fragment, noFast: d.noFast, textTok: -1, hdr: h}
	if d.fragment {
		d.phase = phaseStream
		d.setFragmentNS(fragNS)
	}
}

// Header returns the stream header. It stays valid until Reset.
func (d *Decoder) Header() *Header { return d.hdr }

// Element returns the element Next just reported. It, and every slice taken
// from it, is valid until the next call to Next or Reset.
func (d *Decoder) Element() Element {
	if d.tp == nil || len(d.tp.view.toks) == 0 {
		return Element{d: &noDoc} // no element: its accessors panic, as they always did
	}
	return d.tp.view.elementAt(0, 0)
}

// noDoc stands for "no element" in Element.
var noDoc doc

// Offset is the number of stream bytes consumed so far.
func (d *Decoder) Offset() int64 { return d.offset }

// Buffered is the number of bytes of an unfinished item held in scratch.
func (d *Decoder) Buffered() int {
	if d.scratch == nil {
		return 0
	}
	return len(*d.scratch)
}

// growScratch makes room for need bytes without ever reserving more than
// limit: plain append would double past it.
func growScratch(s []byte, need, limit int) []byte {
	if need <= cap(s) {
		return s
	}
	n := 2 * cap(s)
	if n < need {
		n = need
	}
	if n > limit {
		n = limit
	}
	return append(make([]byte, 0, n), s...)
}

func putScratch(s *[]byte) {
	if cap(*s) <= maxPooledScratch {
		*s = (*s)[:0]
		scratchPool.Put(s)
	}
}

// release returns what the last completed item borrowed.
func (d *Decoder) release() {
	if d.inItem {
		return
	}
	if d.tp != nil {
		putTape(d.tp)
		d.tp = nil
	}
	if d.scratch != nil {
		putScratch(d.scratch)
		d.scratch = nil
	}
}

// recycle is release for a decoder that goes on decoding the same input:
// it keeps the tape (emptied) for the next item rather than passing it
// through the pool for every stanza. Next calls release itself once the
// input is used up, so an idle decoder still holds nothing.
func (d *Decoder) recycle() {
	if d.inItem {
		return
	}
	if t := d.tp; t != nil {
		if t.oversized() {
			d.tp = nil // let it go, as putTape would
		} else {
			t.empty()
		}
	}
	if d.scratch != nil {
		putScratch(d.scratch)
		d.scratch = nil
	}
	// No element until finishItem sets them all (Element tests toks);
	// zeroing the whole view, its namespace bases included, cost more.
	if t := d.tp; t != nil {
		t.view.buf, t.view.toks, t.view.attrs = nil, nil, nil
	}
}

// failAt records a failure at stream offset at. A decoder does not recover:
// every later call returns the same error until Reset.
func (d *Decoder) failAt(cond Condition, reason string, at int64) error {
	d.err = &Error{Condition: cond, Reason: reason, Offset: at}
	d.phase = phaseDone
	d.inItem = false
	return d.err
}

// failItem records a failure at offset pos of the current item.
func (d *Decoder) failItem(cond Condition, reason string, pos int) error {
	return d.failAt(cond, reason, d.itemBase+int64(pos))
}

func (d *Decoder) itemLimit() int {
	if d.kind == itemElement {
		return int(d.lim.MaxStanzaSize)
	}
	return int(d.lim.MaxHeaderSize)
}

// limitFor is the size limit of an item whose kind is not known yet, from
// the byte after its '<' (what stItemStart will decide the kind by). The
// window an item is scanned in must be bounded by the limit of its kind, or
// an element would be held to MaxHeaderSize when it arrives in one piece and
// to MaxStanzaSize when it arrives in several.
func (d *Decoder) limitFor(c byte) int {
	if c == '?' || c == '!' || c == '/' || (!d.fragment && d.phase == phaseProlog) {
		return int(d.lim.MaxHeaderSize)
	}
	return int(d.lim.MaxStanzaSize)
}

// Next decodes the next event from p, which continues the bytes given to
// earlier calls. It returns what it found and how many bytes of p it
// consumed; the caller passes p[n:] next time. EventNone means all of p was
// consumed (part of it may be buffered) and more input is needed.
//
// After an error, every call returns the same error until Reset.
func (d *Decoder) Next(p []byte) (Event, int, error) {
	if d.err != nil {
		return EventNone, 0, d.err
	}
	d.recycle()
	if d.pendEnd {
		d.pendEnd = false
		d.phase = phaseDone
		return EventStreamEnd, 0, nil
	}
	if d.inItem {
		return d.resume(p)
	}
	consumed := 0
	for {
		i := consumed
		for i < len(p) && isSpace(p[i]) {
			i++
		}
		if i == len(p) {
			d.offset += int64(len(p))
			d.release() // the input is used up: hold nothing while idle
			return EventNone, len(p), nil
		}
		at := d.offset + int64(i)
		if d.phase == phaseDone {
			return EventNone, 0, d.failAt(NotWellFormed, "data after the end of the stream", at)
		}
		if p[i] != '<' {
			if d.phase == phaseProlog {
				return EventNone, 0, d.failAt(NotWellFormed, "character data before the stream header", at)
			}
			return EventNone, 0, d.failAt(BadFormat, "character data at stream level", at)
		}
		d.startItem(at)
		ev, n, err := d.scanDirect(p, i)
		if err != nil || ev != EventNone || n == len(p) {
			return ev, n, err
		}
		consumed = n // an XML declaration completed: go on to the header
	}
}

func (d *Decoder) startItem(at int64) {
	d.inItem = true
	d.kind = 0
	d.st = stItemStart
	d.pos = 0
	d.textTok = -1
	d.itemBase = at
	if d.tp == nil {
		d.tp = getTape()
	}
	d.defNS = d.lookupDefault()
}

// scanDirect scans an item that starts at p[i] straight out of p. It returns
// EventNone with n < len(p) only after an XML declaration.
func (d *Decoder) scanDirect(p []byte, i int) (Event, int, error) {
	win := p[i:]
	// Never look past the limit: the outcome must not depend on how the
	// input was split (an error after the limit is not reached).
	if len(win) > 1 {
		if lim := d.limitFor(win[1]); len(win) > lim {
			win = win[:lim]
		}
	}
	var done bool
	var err error
	if len(win) > 1 && class[win[1]]&cNameStart != 0 && d.phase == phaseStream && !d.noFast {
		// A stanza: straight to the fast path, which is where scan's
		// first two steps would lead (stItemStart, then stLT). If it
		// stops short, scan goes on from where it left d.st and d.pos.
		d.kind, d.st = itemElement, stLT
		if done, err = d.scanFast(win, 0); !done && err == nil {
			done, err = d.scan(win)
		}
	} else {
		done, err = d.scan(win)
	}
	if err != nil {
		return EventNone, 0, err
	}
	if done {
		end := d.itemEnd
		ev := d.finishItem(win[:end])
		d.offset += int64(i + end)
		return ev, i + end, nil
	}
	if len(win) < len(p)-i {
		return EventNone, 0, d.failItem(PolicyViolation, "element larger than the size limit", d.itemLimit())
	}
	s := scratchPool.Get().(*[]byte)
	*s = append((*s)[:0], win...)
	d.scratch = s
	d.offset += int64(len(p))
	return EventNone, len(p), nil
}

// resume continues an item held in scratch with the bytes of p. Scratch never
// grows past the item's limit: only as many bytes are taken as could still
// belong to an item within it.
func (d *Decoder) resume(p []byte) (Event, int, error) {
	s := *d.scratch
	old := len(s)
	limit := d.itemLimit()
	if d.kind == 0 {
		// The kind is decided by the byte after the '<', which may only
		// be arriving now.
		switch {
		case old > 1:
			limit = d.limitFor(s[1])
		case len(p) > 0:
			limit = d.limitFor(p[0])
		}
	}
	take := limit - old
	if take > len(p) {
		take = len(p)
	}
	// Copy in doubling steps rather than all that may be taken at once:
	// the item usually ends early in p, and the items after it are
	// scanned straight out of p. Scanning stops and resumes between steps
	// as it does between reads.
	var done bool
	var err error
	s = growScratch(s, old+take, limit) // one allocation, as for a copy at once
	for got := 0; ; {
		step := min(take-got, max(len(s), 4096))
		s = append(s, p[got:got+step]...)
		got += step
		*d.scratch = s
		if done, err = d.scan(s); err != nil {
			return EventNone, 0, err
		}
		if done || got == take {
			break
		}
	}
	if done {
		end := d.itemEnd
		n := end - old
		ev := d.finishItem(s[:end])
		d.offset += int64(n)
		if ev == EventNone && n < len(p) {
			// An XML declaration split across reads: go on with the rest.
			rest, m, err := d.Next(p[n:])
			return rest, n + m, err
		}
		return ev, n, nil
	}
	if take < len(p) {
		return EventNone, 0, d.failItem(PolicyViolation, "element larger than the size limit", d.itemLimit())
	}
	d.offset += int64(len(p))
	return EventNone, len(p), nil
}

// finishItem turns a completed item into an event.
func (d *Decoder) finishItem(buf []byte) Event {
	d.inItem = false
	switch d.kind {
	case itemDecl:
		d.sawDecl = true
		return EventNone
	case itemHeader:
		d.keepHeader(buf)
		d.phase = phaseStream
		return EventStreamStart
	case itemEnd:
		d.phase = phaseDone
		return EventStreamEnd
	}
	t := d.tp
	v := &t.view // field by field, every one a view reads
	v.buf, v.toks, v.attrs, v.hdr, v.tp = buf, t.toks, t.attrs, d.hdr.buf, t
	v.src[srcItem], v.src[srcHeader], v.src[srcXML], v.src[srcDec] = buf, d.hdr.buf, xmlNSBytes, t.dec
	return EventElement
}
