package jid

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics and that every accepted input yields
// a normalised JID: it re-parses to itself through every constructor, its
// parts obey the limits, and it agrees with the plain RFC 7622 reference.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, s := range []string{
		"alice@localhost/phone", "ALICE@LOCALHOST/Phone", "xn--bcher-kva.example./x",
		"[::1]/r", "a@b/c@d/e", "ﬀ@example.com", "İ@example.com", "a@ß.de", "a@ＸＮ--bcher-kva.example",
		"a@b/\u0301", "\u1100\u1161\u11a8@example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := Parse(s)
		jb, errb := ParseBytes([]byte(s))
		if j != jb || (err == nil) != (errb == nil) {
			t.Fatalf("Parse(%q) = %#v, %v; ParseBytes = %#v, %v", s, j, err, jb, errb)
		}
		checkAgainstReference(t, s)
		if err != nil {
			if !j.IsZero() {
				t.Fatalf("Parse(%q) returned %#v with error %v", s, j, err)
			}
			if !isSentinel(err) {
				t.Fatalf("Parse(%q): error %v wraps none of the sentinels", s, err)
			}
			return
		}
		checkInvariants(t, j)
		if !j.EqualBytes([]byte(s)) {
			t.Fatalf("%#v.EqualBytes(%q) = false", j, s)
		}
		again, err := Parse(j.String())
		if err != nil || !again.Equal(j) {
			t.Fatalf("Parse(%q) = %q; re-parsing gives %#v, %v", s, j, again, err)
		}
		n, err := New(j.Local(), j.Domain(), j.Resource())
		if err != nil || n != j {
			t.Fatalf("New(parts of %q) = %#v, %v", j, n, err)
		}
		if b := j.Bare(); b != MustParse(b.String()) {
			t.Fatalf("Bare of %q is %#v", j, b)
		}
		if r := j.Resource(); r != "" {
			w, err := j.Bare().WithResource(r)
			if err != nil || w != j {
				t.Fatalf("WithResource(%q) on %q = %#v, %v", r, j.Bare(), w, err)
			}
		}
	})
}

func checkInvariants(t *testing.T, j JID) {
	t.Helper()
	l, d, r := j.Local(), j.Domain(), j.Resource()
	if d == "" || len(l) > maxPart || len(d) > maxPart || len(r) > maxPart {
		t.Fatalf("%#v: part lengths %d, %d, %d", j, len(l), len(d), len(r))
	}
	if strings.ContainsAny(l, forbiddenLocal) || strings.ContainsAny(d, "@/") {
		t.Fatalf("%#v: separator inside a part", j)
	}
	want := d
	if l != "" {
		want = l + "@" + want
	}
	if r != "" {
		want += "/" + r
	}
	if j.String() != want {
		t.Fatalf("%#v: parts do not reassemble", j)
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{
		ErrEmptyLocal, ErrEmptyDomain, ErrEmptyResource,
		ErrLocalTooLong, ErrDomainTooLong, ErrResourceTooLong,
		ErrInvalidLocal, ErrInvalidDomain, ErrInvalidResource,
	} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
