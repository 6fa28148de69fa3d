package codec

// plainRun skips from buf[i] over plain ASCII: it returns the index of the
// first control or non-ASCII byte, '&', '<', or byte equal to the one
// broadcast in stop (an attribute's quote; ']' for text), or len(buf) if
// there is none. In assembly (plain_amd64.s): the portable SWAR loop costs
// about five instructions a byte as the compiler builds it (bounds checks,
// each 64-bit constant loaded again at every use), SSE2 about one, AVX2
// (useAVX2) half that on long runs.
//
//go:noescape
func plainRun(buf []byte, i int, stop uint64) int

// ctlAmpRun returns the index of the first control byte (below 0x20) or
// '&' from buf[i], or len(buf): where a decoded copy must look. In
// assembly (plain_amd64.s); ctlAmpRunGo is the portable version.
//
//go:noescape
func ctlAmpRun(buf []byte, i int) int
