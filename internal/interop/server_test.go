package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Upper bounds, not expected durations: every wait ends on an event.
const (
	startTimeout  = 20 * time.Second // until both listeners are logged
	stopTimeout   = 30 * time.Second // the server bounds its own shutdown at 15s
	scriptTimeout = 60 * time.Second // a script bounds itself at 45s
)

// config is the server's YAML. Ports 0: the kernel picks, the log tells.
// Every client comes from 127.0.0.1, so the per-IP limits on SASL failures
// and registrations, meant to slow attackers, are lifted; in-band
// registration stays loopback-only as in production defaults.
const config = `domain: localhost
data_dir: %DATA%
listen: {c2s: "127.0.0.1:0", c2s_tls: "127.0.0.1:0", component: "", http: "", admin: ""}
auth: {plain_in_clear: true, max_failures_per_ip_per_minute: -1}
registration: {mode: loopback, rate_per_ip_per_hour: -1}
log: {level: debug}
`

var (
	listeningRE = regexp.MustCompile(`msg=listening listener=(\S+) addr=(\S+)`)
	stoppedRE   = regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=stopped$`)
	// Lines that must never appear, whatever the clients did.
	alarmRE = regexp.MustCompile(`(?m)^(panic:|fatal error:|.*level=ERROR)`)
)

// server is one xmppd process started for a test.
type server struct {
	domain string
	c2s    string // host:port, STARTTLS
	c2sTLS string // host:port, direct TLS (XEP-0368)

	cmd     *exec.Cmd
	logDone chan struct{} // closed when the server's stderr reaches EOF

	mu  sync.Mutex // guards log
	log bytes.Buffer
}

// startServer starts xmppd on loopback with a fresh data directory and
// stops it when t ends, failing t unless it exits 0 and logs "stopped".
func startServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "xmppd.yaml")
	yaml := strings.ReplaceAll(config, "%DATA%", filepath.Join(dir, "data"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &server{domain: "localhost", logDone: make(chan struct{})}
	s.cmd = exec.Command(xmppdBin, "-config", cfg)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan []string, 8)
	go s.readLog(stderr, listening)
	t.Cleanup(func() { s.stop(t) })

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	for s.c2s == "" || s.c2sTLS == "" {
		select {
		case m := <-listening:
			switch m[1] {
			case "c2s":
				s.c2s = m[2]
			case "c2s_tls":
				s.c2sTLS = m[2]
			}
		case <-s.logDone:
			t.Fatalf("xmppd exited before listening:\n%s", s.logText())
		case <-deadline.C:
			t.Fatalf("xmppd not listening after %v:\n%s", startTimeout, s.logText())
		}
	}
	return s
}

// readLog keeps every line of the server's log and reports "listening"
// lines on listening.
func (s *server) readLog(r io.Reader, listening chan<- []string) {
	defer close(s.logDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.log.WriteString(line)
		s.log.WriteByte('\n')
		s.mu.Unlock()
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			select {
			case listening <- m:
			default: // nobody waits any more
			}
		}
	}
	_, _ = io.Copy(io.Discard, r) // a line over 1 MiB: keep the pipe drained
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// stop sends SIGTERM and requires exit status 0 and the "stopped" line.
func (s *server) stop(t *testing.T) {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("SIGTERM to xmppd: %v", err)
	}
	exited := make(chan error, 1)
	go func() {
		<-s.logDone // Wait closes the pipe: read it to the end first
		exited <- s.cmd.Wait()
	}()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("xmppd after SIGTERM: %v, want exit status 0", err)
		}
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-exited
		t.Errorf("xmppd still running %v after SIGTERM; killed", stopTimeout)
	}
	log := s.logText()
	if !stoppedRE.MatchString(log) {
		t.Errorf("xmppd log has no %q line", "msg=stopped")
	}
	if m := alarmRE.FindAllString(log, 5); m != nil {
		t.Errorf("xmppd logged:\n%s", strings.Join(m, "\n"))
	}
	if t.Failed() {
		t.Logf("xmppd log (last 200 lines):\n%s", lastLines(log, 200))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runScript runs testdata/script with args against s and decodes the JSON
// line it prints into out. A script that fails, or outlives scriptTimeout,
// fails t with its stderr.
func (s *server) runScript(t *testing.T, out any, script string, args ...string) {
	t.Helper()
	needClient(t)
	host, port, _ := net.SplitHostPort(s.c2s)
	_, tlsPort, _ := net.SplitHostPort(s.c2sTLS)

	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	// -E -s: ignore PYTHON* variables and the user's site-packages, which
	// belong to whatever other python the environment is set up for; -B:
	// leave no __pycache__ in testdata.
	argv := append([]string{"-B", "-E", "-s", filepath.Join("testdata", script)}, args...)
	cmd := exec.CommandContext(ctx, python, argv...)
	cmd.Env = append(os.Environ(),
		"XMPPD_HOST="+host, "XMPPD_C2S_PORT="+port, "XMPPD_C2S_TLS_PORT="+tlsPort, "XMPPD_DOMAIN="+s.domain)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	name := strings.Join(append([]string{script}, args...), " ")
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: killed after %v\nstderr:\n%s", name, scriptTimeout, stderr.Bytes())
	case err != nil:
		t.Fatalf("%s: %v\nstderr:\n%s", name, err, stderr.Bytes())
	}
	if stderr.Len() > 0 {
		t.Logf("%s stderr:\n%s", name, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	t.Logf("%s: %s", name, last)
	if err := json.Unmarshal([]byte(last), out); err != nil {
		t.Fatalf("%s printed %q, want one JSON line: %v", name, stdout.Bytes(), err)
	}
}
