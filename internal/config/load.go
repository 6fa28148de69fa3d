package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads the YAML file at path over Default(), fills in defaults and
// validates the result. Unknown keys, keys given twice, values of the wrong
// type and invalid options are all errors; every one found is reported, as an
// *Error carrying the file and line.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return parse(b, filepath.Base(path))
}

// Parse is Load for a file already in memory.
func Parse(b []byte) (Config, error) { return parse(b, "") }

func parse(b []byte, file string) (Config, error) {
	located := func(errs []*Error, root *yaml.Node) error {
		for _, e := range errs {
			e.File = file
			if e.Line == 0 && root != nil {
				e.Line = locate(root, e.at)
			}
		}
		// In file order; problems not in the file (line 0) last.
		slices.SortStableFunc(errs, func(a, b *Error) int {
			return cmp.Compare(uint(a.Line-1), uint(b.Line-1)) // line 0 wraps to the end
		})
		return join(errs)
	}

	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return Default(), nil // an empty file is the defaults
	case err != nil:
		return Config{}, located([]*Error{{Err: wrap(ErrSyntax, "%s", strings.TrimPrefix(err.Error(), "yaml: "))}}, nil)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Config{}, located([]*Error{{Line: extra.Line, Err: wrap(ErrSyntax, "more than one YAML document")}}, nil)
	}
	root := doc.Content[0]

	present := map[string]bool{}
	var errs []*Error
	check(root, reflect.TypeFor[Config](), "", present, &errs)
	if len(errs) > 0 {
		return Config{}, located(errs, root)
	}

	// check has vetted every key and value with its line. The strict decoder
	// runs on the rewritten tree as a second line of defence: anything it
	// rejects is a gap in check, reported without a line.
	rewritten, err := yaml.Marshal(root)
	if err != nil {
		return Config{}, located([]*Error{{Err: wrap(ErrSyntax, "%v", err)}}, nil)
	}
	strict := yaml.NewDecoder(bytes.NewReader(rewritten))
	strict.KnownFields(true)
	cfg := Default()
	if err := strict.Decode(&cfg); err != nil {
		return Config{}, located([]*Error{{Err: wrap(ErrType, "%s", strings.TrimPrefix(err.Error(), "yaml: "))}}, nil)
	}
	if present["domains"] && !present["domain"] {
		cfg.Domain = "" // the file's domains replace the default domain
	}
	if len(cfg.Domains) == 0 {
		cfg.Domains = nil
	}
	if len(cfg.Components) == 0 {
		cfg.Components = nil
	}
	cfg.EnsureDefaults()
	if errs := cfg.validate(); len(errs) > 0 {
		return Config{}, located(errs, root)
	}
	cfg.canonicalize()
	return cfg, nil
}

