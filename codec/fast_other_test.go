//go:build !amd64

package codec

// fastModes runs f once: there is one fast path here.
func fastModes(f func(mode string)) { f("go") }
