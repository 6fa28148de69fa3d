package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"gopkg.in/yaml.v3"

	"xmppd/engine/router"
	"xmppd/engine/session"
	"xmppd/storage/memstore"
)

type testAPI struct {
	base string
	srv  *session.Server
}

func start(t *testing.T) *testAPI {
	t.Helper()
	store := memstore.New()
	srv, err := session.NewServer(session.Config{Domains: []string{"localhost"}, Store: store, Router: router.New(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	api, err := New(Config{Sessions: srv, Users: store})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &fasthttp.Server{Handler: api.Handler, MaxRequestBodySize: 128 << 20}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Shutdown() })
	return &testAPI{base: "http://" + ln.Addr().String() + "/api/v1", srv: srv}
}

// call makes a request and decodes the JSON answer into a map.
func (a *testAPI) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: not JSON: %q", method, path, raw)
		}
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s: %d %s (bad input must never be a 5xx)", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, m
}

func code(m map[string]any) string {
	if e, ok := m["error"].(map[string]any); ok {
		return fmt.Sprint(e["code"])
	}
	return ""
}

func TestEndpoints(t *testing.T) {
	a := start(t)
	steps := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"create", "POST", "/users", `{"user":"Juliet","password":"balcony"}`, 201, ""},
		{"create second", "POST", "/users", `{"user":"romeo","password":"orchard"}`, 201, ""},
		{"duplicate", "POST", "/users", `{"user":"juliet","password":"x"}`, 409, "user_exists"},
		{"missing password", "POST", "/users", `{"user":"x"}`, 422, "missing_field"},
		{"bad name", "POST", "/users", `{"user":"a@b","password":"x"}`, 422, "invalid"},
		{"unknown field", "POST", "/users", `{"user":"x","password":"y","admin":true}`, 400, "bad_json"},
		{"not json", "POST", "/users", `{user:`, 400, "bad_json"},
		{"list", "GET", "/users?limit=1", "", 200, ""},
		{"bad limit", "GET", "/users?limit=0", "", 400, "bad_limit"},
		{"get", "GET", "/users/juliet", "", 200, ""},
		{"get missing", "GET", "/users/nobody", "", 404, "user_not_found"},
		{"password", "PUT", "/users/juliet/password", `{"password":"new"}`, 204, ""},
		{"password missing user", "PUT", "/users/nobody/password", `{"password":"new"}`, 404, "user_not_found"},
		{"add item", "POST", "/users/juliet/roster", `{"jid":"romeo@localhost","name":"Romeo","groups":["Montague"],"subscription":"both"}`, 204, ""},
		{"bad subscription", "POST", "/users/juliet/roster", `{"jid":"romeo@localhost","subscription":"often"}`, 422, "invalid"},
		{"full jid item", "POST", "/users/juliet/roster", `{"jid":"romeo@localhost/res"}`, 422, "invalid"},
		{"item no jid", "POST", "/users/juliet/roster", `{"name":"x"}`, 422, "missing_field"},
		{"roster", "GET", "/users/juliet/roster", "", 200, ""},
		{"mirrored roster", "GET", "/users/romeo/roster", "", 200, ""},
		{"roster of nobody", "GET", "/users/nobody/roster", "", 404, "user_not_found"},
		{"delete item", "DELETE", "/users/juliet/roster/romeo@localhost", "", 204, ""},
		{"delete missing item", "DELETE", "/users/juliet/roster/romeo@localhost", "", 404, "item_not_found"},
		{"replace roster", "PUT", "/users/juliet/roster", `{"items":[{"jid":"nurse@localhost"},{"jid":"tybalt@localhost","subscription":"to"}]}`, 200, ""},
		{"sessions", "GET", "/users/juliet/sessions", "", 200, ""},
		{"kick", "DELETE", "/users/juliet/sessions", "", 200, ""},
		{"presence", "GET", "/users/juliet/presence", "", 200, ""},
		{"presence of nobody", "GET", "/users/nobody/presence", "", 404, "user_not_found"},
		{"message", "POST", "/messages", `{"from":"portal.localhost","to":"juliet@localhost","type":"headline","body":"hi"}`, 202, ""},
		{"message no body", "POST", "/messages", `{"from":"portal.localhost","to":"juliet@localhost"}`, 422, "missing_field"},
		{"message bad type", "POST", "/messages", `{"from":"p.localhost","to":"juliet@localhost","type":"groupchat","body":"x"}`, 422, "invalid"},
		{"message bad to", "POST", "/messages", `{"from":"p.localhost","to":"a@b@c","body":"x"}`, 422, "invalid"},
		{"broadcast", "POST", "/broadcast", `{"body":"maintenance"}`, 200, ""},
		{"stats", "GET", "/stats", "", 200, ""},
		{"prebind without BOSH", "POST", "/bosh/prebind", `{"user":"juliet"}`, 404, "not_enabled"},
		{"token not enabled", "POST", "/users/juliet/token", "", 404, "not_enabled"},
		{"wrong method", "PATCH", "/users", "", 405, "method_not_allowed"},
		{"unknown path", "GET", "/nowhere", "", 404, "not_found"},
		{"empty body", "POST", "/users", "", 400, "bad_json"},
		{"delete", "DELETE", "/users/romeo", "", 204, ""},
		{"delete again", "DELETE", "/users/romeo", "", 404, "user_not_found"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			status, m := a.call(t, st.method, st.path, st.body)
			if status != st.status || code(m) != st.code {
				t.Fatalf("%s %s: got %d %v, want %d %q", st.method, st.path, status, m, st.status, st.code)
			}
			switch st.name {
			case "list":
				if u := m["users"].([]any); len(u) != 1 || m["next"] != "juliet" {
					t.Fatalf("page: %v", m)
				}
			case "roster":
				items := m["items"].([]any)
				if len(items) != 1 || items[0].(map[string]any)["name"] != "Romeo" || m["version"] == "0" {
					t.Fatalf("roster: %v", m)
				}
			case "mirrored roster":
				if items := m["items"].([]any); len(items) != 1 || items[0].(map[string]any)["subscription"] != "both" {
					t.Fatalf("mirror: %v", m)
				}
			case "stats":
				if m["users"] != float64(2) {
					t.Fatalf("stats: %v", m)
				}
			}
		})
	}
}

