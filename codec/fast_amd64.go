package codec

import "golang.org/x/sys/cpu"

// useAVX2 selects the 32-byte loops of fast_amd64.s, which find the same
// stops as the 16-byte ones (SSE2, which every amd64 has); the tests turn
// it off to run those too.
var useAVX2 = cpu.X86.HasAVX2

// attrFast appends the attributes of a start tag from buf[i] while they
// are the plain case, with the value scanned sixteen bytes at a time
// (fast_amd64.s); attrFastGo is its specification.
//
//go:noescape
func attrFast(buf []byte, i int, attrs []attr, limit, maxName int, r *attrRun) bool

// tagFast is scanFast's loop for the plain case, in assembly
// (fast_amd64.s); see fast.go.
//
//go:noescape
func tagFast(buf []byte, pos int, t *tape, def *nsRef, lim *limits) (end, how int)
