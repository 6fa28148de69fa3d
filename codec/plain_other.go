//go:build !amd64

package codec

// plainRun skips from buf[i] over plain ASCII; see plainRunGo.
func plainRun(buf []byte, i int, stop uint64) int { return plainRunGo(buf, i, stop) }

// ctlAmpRun returns the index of the first control byte or '&' from
// buf[i]; see ctlAmpRunGo.
func ctlAmpRun(buf []byte, i int) int { return ctlAmpRunGo(buf, i) }
