package codec

import (
	"strings"
	"testing"
)

// TestStanzaLargerThanHeaderLimit: a stanza bigger than MaxHeaderSize but
// within MaxStanzaSize decodes however it arrives: in one piece, after a
// lone '<', or in chunks. (The window a new item was scanned in used to be
// bounded by the header limit before the item's kind was known.)
func TestStanzaLargerThanHeaderLimit(t *testing.T) {
	lim := Limits{MaxHeaderSize: 512, MaxStanzaSize: 4096}
	stanza := "<message><body>" + strings.Repeat("x", 2000) + "</body></message>"
	in := []byte(hdr + stanza)
	whole := dumpStream(NewDecoder(lim), [][]byte{in})
	if !strings.Contains(whole, "element\n") || strings.Contains(whole, "error") {
		t.Fatalf("one piece:\n%.300s", whole)
	}
	cut := len(hdr) + 1 // just after the stanza's '<'
	for _, chunks := range [][][]byte{
		{in[:cut], in[cut:]},
		{in[:cut-1], in[cut-1 : cut], in[cut:]},
		{in[:cut+1], in[cut+1:]},
	} {
		if got := dumpStream(NewDecoder(lim), chunks); got != whole {
			t.Fatalf("split at %d differs:\n%.300s", len(chunks[0]), got)
		}
	}
	// Past the stanza limit it fails the same way, whole or split.
	big := []byte(hdr + "<message><body>" + strings.Repeat("x", 5000) + "</body></message>")
	want := dumpStream(NewDecoder(lim), [][]byte{big})
	if !strings.HasSuffix(want, "error policy-violation\n") {
		t.Fatalf("oversized stanza:\n%.300s", want)
	}
	if got := dumpStream(NewDecoder(lim), [][]byte{big[:cut], big[cut:]}); got != want {
		t.Fatalf("oversized stanza split after '<':\n%.300s", got)
	}
}
