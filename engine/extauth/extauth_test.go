package extauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestVerifier(t *testing.T) {
	var calls atomic.Int32
	var down atomic.Bool
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		var in struct{ User, Domain, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Domain != "example.org" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		if in.User == "banned" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]bool{"ok": in.User == "alice" && in.Password == "right"})
	}))
	defer portal.Close()
	clk := &clock{t: time.Unix(1000, 0)}
	v, err := New(Config{URL: portal.URL, Domain: "example.org", Clock: clk.now, FailureThreshold: 2, OpenFor: time.Minute, CacheTTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	check := func(user, pass string, want bool, wantErr error) {
		t.Helper()
		ok, err := v.VerifyPlain(user, pass)
		if ok != want || !errors.Is(err, wantErr) {
			t.Fatalf("%s/%s: ok=%v err=%v, want %v %v", user, pass, ok, err, want, wantErr)
		}
	}
	check("alice", "right", true, nil)
	check("alice", "wrong", false, nil)
	check("banned", "x", false, nil)
	n := calls.Load()
	check("alice", "right", true, nil) // cached? no: the wrong attempt dropped the entry
	if calls.Load() != n+1 {
		t.Fatal("a rejected password must clear the cache entry")
	}
	n = calls.Load()
	check("alice", "right", true, nil) // now cached
	if calls.Load() != n {
		t.Fatal("an accepted password within the TTL must not ask the portal")
	}
	// The portal goes down: two failures open the breaker; cached users
	// still get in, others fail fast without asking.
	down.Store(true)
	if _, err := v.VerifyPlain("bob", "x"); err == nil {
		t.Fatal("portal error not reported")
	}
	v.VerifyPlain("carol", "x")
	n = calls.Load()
	if _, err := v.VerifyPlain("dave", "x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("breaker not open: %v", err)
	}
	if calls.Load() != n {
		t.Fatal("the portal was asked while the breaker was open")
	}
	check("alice", "right", true, nil)
	// After OpenFor the portal is asked again.
	down.Store(false)
	clk.t = clk.t.Add(2 * time.Minute)
	check("alice", "wrong", false, nil)
	// The cache expires.
	check("alice", "right", true, nil)
	clk.t = clk.t.Add(6 * time.Minute)
	n = calls.Load()
	check("alice", "right", true, nil)
	if calls.Load() != n+1 {
		t.Fatal("an expired cache entry must ask the portal")
	}
}

func TestTokens(t *testing.T) {
	clk := &clock{t: time.Unix(5000, 0)}
	tk, err := NewTokens([]byte("shared-secret"), time.Minute, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	tok, exp := tk.Issue("alice")
	if !exp.Equal(time.Unix(5060, 0)) {
		t.Fatalf("expiry %v", exp)
	}
	if !tk.VerifyToken("alice", tok) {
		t.Fatal("fresh token refused")
	}
	if tk.VerifyToken("bob", tok) {
		t.Fatal("token accepted for another user")
	}
	other, _ := NewTokens([]byte("another-secret"), time.Minute, clk.now)
	if other.VerifyToken("alice", tok) {
		t.Fatal("token accepted under another key")
	}
	same, _ := NewTokens([]byte("shared-secret"), time.Minute, clk.now)
	if !same.VerifyToken("alice", tok) {
		t.Fatal("another node with the same key must accept it")
	}
	for _, bad := range []string{"", "xt1.", "xt1.!!!", tok[:len(tok)-2], "password"} {
		if tk.VerifyToken("alice", bad) {
			t.Fatalf("accepted %q", bad)
		}
	}
	clk.t = clk.t.Add(61 * time.Second)
	if tk.VerifyToken("alice", tok) {
		t.Fatal("expired token accepted")
	}
}
