package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

const token = "0123456789abcdef-token"

func TestAuth(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		sent       string // Authorization header; "" sends none
		wantStatus int
		challenge  string // in WWW-Authenticate when 401
	}{
		{"loopback no token", Config{}, "", 200, ""},
		{"loopback no token ignores a header", Config{}, "Bearer whatever", 200, ""},
		{"required missing", Config{Token: token, RequireToken: true}, "", 401, `Bearer realm="xmppd-admin"`},
		{"required wrong", Config{Token: token, RequireToken: true}, "Bearer " + token + "x", 401, `error="invalid_token"`},
		{"required prefix of token", Config{Token: token, RequireToken: true}, "Bearer " + token[:10], 401, `error="invalid_token"`},
		{"required wrong scheme", Config{Token: token, RequireToken: true}, "Basic " + token, 401, `error="invalid_token"`},
		{"required right", Config{Token: token, RequireToken: true}, "Bearer " + token, 200, ""},
		{"scheme is case-insensitive", Config{Token: token, RequireToken: true}, "bearer " + token, 200, ""},
		{"configured token is enforced on loopback", Config{Token: token}, "", 401, "Bearer"},
		{"configured token accepted on loopback", Config{Token: token}, "Bearer " + token, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := start(t, tt.cfg)
			for _, path := range []string{"/healthz", "/metrics", "/debug/pprof/"} {
				req, _ := http.NewRequest(http.MethodGet, base+path, nil)
				if tt.sent != "" {
					req.Header.Set("Authorization", tt.sent)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var r response
				r.status, r.header = resp.StatusCode, resp.Header
				r.body = readAll(t, resp)
				if tt.wantStatus == 401 {
					wantError(t, r, 401, CodeUnauthorized)
					if ch := r.header.Get("WWW-Authenticate"); !strings.Contains(ch, tt.challenge) {
						t.Errorf("%s: WWW-Authenticate %q, want %q in it", path, ch, tt.challenge)
					}
					continue
				}
				if r.status != tt.wantStatus {
					t.Errorf("%s: status %d, want %d", path, r.status, tt.wantStatus)
				}
			}
		})
	}
}

func TestAuthBeforeRouting(t *testing.T) {
	_, base := start(t, Config{Token: token, RequireToken: true})
	// Unknown paths are not revealed to a client without the token.
	wantError(t, get(t, base+"/no/such/path"), 401, CodeUnauthorized)
	wantError(t, do(t, http.MethodGet, base+"/no/such/path", token), 404, CodeNotFound)
}

// TestNonLoopback binds the wildcard address, which is not loopback, so the
// token rule applies without any flag.
func TestNonLoopback(t *testing.T) {
	s, err := New(Config{Addr: "0.0.0.0:0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Start without a token on 0.0.0.0: %v, want ErrNoToken", err)
	}

	s, base := start(t, Config{Addr: "0.0.0.0:0", Token: token})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	base = "http://127.0.0.1:" + port
	if !s.needToken.Load() {
		t.Fatal("wildcard address treated as loopback")
	}
	wantError(t, get(t, base+"/healthz"), 401, CodeUnauthorized)
	wantError(t, do(t, http.MethodGet, base+"/healthz", "not-"+token), 401, CodeUnauthorized)
	if r := do(t, http.MethodGet, base+"/healthz", token); r.status != 200 || string(r.body) != "ok" {
		t.Errorf("right token: %d %q", r.status, r.body)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"RequireToken without token", Config{RequireToken: true}, ErrNoToken},
		{"token with a space", Config{Token: "abc def"}, ErrBadToken},
		{"token with a newline", Config{Token: "abc\n"}, ErrBadToken},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); !errors.Is(err, tt.want) {
				t.Errorf("New: %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Health: map[string]HealthChecker{"x": nil}}); err == nil {
		t.Error("nil health check accepted")
	}
}

