package jid

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
)

const (
	// maxPart is RFC 7622's limit on each part, in bytes, after normalisation.
	maxPart = 1023
	// maxRawPart bounds a part before normalisation. Neither PRECIS profile
	// shrinks text by more than 3:1 (NFC composing a Hangul L+V+T sequence,
	// width-folding a fullwidth character); only IDNA's ignored code points
	// could, and nobody writes a domain out of variation selectors.
	maxRawPart = 4 * maxPart

	// forbiddenLocal are the characters RFC 7622 section 3.3.1 bars from a
	// localpart on top of the PRECIS IdentifierClass.
	forbiddenLocal = "\"&'/:<>@"
)

// Byte classes for the ASCII fast paths.
const (
	cLocal    uint8 = 1 << iota // may appear in a canonical localpart
	cLDH                        // a-z 0-9 '-': may appear in a canonical domain label
	cResource                   // may appear in a canonical resourcepart
	cUpper                      // A-Z: canonical after ASCII lower-casing (local, domain)
)

// class maps a byte to its classes. It is built once and only read.
var class = func() (t [256]uint8) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] |= cResource
		switch {
		case c == ' ':
		case c >= 'A' && c <= 'Z':
			t[c] |= cUpper
		case strings.IndexByte(forbiddenLocal, byte(c)) >= 0:
		default:
			t[c] |= cLocal
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			t[c] |= cLDH
		}
	}
	return t
}()

// text is what the fast paths accept, so that ParseBytes and EqualBytes can
// check bytes without first converting them to a string.
type text interface{ ~string | ~[]byte }

// canonical reports whether s is a JID already in canonical ASCII form, and
// if so the lengths of its localpart and domainpart. It never allocates. A
// false result does not mean that s is invalid, only that it needs the slow
// path.
func canonical[T text](s T) (localLen, domainLen int, ok bool) {
	// One pass in the common case: the first run of localpart bytes is the
	// localpart if '@' ends it; otherwise the domainpart starts at 0.
	i := 0
	for i < len(s) && class[s[i]]&cLocal != 0 {
		i++
	}
	start := 0
	if i < len(s) && s[i] == '@' {
		if i == 0 || i > maxPart {
			return 0, 0, false
		}
		localLen, start = i, i+1
	}
	end := start
	for end < len(s) && s[end] != '/' {
		end++
	}
	if !asciiDomain(s[start:end], cLDH) {
		return 0, 0, false
	}
	if end < len(s) && !asciiResource(s[end+1:]) {
		return 0, 0, false
	}
	return localLen, end - start, true
}

// asciiLocal reports whether every byte of s is in allow (cLocal, or
// cLocal|cUpper) and its length is valid. For such s, UsernameCaseMapped is
// exactly ASCII lower-casing.
func asciiLocal[T text](s T, allow uint8) bool {
	if len(s) == 0 || len(s) > maxPart {
		return false
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&allow == 0 {
			return false
		}
	}
	return true
}

// asciiResource reports whether s is a printable-ASCII resourcepart of valid
// length, which OpaqueString leaves unchanged.
func asciiResource[T text](s T) bool {
	if len(s) == 0 || len(s) > maxPart {
		return false
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cResource == 0 {
			return false
		}
	}
	return true
}

// asciiDomain reports whether s is a domain of valid length made of LDH
// labels (bytes in allow, cLDH or cLDH|cUpper) that IDNA lookup maps to their
// lower-case selves: no empty label, no trailing dot, no hyphen at either end
// of a label, and no "--" in the third and fourth places (that is where
// A-labels such as "xn--" begin, and IDNA's hyphen check rejects the rest).
func asciiDomain[T text](s T, allow uint8) bool {
	if len(s) == 0 || len(s) > maxPart {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if class[s[i]]&allow == 0 {
				return false
			}
			continue
		}
		n := i - start
		if n == 0 || s[start] == '-' || s[i-1] == '-' ||
			n >= 4 && s[start+2] == '-' && s[start+3] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}

// parseSlow splits s and normalises each part. It does the same as Parse for
// every input, only without the whole-JID fast path.
func parseSlow(s string) (JID, error) {
	head, resource, hasResource := strings.Cut(s, "/")
	local, domain, hasLocal := strings.Cut(head, "@")
	if !hasLocal {
		local, domain = "", head
	}
	var (
		l, d, r = local, domain, resource
		err     error
	)
	if hasLocal {
		if l, err = normLocal(local); err != nil {
			return JID{}, err
		}
	}
	if d, err = normDomain(domain); err != nil {
		return JID{}, err
	}
	if hasResource {
		if r, err = normResource(resource); err != nil {
			return JID{}, err
		}
	}
	if l == local && d == domain && r == resource {
		// Canonical already (non-ASCII, say): keep s rather than rebuild it.
		return JID{s: s, localLen: uint16(len(l)), domainLen: uint16(len(d))}, nil
	}
	return join(l, d, r), nil
}

