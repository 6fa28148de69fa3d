package jid

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
)

// reference is RFC 7622 written out plainly: split, then run every part
// through its PRECIS profile or IDNA, with no fast path and no stability
// check. It is the oracle for the shortcuts in parse.go.
func reference(s string) (string, bool) {
	head, res, hasRes := strings.Cut(s, "/")
	local, dom, hasLocal := strings.Cut(head, "@")
	if !hasLocal {
		local, dom = "", head
	}
	if hasLocal {
		n, err := precis.UsernameCaseMapped.String(local)
		if err != nil || n == "" || len(n) > maxPart || strings.ContainsAny(n, forbiddenLocal) {
			return "", false
		}
		local = n
	}
	d, ok := referenceDomain(dom)
	if !ok {
		return "", false
	}
	if hasRes {
		if !utf8.ValidString(res) {
			return "", false
		}
		n, err := precis.OpaqueString.String(res)
		if err != nil || n == "" || len(n) > maxPart {
			return "", false
		}
		res = n
	}
	out := d
	if hasLocal {
		out = local + "@" + out
	}
	if hasRes {
		out += "/" + res
	}
	return out, true
}

func referenceDomain(d string) (string, bool) {
	stripped := strings.HasSuffix(d, ".")
	d = strings.TrimSuffix(d, ".")
	if d == "" || !utf8.ValidString(d) {
		return "", false
	}
	if d[0] == '[' {
		n, err := normIPv6(d)
		return n, err == nil
	}
	n, err := idna.Lookup.ToUnicode(d)
	if err != nil {
		return "", false
	}
	if !stripped {
		n = strings.TrimSuffix(n, ".")
	}
	if n == "" || len(n) > maxPart || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".") || strings.Contains(n, "..") {
		return "", false
	}
	return n, true
}

// checkAgainstReference fails t if Parse and the reference disagree on s.
// Parse may reject what the reference accepts only for want of idempotence.
func checkAgainstReference(t *testing.T, s string) {
	t.Helper()
	j, err := Parse(s)
	want, ok := reference(s)
	switch {
	case err == nil && !ok:
		t.Fatalf("Parse(%q) = %q, the reference rejects it", s, j)
	case err == nil && j.String() != want:
		t.Fatalf("Parse(%q) = %q, the reference gives %q", s, j, want)
	case err != nil && ok && !strings.Contains(err.Error(), errUnstable.Error()):
		t.Fatalf("Parse(%q): %v; the reference gives %q", s, err, want)
	}
}

// TestFastPathsMatchReference runs every short ASCII part, and domains made
// of the characters that matter to the label rules, through Parse and the
// reference: the table-driven shortcuts must agree with PRECIS and IDNA.
func TestFastPathsMatchReference(t *testing.T) {
	var ascii []string
	for c := 0; c < 0x80; c++ {
		ascii = append(ascii, string(rune(c)))
	}
	var pairs []string
	for _, a := range ascii {
		for _, b := range ascii {
			pairs = append(pairs, a+b)
		}
	}
	t.Run("local", func(t *testing.T) {
		for _, p := range append(ascii, pairs...) {
			checkAgainstReference(t, p+"@example.com")
		}
	})
	t.Run("resource", func(t *testing.T) {
		for _, p := range append(ascii, pairs...) {
			checkAgainstReference(t, "a@example.com/"+p)
		}
	})
	t.Run("domain", func(t *testing.T) {
		for _, p := range append(ascii, pairs...) {
			checkAgainstReference(t, "a@"+p)
		}
		// Every string of up to six characters over the ones that decide
		// label validity: hyphen placement, "xn--", dots, case, digits.
		alphabet := []byte("aAxn-.0")
		var gen func(prefix []byte)
		gen = func(prefix []byte) {
			if len(prefix) > 0 {
				checkAgainstReference(t, string(prefix))
			}
			if len(prefix) == 6 {
				return
			}
			for _, c := range alphabet {
				gen(append(prefix, c))
			}
		}
		gen(nil)
	})
	t.Run("cases", func(t *testing.T) {
		for _, tc := range parseCases {
			checkAgainstReference(t, tc.in)
		}
	})
}
