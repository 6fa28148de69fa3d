package codec

import (
	"encoding/binary"
	"slices"
	"sync"
)

// CompactHeader forgets what of the stream header only its accessors need
// (the raw tag and its attributes) and keeps what decoding needs: the
// stream's qualified name, for its closing tag, and its namespace
// declarations, which the stanzas inherit. After it, Header's Attr, To,
// From, ID, Version, Lang and Raw return nil; ContentNS and Prefix still
// work. A server calls it once it has answered the header.
//
// What is left is the same for nearly every stream of a server (the same
// prefix and namespaces), so it is interned: thousands of idle connections
// share one compact header instead of each keeping its own copy.
func (d *Decoder) CompactHeader() {
	h := d.hdr
	if h.n == 0 || h.compact || d.fragment {
		return
	}
	// The compact form is built in scratch on the stack and looked up;
	// only a header not seen before is copied to the heap and interned.
	var bufScratch [256]byte
	var nsScratch [8]nsDecl
	var keyScratch [512]byte
	old := h.buf
	// '<' and the qualified name stay first, where qname reads them.
	n := 1 + int(h.qlen)
	buf := append(bufScratch[:0], old[:n]...)
	ns := nsScratch[:0]
	for _, e := range h.ns {
		p := len(buf)
		buf = append(buf, old[e.poff:e.poff+uint32(e.plen)]...)
		e.poff = uint32(p)
		if e.uri.src == srcHeader {
			u := len(buf)
			buf = append(buf, old[e.uri.off:e.uri.off+e.uri.n]...)
			e.uri.off = uint32(u)
		}
		ns = append(ns, e)
	}
	key := internKey(keyScratch[:0], h.qlen, h.plen, ns, buf)
	if s := headers.lookup(key); s != nil {
		d.hdr = s
		return
	}
	d.hdr = headers.intern(key, &Header{buf: slices.Clone(buf), ns: slices.Clone(ns), n: n, qlen: h.qlen, plen: h.plen, compact: true})
}

// headers is the process's table of interned compact headers.
var headers = internTable{m: make(map[string]*Header)}

// maxInterned bounds the table: a server sees a handful of distinct
// headers (one per stream namespace and prefix in use). Past the bound,
// headers are kept per decoder, as if not interned.
const maxInterned = 256

type internTable struct {
	mu sync.Mutex // guards m
	m  map[string]*Header
}

// lookup returns the interned header with this key, or nil.
func (it *internTable) lookup(key []byte) *Header {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.m[string(key)]
}

// intern returns the shared header with this key, adding h (whose slices
// must be its own) if there is none and the table has room.
func (it *internTable) intern(key []byte, h *Header) *Header {
	it.mu.Lock()
	defer it.mu.Unlock()
	if s, ok := it.m[string(key)]; ok {
		return s
	}
	if len(it.m) >= maxInterned {
		return h
	}
	h.shared = true
	it.m[string(key)] = h
	return h
}

// internKey appends to dst everything a compact header holds (its name's
// and prefix's lengths, declarations and bytes): two headers with the same
// key read the same in every accessor.
func internKey(dst []byte, qlen, plen uint16, ns []nsDecl, buf []byte) []byte {
	key := binary.LittleEndian.AppendUint16(dst, qlen)
	key = binary.LittleEndian.AppendUint16(key, plen)
	key = binary.LittleEndian.AppendUint32(key, uint32(len(ns)))
	for _, e := range ns {
		def := uint32(0)
		if e.isDef {
			def = 1
		}
		key = binary.LittleEndian.AppendUint32(key, e.poff)
		key = binary.LittleEndian.AppendUint32(key, uint32(e.plen)|def<<16|uint32(e.uri.src)<<24)
		key = binary.LittleEndian.AppendUint32(key, e.uri.off)
		key = binary.LittleEndian.AppendUint32(key, e.uri.n)
	}
	return append(key, buf...)
}
