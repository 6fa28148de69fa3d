// Package extauth delegates authentication to a web portal: PLAIN
// passwords are checked by the portal over HTTP (with a cache and a circuit
// breaker), and the portal's users can log in with short-lived single
// sign-on tokens the server issues.
//
// The portal protocol: POST Config.URL with a JSON body
// {"user": "alice", "domain": "example.org", "password": "..."}; a 200
// answer {"ok": true} accepts, {"ok": false}, 401 or 403 rejects, anything
// else (or no answer within Config.Timeout) is a failure to ask.
//
// A portal outage must neither stall the server nor log everyone out: the
// check runs on the SASL worker goroutines, never on an event loop; users
// whose password was accepted within Config.CacheTTL keep logging in from
// the cache; and after Config.FailureThreshold failures in a row the
// breaker opens for Config.OpenFor, during which the portal is not asked at
// all (cached users still get in, others get a temporary failure).
package extauth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// ErrUnavailable is returned while the breaker is open.
var ErrUnavailable = errors.New("extauth: the portal is unavailable")

// Config configures a Verifier. URL and Domain are required.
type Config struct {
	URL    string
	Domain string
	// Timeout bounds one request to the portal; default 3 s.
	Timeout time.Duration
	// CacheTTL is how long an accepted password is remembered (as a keyed
	// hash, never in the clear); default 5 minutes; negative disables.
	CacheTTL time.Duration
	// FailureThreshold consecutive failures open the breaker; default 5.
	FailureThreshold int
	// OpenFor is how long the breaker stays open; default 30 s.
	OpenFor time.Duration
	Client  *http.Client
	Clock   func() time.Time
}

// Verifier implements sasl.ExternalVerifier. It is safe for concurrent use.
type Verifier struct {
	cfg Config
	key []byte // for the cache's hashes

	mu        sync.Mutex // guards the following fields
	cache     map[string]cached
	failures  int
	openUntil time.Time
}

type cached struct {
	sum     [sha256.Size]byte
	expires time.Time
}

// New returns a Verifier.
func New(cfg Config) (*Verifier, error) {
	if cfg.URL == "" || cfg.Domain == "" {
		return nil, errors.New("extauth: URL and Domain are required")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 5 * time.Minute
	}
	if cfg.FailureThreshold == 0 {
		cfg.FailureThreshold = 5
	}
	if cfg.OpenFor == 0 {
		cfg.OpenFor = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &Verifier{cfg: cfg, key: key, cache: make(map[string]cached)}, nil
}

func (v *Verifier) sum(user, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, v.key)
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var s [sha256.Size]byte
	copy(s[:], m.Sum(nil))
	return s
}

// VerifyPlain asks the portal (or the cache) whether password is user's.
func (v *Verifier) VerifyPlain(user, password string) (bool, error) {
	now := v.cfg.Clock()
	sum := v.sum(user, password)
	v.mu.Lock()
	c, hit := v.cache[user]
	hit = hit && now.Before(c.expires) && hmac.Equal(c.sum[:], sum[:])
	open := now.Before(v.openUntil)
	v.mu.Unlock()
	if hit {
		return true, nil
	}
	if open {
		return false, ErrUnavailable
	}
	ok, err := v.ask(user, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		v.failures++
		if v.failures >= v.cfg.FailureThreshold {
			v.openUntil = now.Add(v.cfg.OpenFor)
			v.failures = 0
		}
		return false, err
	}
	v.failures = 0
	if ok && v.cfg.CacheTTL > 0 {
		if len(v.cache) > 100000 { // forget expired entries before growing further
			for u, e := range v.cache {
				if !now.Before(e.expires) {
					delete(v.cache, u)
				}
			}
		}
		v.cache[user] = cached{sum: sum, expires: now.Add(v.cfg.CacheTTL)}
	} else if !ok {
		delete(v.cache, user) // a changed password must not live on in the cache
	}
	return ok, nil
}

func (v *Verifier) ask(user, password string) (bool, error) {
	body, _ := json.Marshal(map[string]string{"user": user, "domain": v.cfg.Domain, "password": password})
	ctx, cancel := context.WithTimeout(context.Background(), v.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := v.cfg.Client.Do(req)
	if err != nil {
		return false, fmt.Errorf("extauth: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch resp.StatusCode {
	case http.StatusOK:
		var out struct {
			OK bool `json:"ok"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return false, fmt.Errorf("extauth: the portal's answer is not {\"ok\": bool}: %w", err)
		}
		return out.OK, nil
	case http.StatusUnauthorized, http.StatusForbidden:
		return false, nil
	}
	return false, fmt.Errorf("extauth: the portal answered HTTP %d", resp.StatusCode)
}
