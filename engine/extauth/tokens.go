package extauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Tokens issues and checks single sign-on tokens: a portal that has
// authenticated a user asks the server's API for a token and hands it to
// the browser, which logs in with it as the PLAIN password. A token is
// stateless (an expiry and an HMAC over the user and the expiry under a
// server key): every node with the same key accepts it, until it expires.
type Tokens struct {
	key   []byte
	ttl   time.Duration
	clock func() time.Time
}

// NewTokens returns a token issuer; an empty key means a random one for the
// life of the process (set one shared key on every node of a cluster). A
// zero ttl means 2 minutes.
func NewTokens(key []byte, ttl time.Duration, clock func() time.Time) (*Tokens, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if ttl == 0 {
		ttl = 2 * time.Minute
	}
	if clock == nil {
		clock = time.Now
	}
	return &Tokens{key: key, ttl: ttl, clock: clock}, nil
}

func (t *Tokens) mac(user string, exp uint64) []byte {
	m := hmac.New(sha256.New, t.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], exp)
	m.Write(b[:])
	m.Write([]byte(user))
	return m.Sum(nil)[:20]
}

// Issue returns a token for user (a normalised localpart) and when it
// expires.
func (t *Tokens) Issue(user string) (string, time.Time) {
	exp := t.clock().Add(t.ttl)
	e := uint64(exp.Unix())
	b := binary.BigEndian.AppendUint64(nil, e)
	b = append(b, t.mac(user, e)...)
	return "xt1." + base64.RawURLEncoding.EncodeToString(b), time.Unix(int64(e), 0)
}

// VerifyToken implements sasl.TokenVerifier.
func (t *Tokens) VerifyToken(user, token string) bool {
	if len(token) < 4 || token[:4] != "xt1." {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(token[4:])
	if err != nil || len(b) != 28 {
		return false
	}
	e := binary.BigEndian.Uint64(b[:8])
	if t.clock().Unix() >= int64(e) {
		return false
	}
	return hmac.Equal(b[8:], t.mac(user, e))
}
