package codec

import (
	"encoding/binary"
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
	old := h.buf
	// '<' and the qualified name stay first, where qname reads them.
	n := 1 + int(h.qlen)
	size := n
	for _, e := range h.ns {
		size += int(e.plen) + int(e.uri.n)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, old[:n]...)
	ns := make([]nsDecl, len(h.ns))
	for i, e := range h.ns {
		p := len(buf)
		buf = append(buf, old[e.poff:e.poff+uint32(e.plen)]...)
		e.poff = uint32(p)
		if e.uri.src == srcHeader {
			u := len(buf)
			buf = append(buf, old[e.uri.off:e.uri.off+e.uri.n]...)
			e.uri.off = uint32(u)
		}
		ns[i] = e
	}
	d.hdr = headers.intern(&Header{buf: buf, ns: ns, n: n, qlen: h.qlen, plen: h.plen, compact: true})
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

// intern returns the shared header equal to h, adding h if there is none
// and the table has room.
func (it *internTable) intern(h *Header) *Header {
	key := internKey(h)
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

// internKey spells out everything a compact header holds: two headers
// with the same key read the same in every accessor.
func internKey(h *Header) []byte {
	key := make([]byte, 0, 8+len(h.buf)+12*len(h.ns))
	key = binary.LittleEndian.AppendUint16(key, h.qlen)
	key = binary.LittleEndian.AppendUint16(key, h.plen)
	key = binary.LittleEndian.AppendUint32(key, uint32(len(h.ns)))
	for _, e := range h.ns {
		def := uint32(0)
		if e.isDef {
			def = 1
		}
		key = binary.LittleEndian.AppendUint32(key, e.poff)
		key = binary.LittleEndian.AppendUint32(key, uint32(e.plen)|def<<16|uint32(e.uri.src)<<24)
		key = binary.LittleEndian.AppendUint32(key, e.uri.off)
		key = binary.LittleEndian.AppendUint32(key, e.uri.n)
	}
	return append(key, h.buf...)
}
