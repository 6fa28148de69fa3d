package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestMain doubles as a worker process for the ExecLauncher tests.
func TestMain(m *testing.M) {
	if os.Getenv("BENCH_TEST_WORKER") == "1" {
		if err := ServeWorker(context.Background(), os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runScenario(t *testing.T, name string, c Config, procs int, l Launcher) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var last int64
	rep, err := Run(ctx, RunOptions{Scenario: Scenarios()[name], Config: c, Procs: procs, Launcher: l, PID: os.Getpid(),
		Progress: func(done, _ int64) { last = done }})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if rep.Procs != procs {
		t.Errorf("%s: %d shards, want %d", name, rep.Procs, procs)
	}
	if total := Scenarios()[name].Units(&c); total > 0 && last != total {
		t.Errorf("%s: progress ended at %d of %d", name, last, total)
	}
	return rep
}

func metric(t *testing.T, rep *Report, name string) float64 {
	t.Helper()
	v, ok := rep.Metrics.Get(name)
	if !ok {
		t.Fatalf("%s: no metric %s in %v", rep.Scenario, name, rep.Metrics)
	}
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	t.Fatalf("metric %s is %T", name, v)
	return 0
}

func TestScenariosInProcessShards(t *testing.T) {
	s := newFakeServer(t, false)
	c := testConfig(s)
	c.Users, c.Conns, c.Pipeline = 60, 3, 8
	rep := runScenario(t, "register", c, 3, nil)
	if !rep.OK || metric(t, rep, "registered") != 60 {
		t.Fatalf("register: %+v", rep)
	}
	// Again: every account exists, which is not a failure.
	rep = runScenario(t, "register", c, 2, nil)
	if !rep.OK || metric(t, rep, "already_existed") != 60 {
		t.Fatalf("register again: %+v", rep)
	}

	c.Logins, c.Concurrency, c.Mech = 30, 6, MechSCRAMSHA256
	rep = runScenario(t, "login", c, 3, nil)
	if !rep.OK || metric(t, rep, "logins_ok") != 30 || rep.Latency == nil || rep.Latency.Count != 30 {
		t.Fatalf("login: %+v", rep)
	}

	c.Users, c.Duration = 40, 200*time.Millisecond
	rep = runScenario(t, "idle", c, 2, nil)
	if !rep.OK || metric(t, rep, "sessions_alive") != 40 {
		t.Fatalf("idle: %+v", rep)
	}
	for _, name := range []string{"start", "connected", "held", "end"} {
		if _, ok := rep.Samples.Get(name); !ok {
			t.Errorf("idle: no %s sample in %+v", name, rep.Samples)
		}
	}

	c.Pairs, c.Window, c.Duration, c.Mech = 5, 4, 300*time.Millisecond, MechPLAIN
	rep = runScenario(t, "msg", c, 2, nil)
	if !rep.OK || rep.Counts["lost"] != 0 || rep.Counts["received"] == 0 || rep.Counts["sent"] != rep.Counts["received"] {
		t.Fatalf("msg: %+v", rep)
	}
	if rep.Latency == nil || rep.Latency.Count != rep.Counts["received"] {
		t.Fatalf("msg latency %+v for %d received", rep.Latency, rep.Counts["received"])
	}
	if _, ok := rep.Metrics.Get("server_cpu_per_100k_msgs"); !ok {
		t.Error("msg: no CPU metric")
	}
}

func TestLoginFailuresAreReported(t *testing.T) {
	s := newFakeServer(t, false)
	s.addUsers("user", 5, "password")
	c := testConfig(s)
	c.Users, c.Logins, c.Password = 5, 10, "wrong"
	rep := runScenario(t, "login", c, 1, nil)
	if rep.OK || rep.Failures["auth:not-authorized"] != 10 || metric(t, rep, "logins_ok") != 0 {
		t.Fatalf("login with a wrong password: %+v", rep)
	}
}

func TestMsgCountsBounces(t *testing.T) {
	s := newFakeServer(t, false)
	s.addUsers("user", 2, "password")
	c := testConfig(s)
	c.Pairs, c.Window, c.Duration, c.Drain = 1, 2, 100*time.Millisecond, 100*time.Millisecond
	// Resources differ from what the partner addresses: every message bounces.
	ctx := context.Background()
	m := &msgRun{c: &c, env: NewEnv(nil), base: time.Now(), rec: NewRecorder(1), body: "x"}
	d := newDialer(&c, DefaultReadBuffer)
	conn, err := d.Login(ctx, c.account(0))
	if err != nil {
		t.Fatal(err)
	}
	x := &chatter{conn: conn, prefix: []byte("<message type='chat' to='user1@example.test/elsewhere' id='")}
	x.peer = x
	done := make(chan struct{})
	go func() { m.read(x); close(done) }()
	if err := m.send(x, 2); err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) for the two bounces rather than for a guessed time.
	deadline := time.Now().Add(10 * time.Second)
	for m.fails.Map()["message:service-unavailable"] < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no bounces within 10s: %v", m.fails.Map())
		}
		time.Sleep(5 * time.Millisecond) // polling a counter, bounded above
	}
	m.stopped.Store(true)
	m.closing.Store(true)
	conn.Close()
	<-done
	if x.bounced < 2 || m.fails.Map()["message:service-unavailable"] < 2 {
		t.Fatalf("bounced %d, failures %v", x.bounced, m.fails.Map())
	}
}

func TestExecWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	s := newFakeServer(t, false)
	s.addUsers("user", 8, "password")
	c := testConfig(s)
	c.Pairs, c.Window, c.Duration = 4, 3, 300*time.Millisecond
	t.Setenv("BENCH_TEST_WORKER", "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rep := runScenario(t, "msg", c, 2, &ExecLauncher{Path: exe})
	if !rep.OK || rep.Counts["received"] == 0 || rep.Counts["lost"] != 0 || metric(t, rep, "pairs_active") != 4 {
		t.Fatalf("msg over two worker processes: %+v", rep)
	}
}

func TestWorkerCrashIsAnError(t *testing.T) {
	s := newFakeServer(t, false)
	c := testConfig(s)
	c.Users = 4
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Run(ctx, RunOptions{Scenario: Scenarios()["register"], Config: c,
		Launcher: &ExecLauncher{Path: "/bin/false"}})
	if err == nil {
		t.Fatal("a worker that exits at once went unnoticed")
	}
}

func TestRegisterReconnects(t *testing.T) {
	s := newFakeServer(t, false)
	s.regPerConn = 7 // like xmppd's auth_timeout, in registrations
	c := testConfig(s)
	c.Users, c.Conns, c.Pipeline = 40, 2, 5
	rep := runScenario(t, "register", c, 1, nil)
	if !rep.OK || metric(t, rep, "registered")+metric(t, rep, "already_existed") != 40 {
		t.Fatalf("register across closing streams: %+v", rep)
	}
	s.mu.Lock()
	n := len(s.users)
	s.mu.Unlock()
	if n != 40 {
		t.Fatalf("server has %d accounts", n)
	}
}