func TestWrongMediaType(t *testing.T) {
	a := start(t)
	req, _ := http.NewRequest("POST", a.base+"/users", strings.NewReader(`{"user":"x","password":"y"}`))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("status %d, want 415", resp.StatusCode)
	}
}

// TestOpenAPIMatchesRoutes: docs/openapi.yaml documents exactly the routes
// the API serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" /api/v1"+path)
		}
	}
	api, _ := New(Config{Sessions: &session.Server{}, Users: memstore.New()})
	served := api.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("docs/openapi.yaml and the routes differ:\ndocumented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}

// TestBulkImport100k measures the portal's bulk roster import of 100,000
// items through the API (the figure goes to BENCHMARKS.md).
func TestBulkImport100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k items")
	}
	a := start(t)
	a.call(t, "POST", "/users", `{"user":"portal","password":"x"}`)
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := range 100000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"jid":"friend%d@localhost","name":"Friend %d","groups":["Friends"],"subscription":"both"}`, i, i)
	}
	b.WriteString(`]}`)
	start := time.Now()
	status, m := a.call(t, "PUT", "/users/portal/roster", b.String())
	took := time.Since(start)
	if status != 200 || m["items"] != float64(100000) {
		t.Fatalf("import: %d %v", status, m)
	}
	t.Logf("bulk import of 100,000 roster items (%d KB of JSON): %v", b.Len()/1024, took)
	status, m = a.call(t, "GET", "/users/portal/roster", "")
	if status != 200 || len(m["items"].([]any)) != 100000 {
		t.Fatalf("read back: %d", status)
	}
}

func TestPrebind(t *testing.T) {
	store := memstore.New()
	srv, err := session.NewServer(session.Config{Domains: []string{"localhost"}, Store: store, Router: router.New(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.CreateUser("viola", "pw"); err != nil {
		t.Fatal(err)
	}
	var asked string
	api, _ := New(Config{Sessions: srv, Users: store, Prebind: func(u string) (string, string, uint64, error) {
		asked = u
		return u + "@localhost/web", "sid123", 42, nil
	}})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &fasthttp.Server{Handler: api.Handler}
	go hs.Serve(ln)
	defer hs.Shutdown()
	a := &testAPI{base: "http://" + ln.Addr().String() + "/api/v1"}
	status, m := a.call(t, "POST", "/bosh/prebind", `{"user":"viola"}`)
	if status != 200 || m["sid"] != "sid123" || m["rid"] != float64(42) || asked != "viola" {
		t.Fatalf("prebind: %d %v", status, m)
	}
	if status, m := a.call(t, "POST", "/bosh/prebind", `{"user":"nobody"}`); status != 404 || code(m) != "user_not_found" {
		t.Fatalf("unknown user: %d %v", status, m)
	}
}
