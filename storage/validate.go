package storage

import (
	"fmt"
	"strings"
)

// Size limits from RFC 7622: a localpart is at most 1023 bytes, a full JID
// at most 3071 (three parts of 1023 plus separators).
const (
	MaxNameLen = 1023
	MaxJIDLen  = 3071
)

// ValidateName checks a user name (a normalised localpart) the way every
// store does before writing.
func ValidateName(name string) error {
	return validatePart("user name", name, MaxNameLen)
}

// ValidateJID checks a contact or blocked JID.
func ValidateJID(jid string) error {
	return validatePart("JID", jid, MaxJIDLen)
}

// ValidateNamespace checks a private XML namespace.
func ValidateNamespace(ns string) error {
	return validatePart("namespace", ns, MaxJIDLen)
}

// validatePart rejects what a key cannot hold: NUL separates key components.
func validatePart(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(s) > max:
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalid, what, max)
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%w: %s contains NUL", ErrInvalid, what)
	}
	return nil
}
