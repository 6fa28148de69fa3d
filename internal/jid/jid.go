package jid

import (
	"strings"
)

// JID is a normalised XMPP address. The zero value is the absent address
// (IsZero reports true, String returns ""). See the package documentation for
// the invariants.
type JID struct {
	s         string // "local@domain/resource" in canonical form
	localLen  uint16 // 0 when there is no localpart
	domainLen uint16 // ≥ 1 for every non-zero JID
}

// Parse parses and normalises s. When s is already canonical the returned JID
// shares s's storage instead of copying it.
func Parse(s string) (JID, error) {
	if l, d, ok := canonical(s); ok {
		return JID{s: s, localLen: uint16(l), domainLen: uint16(d)}, nil
	}
	return parseSlow(s)
}

// ParseBytes is Parse for bytes. The JID never refers to b after the call.
func ParseBytes(b []byte) (JID, error) {
	if l, d, ok := canonical(b); ok {
		return JID{s: string(b), localLen: uint16(l), domainLen: uint16(d)}, nil
	}
	return parseSlow(string(b))
}

// MustParse is Parse for tests and package-level constants: it panics if s is
// not a valid JID. Never call it on input from the network.
func MustParse(s string) JID {
	j, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return j
}

// New builds a JID from separate parts, normalising each. local and resource
// may be empty (the part is then absent); domain may not. The parts are taken
// literally: a '@' or '/' inside local or domain is an error, inside resource
// it is ordinary text.
func New(local, domain, resource string) (JID, error) {
	var err error
	if local != "" {
		if local, err = normLocal(local); err != nil {
			return JID{}, err
		}
	}
	if domain, err = normDomain(domain); err != nil {
		return JID{}, err
	}
	if resource != "" {
		if resource, err = normResource(resource); err != nil {
			return JID{}, err
		}
	}
	return join(local, domain, resource), nil
}

// join assembles already normalised parts.
func join(local, domain, resource string) JID {
	j := JID{localLen: uint16(len(local)), domainLen: uint16(len(domain))}
	if local == "" && resource == "" {
		j.s = domain
		return j
	}
	var b strings.Builder
	b.Grow(len(local) + 1 + len(domain) + 1 + len(resource))
	if local != "" {
		b.WriteString(local)
		b.WriteByte('@')
	}
	b.WriteString(domain)
	if resource != "" {
		b.WriteByte('/')
		b.WriteString(resource)
	}
	j.s = b.String()
	return j
}

// domainStart is the offset of the domainpart in j.s.
func (j JID) domainStart() int {
	if j.localLen == 0 {
		return 0
	}
	return int(j.localLen) + 1
}

// bareLen is the length of "local@domain".
func (j JID) bareLen() int { return j.domainStart() + int(j.domainLen) }

// Local returns the localpart, or "" if there is none.
func (j JID) Local() string { return j.s[:j.localLen] }

// Domain returns the domainpart ("" only for the zero JID).
func (j JID) Domain() string {
	start := j.domainStart()
	return j.s[start : start+int(j.domainLen)]
}

// Resource returns the resourcepart, or "" if there is none.
func (j JID) Resource() string {
	n := j.bareLen()
	if len(j.s) <= n {
		return ""
	}
	return j.s[n+1:]
}

// Bare returns j without its resourcepart. It does not allocate; the result
// shares j's storage.
func (j JID) Bare() JID {
	return JID{s: j.s[:j.bareLen()], localLen: j.localLen, domainLen: j.domainLen}
}

// DomainJID returns the JID made of j's domainpart alone (the server or
// component that hosts j). It does not allocate.
func (j JID) DomainJID() JID {
	start := j.domainStart()
	return JID{s: j.s[start : start+int(j.domainLen)], domainLen: j.domainLen}
}

// WithResource returns the bare form of j with resourcepart r, normalised.
// An empty r gives j.Bare(). It is an error to call it on the zero JID.
func (j JID) WithResource(r string) (JID, error) {
	if j.IsZero() {
		return JID{}, ErrEmptyDomain
	}
	if r == "" {
		return j.Bare(), nil
	}
	r, err := normResource(r)
	if err != nil {
		return JID{}, err
	}
	bare := j.s[:j.bareLen()]
	return JID{s: bare + "/" + r, localLen: j.localLen, domainLen: j.domainLen}, nil
}

// IsBare reports whether j has no resourcepart.
func (j JID) IsBare() bool { return len(j.s) == j.bareLen() }

// IsZero reports whether j is the zero (absent) JID.
func (j JID) IsZero() bool { return j.s == "" }

// String returns the canonical form "local@domain/resource".
func (j JID) String() string { return j.s }

// Equal reports whether j and o are the same address. Because JIDs are always
// normalised it is byte equality, the same as ==.
func (j JID) Equal(o JID) bool { return j == o }

// EqualBytes reports whether b is a valid JID that normalises to j. When b is
// already canonical (the common case) it does not allocate.
func (j JID) EqualBytes(b []byte) bool {
	if j.s == "" {
		return false
	}
	if string(b) == j.s {
		return true
	}
	if _, _, ok := canonical(b); ok {
		// Canonical but different bytes: a different address.
		return false
	}
	o, err := parseSlow(string(b))
	return err == nil && o == j
}

// AppendTo appends the canonical form of j to dst.
func (j JID) AppendTo(dst []byte) []byte { return append(dst, j.s...) }

// Clone returns j with storage of its own, so that holding it does not keep
// alive a larger string that Parse's argument was sliced from.
func (j JID) Clone() JID {
	j.s = strings.Clone(j.s)
	return j
}

// MarshalText implements encoding.TextMarshaler. The zero JID encodes as
// empty text.
func (j JID) MarshalText() ([]byte, error) { return []byte(j.s), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Empty text decodes to
// the zero JID; anything else must be a valid JID.
func (j *JID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*j = JID{}
		return nil
	}
	p, err := ParseBytes(b)
	if err != nil {
		return err
	}
	*j = p
	return nil
}
