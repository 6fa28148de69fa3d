package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary serve as xmppbench's worker process: the
// CLI re-executes os.Executable() with "worker".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// testServer is a running xmppd: its listeners' addresses and its pid.
type testServer struct {
	c2s, http, admin string
	pid              int
}

// startServer builds the real server and starts it on free loopback ports
// with PLAIN allowed in the clear and registration unthrottled. It returns
// the c2s address and the server's pid.
func startServer(t *testing.T) (string, int) {
	s := startServerAll(t)
	return s.c2s, s.pid
}

// startServerAll is startServer with the BOSH (http) and admin listeners
// up too.
func startServerAll(t *testing.T) testServer {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the server with")
	}
	if _, err := os.Stat("../xmppd/main.go"); err != nil {
		t.Skip("no server in this tree (tools/xmppd)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "xmppd")
	build := exec.Command(goBin, "build", "-o", bin, "xmppd/tools/xmppd")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building xmppd: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "xmppd.yaml")
	yaml := `auth: {plain_in_clear: true, max_failures_per_ip_per_minute: -1}
registration: {mode: loopback, rate_per_ip_per_hour: -1}
limits: {max_connections_per_ip: 100000}
listen: {c2s: "127.0.0.1:0", c2s_tls: "", component: "", http: "127.0.0.1:0", admin: "127.0.0.1:0"}
`
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, bin, "-config", conf, "-data", filepath.Join(dir, "data"))
	srv.Cancel = func() error { return srv.Process.Signal(os.Interrupt) }
	srv.WaitDelay = 5 * time.Second
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = srv.Wait()
	})
	addrs := make(chan [2]string, 3)
	var logMu sync.Mutex // guards logBuf
	var logBuf bytes.Buffer
	go func() {
		re := regexp.MustCompile(`listener=(c2s|http|admin) addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logBuf.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- [2]string{m[1], m[2]}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	ts := testServer{pid: srv.Process.Pid}
	timeout := time.After(10 * time.Second)
	for ts.c2s == "" || ts.http == "" || ts.admin == "" {
		select {
		case a := <-addrs:
			switch a[0] {
			case "c2s":
				ts.c2s = a[1]
			case "http":
				ts.http = a[1]
			case "admin":
				ts.admin = a[1]
			}
		case <-timeout:
			logMu.Lock()
			defer logMu.Unlock()
			t.Fatalf("xmppd did not report its listeners' addresses:\n%s", logBuf.String())
		}
	}
	return ts
}

type result struct {
	Counts   map[string]int64   `json:"counts"`
	Failures map[string]int64   `json:"failures"`
	Metrics  map[string]any     `json:"metrics"`
	Latency  map[string]float64 `json:"latency"`
	Procs    int                `json:"procs"`
	OK       bool               `json:"ok"`
}

func xmppbench(t *testing.T, args ...string) result {
	t.Helper()
	var stdout bytes.Buffer
	var stderr lockedBuffer // worker processes' stderr is copied in concurrently
	code := run(append(args, "--quiet"), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("xmppbench %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	}
	line, _, _ := strings.Cut(stdout.String(), "\n")
	var r result
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("xmppbench %s: output %q: %v", strings.Join(args, " "), line, err)
	}
	if !r.OK {
		t.Fatalf("xmppbench %s: not ok: %s", strings.Join(args, " "), line)
	}
	return r
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server")
	}
	srv := startServerAll(t)
	addr, pid := srv.c2s, srv.pid
	pidArg := strconv.Itoa(pid)
	api := "http://" + srv.admin

	r := xmppbench(t, "register", "--server", addr, "--users", "50", "--conns", "2")
	if r.Counts["registered"] != 50 {
		t.Fatalf("register: %+v", r)
	}

	r = xmppbench(t, "login", "--server", addr, "--users", "50", "--logins", "100", "--concurrency", "16", "--pid", pidArg)
	if r.Counts["logins"] != 100 || r.Latency["count"] != 100 {
		t.Fatalf("login: %+v", r)
	}
	if _, ok := r.Metrics["server_cpu_per_1k_logins"]; !ok {
		t.Errorf("login: no server CPU metric: %+v", r.Metrics)
	}

	r = xmppbench(t, "login", "--server", addr, "--users", "10", "--tls", "starttls", "--mech", "SCRAM-SHA-256", "--presence")
	if r.Counts["logins"] != 10 {
		t.Fatalf("login over STARTTLS with SCRAM: %+v", r)
	}

	plots := t.TempDir()
	r = xmppbench(t, "idle", "--server", addr, "--users", "50", "--duration", "500ms", "--pid", pidArg, "--rate", "100", "--plot", plots)
	if r.Counts["sessions_alive"] != 50 {
		t.Fatalf("idle: %+v", r)
	}
	for _, f := range []string{"idle-latency-cdf.svg", "idle-latency-cdf.png", "idle-rss.png"} {
		if st, err := os.Stat(filepath.Join(plots, f)); err != nil || st.Size() == 0 {
			t.Errorf("idle --plot: %s: %v", f, err)
		}
	}
	if _, ok := r.Metrics["server_bytes_per_session"]; !ok {
		t.Errorf("idle: no RSS per session: %+v", r.Metrics)
	}

	// Two worker processes, 5 pairs each.
	var md bytes.Buffer
	args := []string{"msg", "--server", addr, "--pairs", "10", "--window", "10", "--duration", "2s", "--pid", pidArg, "--procs", "2", "--markdown", "-"}
	code := run(append(args, "--quiet"), &md, io.Discard)
	if code != 0 {
		t.Fatalf("msg: exit %d: %s", code, md.String())
	}
	line, table, _ := strings.Cut(md.String(), "\n")
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatal(err)
	}
	if r.Procs != 2 || r.Counts["received"] == 0 || r.Counts["lost"] != 0 || r.Counts["sent"] != r.Counts["received"] || !r.OK {
		t.Fatalf("msg: %s", line)
	}
	if !strings.Contains(table, "| lost | 0 |") || !strings.Contains(table, "delivery latency p99.9 (ms)") {
		t.Errorf("msg table:\n%s", table)
	}
	t.Logf("msg, 10 pairs x window 10, 2 s: %d delivered, %v msgs/s, p99 %.2f ms, server CPU %v s/100k",
		r.Counts["received"], r.Metrics["delivered_per_s"], r.Latency["p99_ms"], r.Metrics["server_cpu_per_100k_msgs"])

	// presence: rosters through the provisioning API. One worker: it then
	// knows exactly how many deliveries to wait for (zero loss asserted).
	r = xmppbench(t, "presence", "--server", addr, "--api", api, "--user-prefix", "pr", "--users", "40", "--contacts", "6",
		"--presence-interval", "200ms", "--duration", "1s", "--pid", pidArg)
	if r.Counts["lost"] != 0 || r.Counts["received"] == 0 || r.Counts["received"] != r.Counts["expected"] || r.Latency["count"] == 0 {
		t.Fatalf("presence: %+v", r)
	}
	if _, ok := r.Metrics["server_cpu_per_100k_deliveries"]; !ok {
		t.Errorf("presence: no server CPU metric: %+v", r.Metrics)
	}
	t.Logf("presence, 40 users x 6 contacts, 1 s: %d delivered, %v/s, p99 %.2f ms, server CPU %v s/100k",
		r.Counts["received"], r.Metrics["deliveries_per_s"], r.Latency["p99_ms"], r.Metrics["server_cpu_per_100k_deliveries"])
	// bosh: 30 held sessions, 5 of them echoing to TCP partners; the
	// accounts come from the provisioning API.
	r = xmppbench(t, "bosh", "--server", addr, "--bosh", "http://"+srv.http+"/http-bind", "--api", api, "--user-prefix", "bo",
		"--users", "30", "--pairs", "5", "--duration", "1s", "--pid", pidArg)
	if r.Counts["sessions_alive"] != 30 || r.Counts["received"] == 0 || r.Counts["lost"] != 0 || r.Latency["count"] == 0 {
		t.Fatalf("bosh: %+v", r)
	}
	if _, ok := r.Metrics["server_bytes_per_session"]; !ok {
		t.Errorf("bosh: no RSS per session: %+v", r.Metrics)
	}
	t.Logf("bosh, 30 sessions, 5 echo pairs, 1 s: %d round trips, p99 %.2f ms, %v B/session",
		r.Counts["received"], r.Latency["p99_ms"], r.Metrics["server_bytes_per_session"])

	// mixed: 200 users over two worker processes, rosters of 6 through the
	// API, 10 % chatting, churn. Each shard awaits exactly what it is owed
	// (messages, and presence to stable contacts in its shard), so loss is
	// asserted with two workers too.
	r = xmppbench(t, "mixed", "--server", addr, "--api", api, "--user-prefix", "mx", "--users", "200", "--contacts", "6",
		"--chatters", "0.1", "--chat-interval", "200ms", "--presence-interval", "1s", "--churn-rate", "20",
		"--duration", "3s", "--procs", "2", "--pid", pidArg)
	if r.Procs != 2 || r.Metrics["sessions_online"] != 200.0 || r.Metrics["chatters"] != 20.0 {
		t.Fatalf("mixed: %+v", r)
	}
	if r.Counts["msgs_sent"] == 0 || r.Counts["msgs_received"] != r.Counts["msgs_sent"] || r.Counts["lost"] != 0 ||
		r.Latency["count"] != float64(r.Counts["msgs_received"]) {
		t.Fatalf("mixed messages: %+v", r)
	}
	if r.Counts["presence_checked"] == 0 || r.Counts["presence_checked"] != r.Counts["presence_owed"] ||
		r.Counts["presence_received"] < r.Counts["presence_checked"] {
		t.Fatalf("mixed presence: %+v", r)
	}
	if r.Counts["logins"] == 0 || r.Counts["logouts"] != r.Counts["logins"] || r.Counts["logins_failed"] != 0 {
		t.Fatalf("mixed churn: %+v", r)
	}
	for _, m := range []string{"login_latency_p99", "presence_latency_p99", "server_cpu", "server_bytes_per_session"} {
		if _, ok := r.Metrics[m]; !ok {
			t.Errorf("mixed: no %s: %+v", m, r.Metrics)
		}
	}
	t.Logf("mixed, 200 users, 3 s: %d msgs (p99 %.2f ms), %d presence deliveries (p99 %v ms), %d relogins (p99 %v ms), server CPU %v s",
		r.Counts["msgs_received"], r.Latency["p99_ms"], r.Counts["presence_received"], r.Metrics["presence_latency_p99"],
		r.Counts["logins"], r.Metrics["login_latency_p99"], r.Metrics["server_cpu"])

	// presence: in-band registration and subscription handshakes.
	r = xmppbench(t, "presence", "--server", addr, "--user-prefix", "pib", "--users", "12", "--contacts", "4",
		"--presence-interval", "200ms", "--duration", "500ms")
	if r.Counts["lost"] != 0 || r.Counts["received"] != r.Counts["expected"] || r.Counts["received"] == 0 {
		t.Fatalf("presence in band: %+v", r)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: xmppbench SCENARIO"},
		{[]string{"--help"}, 0, "Scenarios: bosh, idle, login, mixed, msg, presence, register"},
		{[]string{"mixed", "--help"}, 0, "(default 5m0s)"},
		{[]string{"mixed", "--users", "1"}, 2, "--users > 1"},
		{[]string{"mixed", "--users", "8"}, 2, "--contacts 10 needs more than 10 users"},
		{[]string{"mixed", "--users", "8", "--contacts", "0", "--chatters", "1.5"}, 2, "chat fraction"},
		{[]string{"fly"}, 2, "unknown scenario"},
		{[]string{"msg"}, 2, "--pairs"},
		{[]string{"login", "--users", "1", "--mech", "DIGEST-MD5"}, 2, "mech"},
		{[]string{"idle", "--users", "1", "--tls", "sometimes"}, 2, "tls"},
		{[]string{"register", "--users", "1", "extra"}, 2, "unexpected arguments"},
		{[]string{"register", "--users", "1", "--pid", "-7"}, 2, "--pid -7"},
	} {
		var out, errOut bytes.Buffer
		code := run(tc.args, &out, &errOut)
		if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
}