// canonicalize rewrites the domains of a valid configuration in RFC 7622
// canonical form, so that the engine can compare them as bytes.
func (c *Config) canonicalize() {
	if c.Domain != "" {
		c.Domain, _ = domain(c.Domain)
	}
	for i, d := range c.Domains {
		c.Domains[i], _ = domain(d)
	}
	if c.Components != nil {
		m := make(map[string]string, len(c.Components))
		for name, secret := range c.Components {
			canon, _ := domain(name)
			m[canon] = secret
		}
		c.Components = m
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// check walks the document against the Go type it will be decoded into and
// reports, with key and line, what decoding would reject or silently accept:
// unknown and repeated keys, anchors and merge keys (which would hide keys
// from this walk), and values of the wrong shape. It also rewrites two kinds
// of scalar so that the decoder takes them as meant: durations ("0" and
// "off" are not time.ParseDuration syntax) and a null string ("c2s:" means
// the empty address, a disabled listener, not "keep the default").
//
// key names n as Error.Key does; present collects the keys of the mappings
// of options seen.
func check(n *yaml.Node, t reflect.Type, key string, present map[string]bool, errs *[]*Error) {
	fail := func(n *yaml.Node, err error) {
		*errs = append(*errs, &Error{Key: key, Line: n.Line, Err: err})
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		fail(n, wrap(ErrSyntax, "anchors and aliases are not supported"))
		return
	}
	null := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"

	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode || null {
			fail(n, wrap(ErrType, "want a duration such as 30s"))
			return
		}
		d, err := parseDuration(n)
		if err != nil {
			fail(n, err)
			return
		}
		n.Tag, n.Value, n.Style = "!!str", d.String(), 0

	case t.Kind() == reflect.Struct:
		if null {
			return // "limits:" with nothing under it keeps the defaults
		}
		if n.Kind != yaml.MappingNode {
			fail(n, wrap(ErrType, "want a mapping of options"))
			return
		}
		fields := yamlFields(t)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := k.Value
			if key != "" {
				sub = key + "." + k.Value
			}
			if line, dup := seen[k.Value]; dup {
				*errs = append(*errs, &Error{Key: sub, Line: k.Line, Err: wrap(ErrDuplicateKey, "first at line %d", line)})
				continue
			}
			seen[k.Value] = k.Line
			f, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{Key: sub, Line: k.Line, Err: wrap(ErrUnknownKey, "known keys here: %s", knownKeys(t))})
				continue
			}
			present[sub] = true
			check(v, f.Type, sub, present, errs)
		}

	case t.Kind() == reflect.Map:
		if null {
			return
		}
		if n.Kind != yaml.MappingNode {
			fail(n, wrap(ErrType, "want a mapping"))
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				*errs = append(*errs, &Error{Key: key, Line: k.Line, Err: wrap(ErrType, "want a plain key")})
				continue
			}
			sub := key + "[" + k.Value + "]"
			if line, dup := seen[k.Value]; dup {
				*errs = append(*errs, &Error{Key: sub, Line: k.Line, Err: wrap(ErrDuplicateKey, "first at line %d", line)})
				continue
			}
			seen[k.Value] = k.Line
			check(v, t.Elem(), sub, present, errs)
		}

	case t.Kind() == reflect.Slice:
		if null {
			return
		}
		if n.Kind != yaml.SequenceNode {
			fail(n, wrap(ErrType, "want a list"))
			return
		}
		for i, v := range n.Content {
			check(v, t.Elem(), key+"["+strconv.Itoa(i)+"]", present, errs)
		}

	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			fail(n, wrap(ErrType, "want a string"))
			return
		}
		if null {
			n.Tag, n.Value = "!!str", ""
		}

	case t.Kind() == reflect.Int:
		if n.Kind != yaml.ScalarNode {
			fail(n, wrap(ErrType, "want an integer"))
			return
		}
		if null {
			return
		}
		_, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, strconv.IntSize)
		switch {
		case errors.Is(err, strconv.ErrRange):
			fail(n, wrap(ErrOutOfRange, "%s does not fit an integer", n.Value))
		case err != nil || n.ShortTag() != "!!int":
			fail(n, wrap(ErrType, "want an integer, got %q", n.Value))
		}

	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || !null && n.ShortTag() != "!!bool" {
			fail(n, wrap(ErrType, "want true or false, got %q", n.Value))
		}

	default:
		panic("config: check does not know " + t.String()) // a new option type needs a case here
	}
}

// parseDuration reads a Go duration ("30s", "1h30m"), "0", or "off" (Off).
func parseDuration(n *yaml.Node) (time.Duration, error) {
	switch {
	case n.Value == "off":
		return Off, nil
	case n.ShortTag() == "!!int":
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil && v == 0 {
			return 0, nil
		}
		return 0, wrap(ErrBadDuration, "%q has no unit; write e.g. %ss", n.Value, n.Value)
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, wrap(ErrBadDuration, "%q: want e.g. 30s, 5m, 1h30m, 0 or off", n.Value)
	}
	return d, nil
}

type field struct {
	Type reflect.Type
}

// yamlFields maps the YAML keys of struct type t to its fields.
func yamlFields(t reflect.Type) map[string]field {
	m := map[string]field{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = field{f.Type}
	}
	return m
}

func knownKeys(t reflect.Type) string {
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// locate returns the line of the first path in at that the document holds:
// the key's line for a mapping entry, the item's line for a list element.
func locate(root *yaml.Node, at [][]string) int {
	for _, path := range at {
		n := root
		line := 0
		for _, elem := range path {
			line = 0
			switch n.Kind {
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == elem {
						line, n = n.Content[i].Line, n.Content[i+1]
						break
					}
				}
			case yaml.SequenceNode:
				if i, err := strconv.Atoi(elem); err == nil && i >= 0 && i < len(n.Content) {
					n = n.Content[i]
					line = n.Line
				}
			}
			if line == 0 {
				break
			}
		}
		if line != 0 {
			return line
		}
	}
	return 0
}