func normLocal(s string) (string, error) {
	switch {
	case s == "":
		return "", ErrEmptyLocal
	case len(s) > maxRawPart:
		return "", ErrLocalTooLong
	case asciiLocal(s, cLocal|cUpper):
		return strings.ToLower(s), nil
	case !utf8.ValidString(s):
		return "", fmt.Errorf("%w: %w", ErrInvalidLocal, errUTF8)
	}
	n, err := stable(precis.UsernameCaseMapped.String, s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidLocal, err)
	}
	switch {
	case n == "":
		return "", ErrEmptyLocal
	case len(n) > maxPart:
		return "", ErrLocalTooLong
	}
	if i := strings.IndexAny(n, forbiddenLocal); i >= 0 {
		return "", fmt.Errorf("%w: %q is not allowed", ErrInvalidLocal, n[i])
	}
	return n, nil
}

func normResource(s string) (string, error) {
	switch {
	case s == "":
		return "", ErrEmptyResource
	case len(s) > maxRawPart:
		return "", ErrResourceTooLong
	case asciiResource(s):
		return s, nil
	case !utf8.ValidString(s):
		// OpaqueString would quietly turn bad bytes into U+FFFD.
		return "", fmt.Errorf("%w: %w", ErrInvalidResource, errUTF8)
	}
	n, err := stable(precis.OpaqueString.String, s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidResource, err)
	}
	switch {
	case n == "":
		return "", ErrEmptyResource
	case len(n) > maxPart:
		return "", ErrResourceTooLong
	}
	return n, nil
}

func normDomain(s string) (string, error) {
	switch {
	case s == "":
		return "", ErrEmptyDomain
	case len(s) > maxRawPart:
		return "", ErrDomainTooLong
	case !utf8.ValidString(s):
		return "", fmt.Errorf("%w: %w", ErrInvalidDomain, errUTF8)
	}
	stripped := false
	if s[len(s)-1] == '.' {
		s, stripped = s[:len(s)-1], true
		if s == "" {
			return "", ErrEmptyDomain
		}
	}
	// Dotted-decimal IPv4 literals are LDH labels too and stay as written.
	if asciiDomain(s, cLDH|cUpper) {
		return strings.ToLower(s), nil
	}
	if s[0] == '[' {
		return normIPv6(s)
	}
	n, err := stable(idna.Lookup.ToUnicode, s)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidDomain, err)
	}
	if !stripped && strings.HasSuffix(n, ".") {
		// The final separator was written as a character that maps to '.'
		// (U+3002 IDEOGRAPHIC FULL STOP and its kin): strip that instead.
		n = n[:len(n)-1]
	}
	switch {
	case n == "":
		return "", ErrEmptyDomain
	case len(n) > maxPart:
		return "", ErrDomainTooLong
	case n[0] == '.' || n[len(n)-1] == '.' || strings.Contains(n, ".."):
		return "", fmt.Errorf("%w: empty label", ErrInvalidDomain)
	}
	return n, nil
}

// normIPv6 accepts "[v6-address]" and writes it in RFC 5952 form (lower-case
// hex, longest zero run compressed) so that one address has one spelling.
func normIPv6(s string) (string, error) {
	if len(s) < 2 || s[len(s)-1] != ']' {
		return "", fmt.Errorf("%w: unterminated IP literal", ErrInvalidDomain)
	}
	a, err := netip.ParseAddr(s[1 : len(s)-1])
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidDomain, err)
	}
	if !a.Is6() || a.Zone() != "" {
		return "", fmt.Errorf("%w: IP literal is not a plain IPv6 address", ErrInvalidDomain)
	}
	if c := a.String(); c != s[1:len(s)-1] {
		return "[" + c + "]", nil
	}
	return s, nil
}

// stable applies norm and, when that changed s, applies it again to make sure
// the result is a fixed point. Neither UsernameCaseMapped nor IDNA promises
// idempotence for every input, and a JID that changed when re-parsed would
// break the equality-is-bytes invariant; such input is rejected.
func stable(norm func(string) (string, error), s string) (string, error) {
	n, err := norm(s)
	if err != nil || n == s {
		return n, err
	}
	if again, err := norm(n); err != nil || again != n {
		return "", errUnstable
	}
	return n, nil
}

var (
	errUnstable = errors.New("normalisation is not idempotent for this input")
	errUTF8     = errors.New("invalid UTF-8")
)
