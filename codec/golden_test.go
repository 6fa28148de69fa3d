package codec

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden decodes every testdata/golden/*.xml and compares the event dump
// with the .golden file beside it. Review a diff before committing -update.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".xml")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpStream(NewDecoder(Limits{}), [][]byte{b})
			golden := strings.TrimSuffix(in, ".xml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./codec -run TestGolden -update)", err)
			}
			if got != string(want) {
				t.Fatalf("events differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
			// The same events however the bytes arrive.
			for _, chunk := range []int{1, 3, 64} {
				var chunks [][]byte
				for i := 0; i < len(b); i += chunk {
					chunks = append(chunks, b[i:min(i+chunk, len(b))])
				}
				if split := dumpStream(NewDecoder(Limits{}), chunks); split != got {
					t.Fatalf("chunks of %d give different events:\n%s", chunk, split)
				}
			}
		})
	}
}
