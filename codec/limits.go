package codec

import "errors"

// Limits bound what one peer can make a decoder hold. The zero value means
// "use the defaults"; EnsureDefaults fills every zero field.
type Limits struct {
	// MaxStanzaSize bounds one top-level element in bytes, including markup.
	// RFC 6120 §13.12 asks servers to accept at least 10,000 bytes.
	MaxStanzaSize int
	// MaxHeaderSize bounds the XML declaration and the stream header.
	MaxHeaderSize int
	// MaxDepth bounds element nesting inside a top-level element (the
	// top-level element itself is depth 1).
	MaxDepth int
	// MaxAttrs bounds the attributes of one element, namespace declarations
	// included.
	MaxAttrs int
	// MaxNameLen bounds element and attribute names (prefix included).
	MaxNameLen int
	// MaxNodes bounds the elements plus text runs, and separately the
	// attributes, in one top-level element; it is what bounds the tape a
	// hostile stanza of tiny elements could build.
	MaxNodes int
}

// Default limits.
const (
	DefaultMaxStanzaSize = 256 << 10
	DefaultMaxHeaderSize = 4 << 10
	DefaultMaxDepth      = 64
	DefaultMaxAttrs      = 64
	DefaultMaxNameLen    = 256
	DefaultMaxNodes      = 1 << 15
)

// maxOffset keeps every offset in a uint32 and every length in a uint16.
const (
	maxStanzaLimit = 1 << 30
	maxNameLimit   = 1<<16 - 1
	maxAttrsLimit  = 1<<16 - 1
)

// EnsureDefaults returns l with every zero field set to its default.
func (l Limits) EnsureDefaults() Limits {
	if l.MaxStanzaSize == 0 {
		l.MaxStanzaSize = DefaultMaxStanzaSize
	}
	if l.MaxHeaderSize == 0 {
		l.MaxHeaderSize = DefaultMaxHeaderSize
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxAttrs == 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	if l.MaxNameLen == 0 {
		l.MaxNameLen = DefaultMaxNameLen
	}
	if l.MaxNodes == 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	return l
}

// limits is Limits as a decoder keeps them, with defaults applied: 24
// bytes instead of 48, because every connection has a decoder.
type limits struct {
	MaxStanzaSize, MaxHeaderSize, MaxDepth, MaxAttrs, MaxNameLen, MaxNodes int32
}

// compact returns l with its defaults, as int32s. Every valid limit fits
// (Validate); an invalid one is clamped to what is valid or to -1, which
// refuses everything, never to something laxer.
func (l Limits) compact() limits {
	l = l.EnsureDefaults()
	c := func(v, most int) int32 { return int32(max(min(v, most), -1)) }
	return limits{c(l.MaxStanzaSize, maxStanzaLimit), c(l.MaxHeaderSize, maxStanzaLimit), c(l.MaxDepth, maxStanzaLimit),
		c(l.MaxAttrs, maxAttrsLimit), c(l.MaxNameLen, maxNameLimit), c(l.MaxNodes, maxStanzaLimit)}
}

// Validate reports a limit outside what the decoder can represent.
func (l Limits) Validate() error {
	switch {
	case l.MaxStanzaSize < 0 || l.MaxStanzaSize > maxStanzaLimit:
		return errors.New("codec: MaxStanzaSize out of range (0..1 GiB)")
	case l.MaxHeaderSize < 0 || l.MaxHeaderSize > maxStanzaLimit:
		return errors.New("codec: MaxHeaderSize out of range (0..1 GiB)")
	case l.MaxDepth < 0:
		return errors.New("codec: MaxDepth is negative")
	case l.MaxAttrs < 0 || l.MaxAttrs > maxAttrsLimit:
		return errors.New("codec: MaxAttrs out of range (0..65535)")
	case l.MaxNameLen < 0 || l.MaxNameLen > maxNameLimit:
		return errors.New("codec: MaxNameLen out of range (0..65535)")
	case l.MaxNodes < 0:
		return errors.New("codec: MaxNodes is negative")
	}
	return nil
}
