package bosh

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xmppd/internal/jid"
)

// The interop test drives strophe.js (testdata/node, installed with
// `make bosh-interop-deps`) under node against a real server. Without node
// or its packages it skips, unless XMPPD_INTEROP=required says it must run.

type stropheEvent map[string]any

func (e stropheEvent) str(k string) string { s, _ := e[k].(string); return s }

// strophe is one node process running testdata/node/interop.mjs.
type strophe struct {
	t      *testing.T
	in     io.WriteCloser
	events chan stropheEvent
}

func startStrophe(t *testing.T, url string) *strophe {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("testdata", "node"))
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "strophe.js", "package.json"))
	if err != nil || modErr != nil {
		msg := "strophe.js interop: node or bosh/testdata/node/node_modules missing; run `make bosh-interop-deps`"
		if os.Getenv("XMPPD_INTEROP") == "required" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(node, "interop.mjs", url)
	cmd.Dir = dir
	cmd.Stderr = &testWriter{t}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &strophe{t: t, in: in, events: make(chan stropheEvent, 256)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev stropheEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				ev = stropheEvent{"event": "garbage", "line": sc.Text()}
			}
			s.events <- ev
		}
		close(s.events)
	}()
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	s.expect("ready", func(stropheEvent) bool { return true })
	return s
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("node: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func (s *strophe) cmd(c map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(c)
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		s.t.Fatal(err)
	}
}

// expect waits for an event of kind ev that ok accepts, logging the
// others.
func (s *strophe) expect(ev string, ok func(stropheEvent) bool) stropheEvent {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e, open := <-s.events:
			if !open {
				s.t.Fatalf("node exited while waiting for %s", ev)
			}
			if e.str("event") == ev && ok(e) {
				return e
			}
			if e.str("event") == "error" {
				s.t.Fatalf("strophe driver error: %s", e.str("error"))
			}
			s.t.Logf("strophe: %v", e)
		case <-deadline:
			s.t.Fatalf("no %s event within 20s", ev)
		}
	}
}

func (s *strophe) status(want string) stropheEvent {
	s.t.Helper()
	return s.expect("status", func(e stropheEvent) bool { return e.str("status") == want })
}

func TestStropheInterop(t *testing.T) {
	h := newHTTPEnv(t, nil, nil)
	for _, u := range []string{"alice", "bob", "carol"} {
		h.addUser(u, "secret")
	}
	tc := dialTCP(t, startTCP(t, h.env), "bob", "secret", "tcp")
	st := startStrophe(t, h.url)

	t.Run("connect, SASL, bind, messages, terminate", func(t *testing.T) {
		st.t = t
		st.cmd(map[string]any{"cmd": "connect", "jid": "alice@localhost/strophe", "pass": "secret"})
		ev := st.status("CONNECTED")
		if ev.str("jid") != "alice@localhost/strophe" || !strings.HasPrefix(ev.str("mechanism"), "SCRAM-SHA-") {
			t.Fatalf("connected as %q with %q", ev.str("jid"), ev.str("mechanism"))
		}
		if h.rt.Lookup(jid.MustParse("alice@localhost/strophe")) == nil {
			t.Fatal("not bound on the server")
		}
		// The held long-poll returns as soon as the message arrives, not
		// at 'wait' (60 s).
		waitHeld(t, h)
		start := time.Now()
		tc.send("<message to='alice@localhost/strophe' type='chat' id='t1'><body>hello strophe</body></message>")
		msg := st.expect("message", func(e stropheEvent) bool { return e.str("body") == "hello strophe" })
		if d := time.Since(start); d > 5*time.Second || msg.str("from") != "bob@localhost/tcp" || msg.str("xmlns") != "jabber:client" {
			t.Fatalf("message after %v: %v", d, msg)
		}
		t.Logf("TCP -> strophe delivery: %v", time.Since(start))
		st.cmd(map[string]any{"cmd": "send", "to": "bob@localhost/tcp", "body": "hello tcp"})
		if got := tc.waitFor("hello tcp</body></message>"); !strings.Contains(got, "from='alice@localhost/strophe'") {
			t.Fatalf("TCP got %s", got)
		}
		st.cmd(map[string]any{"cmd": "disconnect"})
		st.status("DISCONNECTED")
		waitFor(t, func() bool { return h.rt.Lookup(jid.MustParse("alice@localhost/strophe")) == nil })
	})

	t.Run("wrong rid is terminal", func(t *testing.T) {
		st.t = t
		st.cmd(map[string]any{"cmd": "connect", "jid": "alice@localhost/strophe2", "pass": "secret"})
		st.status("CONNECTED")
		before := h.srv.Stats.Terminal.Load()
		st.cmd(map[string]any{"cmd": "badrid"})
		if ev := st.status("CONNFAIL"); ev.str("condition") != condItemNotFound {
			t.Fatalf("condition %q", ev.str("condition"))
		}
		waitFor(t, func() bool { return h.rt.Lookup(jid.MustParse("alice@localhost/strophe2")) == nil })
		if h.srv.Stats.Terminal.Load() == before {
			t.Fatal("no terminal error was sent")
		}
		st.status("DISCONNECTED")
	})

	t.Run("prebind and attach", func(t *testing.T) {
		st.t = t
		full, sid, rid, err := h.srv.Prebind("carol@localhost")
		if err != nil {
			t.Fatal(err)
		}
		st.cmd(map[string]any{"cmd": "attach", "jid": full, "sid": sid, "rid": rid})
		st.status("ATTACHED")
		waitHeld(t, h)
		tc.send("<message to='" + full + "' type='chat'><body>hello attached</body></message>")
		st.expect("message", func(e stropheEvent) bool { return e.str("body") == "hello attached" })
		st.cmd(map[string]any{"cmd": "send", "to": "bob@localhost/tcp", "body": "from prebind"})
		if got := tc.waitFor("from prebind</body></message>"); !strings.Contains(got, "from='"+full+"'") {
			t.Fatalf("TCP got %s", got)
		}
		st.cmd(map[string]any{"cmd": "disconnect"})
		st.status("DISCONNECTED")
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitHeld waits until the server holds a long-poll (the client's request
// reached the server and waits there), at most 10 s.
func waitHeld(t *testing.T, h *httpEnv) {
	t.Helper()
	waitFor(t, func() bool { return h.srv.Stats.Held.Load() > 0 })
}