func TestNotFound(t *testing.T) {
	_, base := start(t, Config{})
	for _, path := range []string{"/", "/nope", "/metrics/extra", "/api/v1/users", "/healthz/"} {
		t.Run(path, func(t *testing.T) {
			e := wantError(t, get(t, base+path), 404, CodeNotFound)
			if !strings.Contains(e.Message, path) {
				t.Errorf("message %q does not name the path", e.Message)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	_, base := start(t, Config{})
	for _, path := range []string{"/healthz", "/metrics"} {
		r := do(t, http.MethodPost, base+path, "")
		wantError(t, r, 405, CodeMethodNotAllowed)
		if a := r.header.Get("Allow"); a != "GET, HEAD" {
			t.Errorf("%s: Allow %q", path, a)
		}
	}
}

func TestHealthz(t *testing.T) {
	var storeDown, listenerDown atomic.Bool
	cfg := Config{Health: map[string]HealthChecker{
		"storage": HealthFunc(func(context.Context) error {
			if storeDown.Load() {
				return errors.New("closed")
			}
			return nil
		}),
		"c2s": HealthFunc(func(context.Context) error {
			if listenerDown.Load() {
				return errors.New("stopped")
			}
			return nil
		}),
		"slow": HealthFunc(func(ctx context.Context) error {
			if _, ok := ctx.Deadline(); !ok {
				return errors.New("no deadline")
			}
			return nil
		}),
	}}
	_, base := start(t, cfg)

	r := get(t, base+"/healthz")
	if r.status != 200 || string(r.body) != "ok" {
		t.Fatalf("up: %d %q", r.status, r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}

	storeDown.Store(true)
	e := wantError(t, get(t, base+"/healthz"), 503, CodeUnavailable)
	if e.Message != "storage: closed" {
		t.Errorf("message %q", e.Message)
	}
	listenerDown.Store(true)
	e = wantError(t, get(t, base+"/healthz"), 503, CodeUnavailable)
	if e.Message != "c2s: stopped; storage: closed" {
		t.Errorf("message %q", e.Message)
	}

	storeDown.Store(false)
	listenerDown.Store(false)
	if r := do(t, http.MethodHead, base+"/healthz", ""); r.status != 200 {
		t.Errorf("HEAD after recovery: %d", r.status)
	}
}

func TestMount(t *testing.T) {
	s, base := start(t, Config{})
	text := func(body string) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString(body + " " + string(ctx.Path())) }
	}
	for _, m := range []struct{ prefix, body string }{
		{"/api/", "api"},
		{"/api/v1/", "v1"},
		{"/api/v1/status", "status"},
		{"/http-bind/prebind", "prebind"},
	} {
		if err := s.Mount(m.prefix, text(m.body)); err != nil {
			t.Fatalf("Mount(%q): %v", m.prefix, err)
		}
	}
	for path, want := range map[string]string{
		"/api/":                  "api /api/",
		"/api/other":             "api /api/other",
		"/api/v1/":               "v1 /api/v1/",
		"/api/v1/users/alice":    "v1 /api/v1/users/alice",
		"/api/v1/status":         "status /api/v1/status",
		"/api/v1/status/x":       "v1 /api/v1/status/x",
		"/api//v1/./users/../x":  "v1 /api/v1/x", // fasthttp normalises paths
		"/http-bind/prebind":     "prebind /http-bind/prebind",
		"/metrics/../api/v1/abc": "v1 /api/v1/abc",
	} {
		if r := get(t, base+path); r.status != 200 || string(r.body) != want {
			t.Errorf("%s: %d %q, want %q", path, r.status, r.body, want)
		}
	}
	wantError(t, get(t, base+"/api"), 404, CodeNotFound)
	wantError(t, get(t, base+"/http-bind/prebind/x"), 404, CodeNotFound)

	for _, tt := range []struct {
		prefix string
		h      fasthttp.RequestHandler
		want   error
	}{
		{"/metrics", text("x"), ErrMounted},
		{"/debug/pprof/", text("x"), ErrMounted},
		{"/api/v1/", text("x"), ErrMounted},
		{"api/", text("x"), ErrBadMount},
		{"", text("x"), ErrBadMount},
		{"/a//b", text("x"), ErrBadMount},
		{"/a/../b/", text("x"), ErrBadMount},
		{"/ok", nil, ErrBadMount},
	} {
		if err := s.Mount(tt.prefix, tt.h); !errors.Is(err, tt.want) {
			t.Errorf("Mount(%q): %v, want %v", tt.prefix, err, tt.want)
		}
	}
}

func TestHandlerPanic(t *testing.T) {
	s, base := start(t, Config{})
	if err := s.Mount("/boom", func(ctx *fasthttp.RequestCtx) {
		ctx.SetBodyString("partial")
		panic("bug")
	}); err != nil {
		t.Fatal(err)
	}
	wantError(t, get(t, base+"/boom"), 500, CodeInternal)
	if r := get(t, base+"/healthz"); r.status != 200 {
		t.Errorf("after a panic: %d", r.status)
	}
}

func TestRequestTooLarge(t *testing.T) {
	s, base := start(t, Config{MaxRequestBodySize: 16})
	if err := s.Mount("/echo", func(ctx *fasthttp.RequestCtx) { ctx.SetBody(ctx.PostBody()) }); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/echo", "text/plain", strings.NewReader(strings.Repeat("x", 100)))
	if err != nil {
		t.Fatal(err)
	}
	r := response{resp.StatusCode, resp.Header, readAll(t, resp)}
	wantError(t, r, 413, CodeTooLarge)
}

func TestLifecycle(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != "" {
		t.Errorf("Addr before Start: %q", s.Addr())
	}
	addr, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Errorf("Addr %q, Start said %q", s.Addr(), addr)
	}
	if _, err := s.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	// A mount after Start is served at once.
	if err := s.Mount("/late", func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("late") }); err != nil {
		t.Fatal(err)
	}
	if r := get(t, "http://"+addr+"/late"); string(r.body) != "late" {
		t.Errorf("late mount: %d %q", r.status, r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if _, err := s.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("Start after Shutdown: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still listening after Shutdown")
	}
	// Shutdown of a server never started is fine.
	s2, _ := New(Config{})
	if err := s2.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown before Start: %v", err)
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ExampleServer_Mount() {
	s, err := New(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	// The provisioning API owns everything under /api/v1/.
	_ = s.Mount("/api/v1/", func(ctx *fasthttp.RequestCtx) {
		WriteError(ctx, fasthttp.StatusNotImplemented, "not_implemented", "coming soon")
	})
	fmt.Println(s.Mount("/api/v1/", nil) != nil)
	// Output: true
}
