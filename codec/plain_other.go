//go:build !amd64

package codec

// plainRun skips from buf[i] over plain ASCII; see plainRunGo.
func plainRun(buf []byte, i int, stop uint64) int { return plainRunGo(buf, i, stop) }

// ctlAmpRun returns the index of the first control byte or '&' from
// buf[i]; see ctlAmpRunGo.
func ctlAmpRun(buf []byte, i int) int { return ctlAmpRunGo(buf, i) }

// attrFast appends a start tag's plain attributes; see attrFastGo.
func attrFast(buf []byte, i int, attrs []attr, limit, maxName int, r *attrRun) bool {
	return attrFastGo(buf, i, attrs, limit, maxName, r)
}

// tagFast leaves everything to scanFast's own loop: the plain case in Go
// is that loop.
func tagFast(buf []byte, pos int, t *tape, def *nsRef, lim *limits) (end, how int) {
	return pos, tfTag
}
