package codec

import (
	"math/rand/v2"
	"testing"
)

// TestPlainRunMatchesGo: the assembly plainRun and the portable one give
// the same index for every kind of stop byte at every position and
// alignment, with plain bytes (and the bytes next to the special ones in
// value) around it.
func TestPlainRunMatchesGo(t *testing.T) {
	special := []byte{0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, '&', '<', ']', '\'', '"', 0x7F, 0x80, 0xC3, 0xFF}
	plain := []byte("azAZ09 ._-:/@=%'\"]\x7e\x21\x25\x27\x3b\x3d")
	for _, stop := range []byte{'\'', '"', ']'} {
		for n := 0; n <= 40; n++ {
			for start := 0; start <= n; start++ {
				for pos := start; pos <= n; pos++ {
					for _, c := range special {
						buf := make([]byte, n)
						for k := range buf {
							buf[k] = plain[(k*7+int(stop))%len(plain)]
							if buf[k] == stop {
								buf[k] = 'x'
							}
						}
						if pos < n {
							buf[pos] = c
						}
						s := lo8 * uint64(stop)
						if got, want := plainRun(buf, start, s), plainRunGo(buf, start, s); got != want {
							t.Fatalf("stop %q, %q from %d: plainRun %d, plainRunGo %d", stop, buf, start, got, want)
						}
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		buf := make([]byte, r.IntN(100))
		for k := range buf {
			if r.IntN(20) == 0 {
				buf[k] = byte(r.IntN(256))
			} else {
				buf[k] = byte(0x20 + r.IntN(0x5f))
			}
		}
		start := r.IntN(len(buf) + 1)
		stop := lo8 * uint64([]byte{'\'', '"', ']'}[r.IntN(3)])
		if got, want := plainRun(buf, start, stop), plainRunGo(buf, start, stop); got != want {
			t.Fatalf("%q from %d: plainRun %d, plainRunGo %d", buf, start, got, want)
		}
	}
}

// TestCtlAmpRunMatchesGo: the assembly ctlAmpRun and the portable one give
// the same index for every byte value at every position.
func TestCtlAmpRunMatchesGo(t *testing.T) {
	for n := 0; n <= 40; n++ {
		for start := 0; start <= n; start++ {
			for pos := start; pos <= n; pos++ {
				for c := 0; c < 256; c++ {
					const fill = "plain text, 0-9 \xd0\x9f\xff]<>'\""
					buf := make([]byte, n)
					for k := range buf {
						buf[k] = fill[k%len(fill)]
					}
					if pos < n {
						buf[pos] = byte(c)
					}
					if got, want := ctlAmpRun(buf, start), ctlAmpRunGo(buf, start); got != want {
						t.Fatalf("%q from %d: ctlAmpRun %d, ctlAmpRunGo %d", buf, start, got, want)
					}
				}
			}
		}
	}
}
