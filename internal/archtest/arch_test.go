package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "xmppd"

// rule forbids packages matching from (a path prefix inside the module) to
// reach, directly or through other module packages, any import path that
// has one of the prefixes in deny.
type rule struct {
	from string
	deny []string
	why  string
}

var rules = []rule{
	{"xmppd/codec", []string{"xmppd/engine", "xmppd/bosh", "xmppd/storage", "xmppd/tools", "xmppd/bench"},
		"the codec is the bottom tier: it knows bytes, not sessions"},
	{"xmppd/internal", []string{"xmppd/engine", "xmppd/bosh", "xmppd/storage", "xmppd/tools", "xmppd/bench"},
		"internal packages are leaves shared by every tier"},
	{"xmppd/storage", []string{"xmppd/engine", "xmppd/bosh", "xmppd/tools", "xmppd/bench"},
		"storage holds model types and stores; it never calls up into the server"},
	{"xmppd/engine", []string{"xmppd/bosh", "xmppd/tools", "xmppd/bench"},
		"the engine is transport-agnostic above gnet; BOSH plugs into it, not the reverse"},
	{"xmppd/bosh", []string{"github.com/panjf2000/gnet", "xmppd/tools", "xmppd/bench"},
		"BOSH reuses engine/session and engine/router but never the gnet reactor"},
	{"xmppd/bench", []string{"xmppd/engine", "xmppd/bosh", "xmppd/storage"},
		"the load generator sees the server only over the wire, so its numbers stay honest"},
}

// storageOnlyInPebblestore: only storage/pebblestore may import Pebble.
const pebble = "github.com/cockroachdb/pebble"

type pkgInfo struct {
	imports map[string]bool // non-test imports
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

func loadGraph(t *testing.T) (map[string]*pkgInfo, map[string][]string) {
	root := moduleRoot(t)
	pkgs := map[string]*pkgInfo{}
	xmlUsers := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "bin" || name == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module
		if rel != "." {
			pkg = module + "/" + filepath.ToSlash(rel)
		}
		isTest := strings.HasSuffix(path, "_test.go")
		info := pkgs[pkg]
		if info == nil {
			info = &pkgInfo{imports: map[string]bool{}}
			pkgs[pkg] = info
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "encoding/xml" && !isTest {
				rel, _ := filepath.Rel(root, path)
				xmlUsers[pkg] = append(xmlUsers[pkg], rel)
			}
			if !isTest {
				info.imports[p] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs, xmlUsers
}

// reach returns every import path reachable from pkg through module packages.
func reach(pkgs map[string]*pkgInfo, pkg string) map[string]string {
	via := map[string]string{} // import path -> the module package importing it
	stack := []string{pkg}
	seen := map[string]bool{pkg: true}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		info := pkgs[p]
		if info == nil {
			continue
		}
		for imp := range info.imports {
			if _, ok := via[imp]; !ok {
				via[imp] = p
			}
			if !seen[imp] && strings.HasPrefix(imp, module+"/") {
				seen[imp] = true
				stack = append(stack, imp)
			}
		}
	}
	return via
}

func hasPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func TestImportTiers(t *testing.T) {
	pkgs, _ := loadGraph(t)
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, r := range rules {
		for _, p := range names {
			if !hasPrefix(p, r.from) {
				continue
			}
			for imp, by := range reach(pkgs, p) {
				for _, d := range r.deny {
					if hasPrefix(imp, d) {
						t.Errorf("%s reaches %s (imported by %s): %s", p, imp, by, r.why)
					}
				}
			}
		}
	}
}

func TestPebbleOnlyInPebblestore(t *testing.T) {
	pkgs, _ := loadGraph(t)
	for p, info := range pkgs {
		if hasPrefix(p, "xmppd/storage/pebblestore") {
			continue
		}
		for imp := range info.imports {
			if hasPrefix(imp, pebble) || hasPrefix(imp, pebble+"/v2") {
				t.Errorf("%s imports %s: only storage/pebblestore may use Pebble; everything else goes through the storage interfaces", p, imp)
			}
		}
	}
}

// codecOutside is everything the codec may import from outside the
// standard library and the module: which SIMD its assembly may use.
var codecOutside = map[string]bool{"golang.org/x/sys/cpu": true}

// TestCodecOnStdlib: the codec stays on the standard library (and
// codecOutside), as docs/ARCHITECTURE.md says.
func TestCodecOnStdlib(t *testing.T) {
	pkgs, _ := loadGraph(t)
	for p, info := range pkgs {
		if !hasPrefix(p, "xmppd/codec") {
			continue
		}
		for imp := range info.imports {
			first, _, _ := strings.Cut(imp, "/")
			if strings.Contains(first, ".") && !codecOutside[imp] {
				t.Errorf("%s imports %s: the codec uses the standard library and %v only", p, imp, codecOutside)
			}
		}
	}
}

func TestNoEncodingXML(t *testing.T) {
	_, users := loadGraph(t)
	for p, files := range users {
		t.Errorf("%s imports encoding/xml outside tests (%s): every byte goes through xmppd/codec", p, strings.Join(files, ", "))
	}
}

// TestRulesCanFail proves the checker sees a forbidden edge: a synthetic graph
// where codec reaches engine through an intermediate package.
func TestRulesCanFail(t *testing.T) {
	pkgs := map[string]*pkgInfo{
		"xmppd/codec":         {imports: map[string]bool{"xmppd/internal/x": true}},
		"xmppd/internal/x":    {imports: map[string]bool{"xmppd/engine/router": true}},
		"xmppd/engine/router": {imports: map[string]bool{}},
	}
	via := reach(pkgs, "xmppd/codec")
	if via["xmppd/engine/router"] != "xmppd/internal/x" {
		t.Fatalf("transitive edge not found: %v", via)
	}
}
