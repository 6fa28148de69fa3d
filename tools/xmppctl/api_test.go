package main

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"xmppd/engine/httpapi"
	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/storage/memstore"
)

func TestAPIMode(t *testing.T) {
	store := memstore.New()
	srv, err := session.NewServer(session.Config{Domains: []string{"localhost"}, Store: store, Router: router.New(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	api, _ := httpapi.New(httpapi.Config{Sessions: srv, Users: store})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	var gotToken string
	hs := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		gotToken = string(ctx.Request.Header.Peek("Authorization"))
		api.Handler(ctx)
	}}
	go hs.Serve(ln)
	defer hs.Shutdown()
	url := "http://" + ln.Addr().String()
	run1 := func(stdin string, args ...string) (string, int) {
		var out, errOut bytes.Buffer
		code := run(append([]string{"-api", url, "-token", "s3cret"}, args...), strings.NewReader(stdin), &out, &errOut)
		return out.String() + errOut.String(), code
	}
	if out, code := run1("", "add", "alice", "pw"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	if gotToken != "Bearer s3cret" {
		t.Fatalf("token sent as %q", gotToken)
	}
	if out, code := run1("", "add", "alice", "pw"); code != 1 || !strings.Contains(out, "user_exists") {
		t.Fatalf("duplicate: %d %s", code, out)
	}
	run1("pw2\n", "add", "bob")
	if out, _ := run1("", "list"); out != "alice\nbob\n" {
		t.Fatalf("list: %q", out)
	}
	if out, _ := run1("", "count"); out != "2\n" {
		t.Fatalf("count: %q", out)
	}
	if out, code := run1("", "sessions", "alice"); code != 0 || !strings.Contains(out, `"count": 0`) {
		t.Fatalf("sessions: %d %s", code, out)
	}
	if out, code := run1("", "delete", "bob"); code != 0 {
		t.Fatalf("delete: %d %s", code, out)
	}
	if out, code := run1("", "delete", "bob"); code != 1 || !strings.Contains(out, "user_not_found") {
		t.Fatalf("delete missing: %d %s", code, out)
	}
}
