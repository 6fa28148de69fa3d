package sasl

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/xdg-go/scram"
	"golang.org/x/text/secure/precis"
)

// Hash selects the SCRAM hash function a set of Credentials belongs to.
type Hash uint8

// The hashes SCRAM is offered with.
const (
	SHA1 Hash = iota + 1
	SHA256
)

func (h Hash) String() string {
	switch h {
	case SHA1:
		return "SHA-1"
	case SHA256:
		return "SHA-256"
	}
	return fmt.Sprintf("Hash(%d)", uint8(h))
}

func (h Hash) gen() scram.HashGeneratorFcn {
	switch h {
	case SHA1:
		return scram.SHA1
	case SHA256:
		return scram.SHA256
	}
	return nil
}

func (h Hash) size() int {
	switch h {
	case SHA1:
		return 20
	case SHA256:
		return 32
	}
	return 0
}

// DefaultIterations is the PBKDF2 iteration count NewCredentials uses when
// given none, and the minimum RFC 7677 asks clients to accept.
const DefaultIterations = 4096

// saltLen is the length of the salts NewCredentials draws and of fake salts.
const saltLen = 16

// Credentials are what the server stores for one user and one hash: the
// salt and iteration count sent in SCRAM's server-first message, and the
// StoredKey and ServerKey derived from the password (RFC 5802 §3). They are
// enough to verify SCRAM and PLAIN and are not the password: a leak of them
// still lets an attacker impersonate the server to the user, or log in over
// SCRAM, so keep them as secret as a password hash.
type Credentials struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
}

// IsZero reports whether c holds nothing, the way a lookup says "no
// credentials for this hash".
func (c Credentials) IsZero() bool {
	return len(c.Salt) == 0 && c.Iterations == 0 && len(c.StoredKey) == 0 && len(c.ServerKey) == 0
}

// usable reports whether c can verify an exchange with hash h.
func (c Credentials) usable(h Hash) bool {
	return len(c.Salt) > 0 && c.Iterations > 0 && len(c.StoredKey) == h.size() && len(c.ServerKey) == h.size()
}

func (c Credentials) stored() scram.StoredCredentials {
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(c.Salt), Iters: c.Iterations},
		StoredKey:  c.StoredKey,
		ServerKey:  c.ServerKey,
	}
}

// preparePassword applies the PRECIS OpaqueString profile (RFC 8265 §4.2),
// which obsoletes SASLprep (RFC 4013). The error never contains the
// password.
func preparePassword(password string) (string, error) {
	p, err := precis.OpaqueString.String(password)
	if err != nil {
		return "", fmt.Errorf("sasl: password rejected by PRECIS OpaqueString: %w", err)
	}
	return p, nil
}

// Derive computes the credentials for password under hash h with the given
// salt and PBKDF2 iteration count. It costs iters HMAC rounds: run it on a
// worker goroutine. It fails if the password is not valid under PRECIS
// OpaqueString (for example, empty) or the parameters are unusable.
func Derive(password string, h Hash, salt []byte, iters int) (Credentials, error) {
	p, err := preparePassword(password)
	if err != nil {
		return Credentials{}, err
	}
	return derivePrepared(p, h, salt, iters)
}

// derivePrepared derives from an already prepared password, through the
// SCRAM library's own key derivation so stored keys and proofs cannot drift.
func derivePrepared(prepared string, h Hash, salt []byte, iters int) (Credentials, error) {
	gen := h.gen()
	switch {
	case gen == nil:
		return Credentials{}, fmt.Errorf("sasl: unknown hash %v", h)
	case len(salt) == 0:
		return Credentials{}, errors.New("sasl: empty salt")
	case iters < 1:
		return Credentials{}, fmt.Errorf("sasl: iteration count %d < 1", iters)
	}
	client, err := gen.NewClientUnprepped("", prepared, "")
	if err != nil {
		return Credentials{}, fmt.Errorf("sasl: %w", err)
	}
	sc, err := client.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(salt), Iters: iters})
	if err != nil {
		return Credentials{}, fmt.Errorf("sasl: deriving %v keys: %w", h, err)
	}
	return Credentials{
		Salt:       append([]byte(nil), salt...),
		Iterations: iters,
		StoredKey:  sc.StoredKey,
		ServerKey:  sc.ServerKey,
	}, nil
}

// NewCredentials derives fresh SHA-1 and SHA-256 credentials for password,
// each with its own random salt, for storing at registration or password
// change. iters <= 0 means DefaultIterations. Cost: two PBKDF2 runs.
func NewCredentials(password string, iters int) (sha1, sha256 Credentials, err error) {
	if iters <= 0 {
		iters = DefaultIterations
	}
	p, err := preparePassword(password)
	if err != nil {
		return Credentials{}, Credentials{}, err
	}
	salt := make([]byte, 2*saltLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	if sha1, err = derivePrepared(p, SHA1, salt[:saltLen], iters); err != nil {
		return Credentials{}, Credentials{}, err
	}
	if sha256, err = derivePrepared(p, SHA256, salt[saltLen:], iters); err != nil {
		return Credentials{}, Credentials{}, err
	}
	return sha1, sha256, nil
}

// verifyPassword reports whether password derives c.StoredKey under h. It
// always runs the full derivation, so a password PRECIS rejects costs as
// much as a wrong one.
func verifyPassword(password string, h Hash, c Credentials) bool {
	p, perr := preparePassword(password)
	if perr != nil {
		p = password
	}
	d, err := derivePrepared(p, h, c.Salt, c.Iterations)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(d.StoredKey, c.StoredKey) == 1 && perr == nil
}

// fakeCredentials stands in for a user that does not exist: the salt is a
// keyed hash of the (normalised) username, so it is the same on every probe,
// and the keys match no password.
func fakeCredentials(key []byte, iters int, h Hash, user string) Credentials {
	sum := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte{byte(h)})
		m.Write([]byte(label))
		m.Write([]byte(user))
		return m.Sum(nil)
	}
	return Credentials{
		Salt:       sum("salt\x00")[:saltLen],
		Iterations: iters,
		StoredKey:  sum("stored\x00")[:h.size()],
		ServerKey:  sum("server\x00")[:h.size()],
	}
}
