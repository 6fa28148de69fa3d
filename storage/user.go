package storage

import (
	"fmt"
	"time"
)

// User is a registered account. Passwords are never stored: only the SCRAM
// derivatives (RFC 5802 §3), from which PLAIN can be verified as well by
// deriving the keys again.
type User struct {
	// Name is the normalised localpart; it is the user's key everywhere.
	Name string
	// SHA1 and SHA256 are the credentials for SCRAM-SHA-1 and SCRAM-SHA-256.
	// Either may be zero (mechanism not available for this user).
	SHA1   ScramKeys
	SHA256 ScramKeys
	// Created is set by the store at CreateUser when left zero.
	Created time.Time
}

// Validate checks the name and both credential sets.
func (u *User) Validate() error {
	if err := ValidateName(u.Name); err != nil {
		return err
	}
	if err := u.SHA1.validate("SCRAM-SHA-1", 20); err != nil {
		return err
	}
	return u.SHA256.validate("SCRAM-SHA-256", 32)
}

// ScramKeys is one SCRAM credential set: what the server needs to verify a
// client proof and to prove itself, and nothing that reveals the password.
type ScramKeys struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte // H(ClientKey)
	ServerKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// IsZero reports whether no credential is set.
func (k *ScramKeys) IsZero() bool {
	return len(k.Salt) == 0 && k.Iterations == 0 && len(k.StoredKey) == 0 && len(k.ServerKey) == 0
}

// ValidateCredentials checks a pair of credential sets as SetCredentials
// receives them.
func ValidateCredentials(sha1, sha256 ScramKeys) error {
	if err := sha1.validate("SCRAM-SHA-1", 20); err != nil {
		return err
	}
	return sha256.validate("SCRAM-SHA-256", 32)
}

// validate accepts the zero value or a complete set whose keys have the
// hash's size: a wrong size is a caller bug that would lock the user out.
func (k *ScramKeys) validate(mech string, hashLen int) error {
	if k.IsZero() {
		return nil
	}
	switch {
	case len(k.Salt) == 0:
		return fmt.Errorf("%w: %s: empty salt", ErrInvalid, mech)
	case k.Iterations <= 0:
		return fmt.Errorf("%w: %s: iteration count %d", ErrInvalid, mech, k.Iterations)
	case len(k.StoredKey) != hashLen || len(k.ServerKey) != hashLen:
		return fmt.Errorf("%w: %s: keys must be %d bytes", ErrInvalid, mech, hashLen)
	}
	return nil
}

// Clone returns a deep copy.
func (k ScramKeys) Clone() ScramKeys {
	k.Salt = cloneBytes(k.Salt)
	k.StoredKey = cloneBytes(k.StoredKey)
	k.ServerKey = cloneBytes(k.ServerKey)
	return k
}

// Clone returns a deep copy.
func (u User) Clone() User {
	u.SHA1 = u.SHA1.Clone()
	u.SHA256 = u.SHA256.Clone()
	return u
}

// cloneBytes copies b, mapping empty to nil so stores agree on one form.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// NormalizeTime is the form in which stores return times: UTC, without a
// monotonic reading. Implementations apply it so that round trips compare
// equal with ==.
func NormalizeTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Round(0).UTC()
}
