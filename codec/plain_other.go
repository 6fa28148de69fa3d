//go:build !amd64

package codec

// plainRun skips from buf[i] over plain ASCII; see plainRunGo.
func plainRun(buf []byte, i int, stop uint64) int { return plainRunGo(buf, i, stop) }
