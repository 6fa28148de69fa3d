package codec

import (
	"errors"
	"strconv"
)

// Condition is the RFC 6120 §4.9.3 stream error condition a decoding failure
// maps to. Its string form is the condition's element name.
type Condition string

// The stream error conditions a decoder can produce.
const (
	NotWellFormed       Condition = "not-well-formed"
	RestrictedXML       Condition = "restricted-xml"
	InvalidNamespace    Condition = "invalid-namespace"
	PolicyViolation     Condition = "policy-violation"
	BadFormat           Condition = "bad-format"
	UnsupportedEncoding Condition = "unsupported-encoding"
)

// Error is a decoding failure: the stream error condition it maps to, a short
// reason for logs, and the stream offset where it was detected.
type Error struct {
	Condition Condition
	Reason    string
	Offset    int64
}

func (e *Error) Error() string {
	return "codec: " + string(e.Condition) + ": " + e.Reason + " at offset " + strconv.FormatInt(e.Offset, 10)
}

// Is reports whether target is a sentinel for the same condition, so callers
// can write errors.Is(err, codec.ErrRestrictedXML).
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Reason == "" && t.Condition == e.Condition
	}
	return false
}

// Sentinels for errors.Is, one per condition.
var (
	ErrNotWellFormed       error = &Error{Condition: NotWellFormed}
	ErrRestrictedXML       error = &Error{Condition: RestrictedXML}
	ErrInvalidNamespace    error = &Error{Condition: InvalidNamespace}
	ErrPolicyViolation     error = &Error{Condition: PolicyViolation}
	ErrBadFormat           error = &Error{Condition: BadFormat}
	ErrUnsupportedEncoding error = &Error{Condition: UnsupportedEncoding}
)

// ErrClosed is returned by Next after the stream end or a previous error:
// a decoder does not recover from a failure; Reset starts a new stream.
var ErrClosed = errors.New("codec: decoder closed")
