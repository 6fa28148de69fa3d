package codec

import (
	"slices"
	"testing"
	"unsafe"
)

// TestFastLayout holds the structures fast_amd64.s reads and writes to
// the offsets it uses.
func TestFastLayout(t *testing.T) {
	var (
		a  attr
		r  attrRun
		k  tok
		o  openElt
		nd nsDecl
		nr nsRef
		tp tape
		l  limits
	)
	got := []uintptr{
		unsafe.Sizeof(a), unsafe.Offsetof(a.start), unsafe.Offsetof(a.vstart), unsafe.Offsetof(a.vend),
		unsafe.Offsetof(a.qlen), unsafe.Offsetof(a.plen), unsafe.Offsetof(a.flags), unsafe.Offsetof(a.decl), unsafe.Offsetof(a.ns),
		unsafe.Offsetof(r.i), unsafe.Offsetof(r.k), unsafe.Offsetof(r.bloom), unsafe.Offsetof(r.xmlnsAt), unsafe.Offsetof(r.flags),
		unsafe.Sizeof(k), unsafe.Offsetof(k.start), unsafe.Offsetof(k.end), unsafe.Offsetof(k.inner), unsafe.Offsetof(k.next),
		unsafe.Offsetof(k.attr), unsafe.Offsetof(k.nattr), unsafe.Offsetof(k.qlen), unsafe.Offsetof(k.plen),
		unsafe.Offsetof(k.kind), unsafe.Offsetof(k.flags), unsafe.Offsetof(k.ns),
		unsafe.Sizeof(o), unsafe.Offsetof(o.tok), unsafe.Offsetof(o.nsLen), unsafe.Offsetof(o.def),
		unsafe.Sizeof(nd), unsafe.Offsetof(nd.poff), unsafe.Offsetof(nd.plen), unsafe.Offsetof(nd.isDef), unsafe.Offsetof(nd.uri),
		unsafe.Sizeof(nr), unsafe.Offsetof(nr.off), unsafe.Offsetof(nr.n), unsafe.Offsetof(nr.src),
		unsafe.Offsetof(tp.toks), unsafe.Offsetof(tp.attrs), unsafe.Offsetof(tp.ns), unsafe.Offsetof(tp.open),
		unsafe.Offsetof(l.MaxDepth), unsafe.Offsetof(l.MaxAttrs), unsafe.Offsetof(l.MaxNameLen), unsafe.Offsetof(l.MaxNodes),
	}
	want := []uintptr{
		32, 0, 4, 8, 12, 14, 16, 17, 20,
		0, 8, 16, 24, 32,
		40, 0, 4, 8, 12, 16, 20, 22, 24, 26, 27, 28,
		20, 0, 4, 8,
		20, 0, 4, 6, 8,
		12, 0, 4, 8,
		0, 24, 48, 72,
		8, 12, 16, 20,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("layout %v, fast_amd64.s assumes %v", got, want)
	}
	if srcItem != 1 || tkElem != 1 || tkText != 2 || tagXmlns != 1 || alEmpty != 4 || fWS != 4 ||
		len(nsXML) != 36 || len(nsXMLNS) != 29 || cNameStart != 1 || cName != 2 || cColon != 0x10 {
		t.Fatal("a constant fast_amd64.s uses has changed")
	}
}

// fastModes runs f with the 32-byte AVX2 loops (where the CPU has them)
// and with the 16-byte SSE2 ones that every amd64 has. It flips the
// package's useAVX2, which the assembly reads during a call: no test of
// this package may run in parallel (t.Parallel) with one that calls it.
func fastModes(f func(mode string)) {
	saved := useAVX2
	defer func() { useAVX2 = saved }()
	if saved {
		f("avx2")
	}
	useAVX2 = false
	f("sse2")
}

// TestFastPathSSE2: the 16-byte loops (plainRun, tagFast, attrFast) pass
// what the default ones pass.
func TestFastPathSSE2(t *testing.T) {
	if !useAVX2 {
		t.Skip("the default run used SSE2 already")
	}
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	for _, test := range []func(*testing.T){TestPlainRunMatchesGo, TestAttrFastMatchesGo, TestAttrFastReferences, TestFastPathMatchesStateMachine, TestFastPathEverySplit, TestFastPathTapeFields, TestGolden} {
		test(t)
	}
}
