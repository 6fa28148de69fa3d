package pebblestore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"xmppd/storage"
)

// crashChildEnv, when set, turns TestCrashDurability into the child: it
// writes to the database in the named directory and prints a line for
// every write acknowledged, until it is killed.
const crashChildEnv = "XMPPD_PEBBLESTORE_CRASH_DIR"

// TestCrashDurability re-executes the test binary as a child that writes
// concurrently and reports each acknowledged write on stdout, kills it with
// SIGKILL in the middle of the stream, reopens the database and checks that
// every write the child reported is there. A line the child printed was
// printed after its acknowledgement, so anything missing is a write the
// store acknowledged before it was durable.
func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	const killAfter = 1500 // acknowledged writes before SIGKILL

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Safety net only: a child that stops writing would otherwise hang the
	// read below until the test binary's timeout.
	watchdog := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()

	var acks []string
	killedAt := -1
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break // EOF; a final line without newline was cut by the kill
		}
		if !strings.HasPrefix(line, "ack ") {
			continue
		}
		acks = append(acks, strings.TrimSpace(line))
		if killedAt < 0 && len(acks) >= killAfter {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killedAt = len(acks)
		}
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if killedAt < 0 || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed mid-stream (%d acks, wait: %v)\nstderr:\n%s", len(acks), err, stderr.String())
	}
	t.Logf("child killed after %d acknowledged writes (%d more were already in the pipe)", killedAt, len(acks)-killedAt)

	s, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	checkAcks(t, s, acks)
}

// checkAcks verifies every acknowledged write against the reopened store.
func checkAcks(t *testing.T, s *Store, acks []string) {
	maxVer := map[string]uint64{}
	offline := map[string]map[uint64]string{} // user -> seq -> raw
	for _, a := range acks {
		f := strings.Fields(a)
		switch f[1] {
		case "user":
			if _, err := s.User(f[2]); err != nil {
				t.Errorf("%s: %v", a, err)
			}
		case "deleted":
			if _, err := s.User(f[2]); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("%s: user is back: %v", a, err)
			}
		case "roster":
			if _, err := s.RosterItem(f[2], f[3]); err != nil {
				t.Errorf("%s: %v", a, err)
			}
			v, _ := strconv.ParseUint(f[4], 10, 64)
			maxVer[f[2]] = max(maxVer[f[2]], v)
		case "offline":
			seq, _ := strconv.ParseUint(f[3], 10, 64)
			if offline[f[2]] == nil {
				offline[f[2]] = map[uint64]string{}
			}
			offline[f[2]][seq] = f[4]
		default:
			t.Fatalf("unknown ack %q", a)
		}
	}
	for user, want := range maxVer {
		if ver, err := s.RosterVersion(user); err != nil || ver < want {
			t.Errorf("%s: roster version %d (%v), acknowledged %d", user, ver, err, want)
		}
	}
	for user, want := range offline {
		msgs, err := s.OfflineMessages(user)
		if err != nil {
			t.Fatal(err)
		}
		have := map[uint64]string{}
		for _, m := range msgs {
			have[m.Seq] = string(m.Raw)
		}
		for seq, raw := range want {
			if have[seq] != raw {
				t.Errorf("%s: offline seq %d is %q, acknowledged %q", user, seq, have[seq], raw)
			}
		}
	}
	if t.Failed() {
		t.Logf("checked %d acknowledged writes", len(acks))
	}
}

// crashChild is the child's whole life: it never returns to the test
// framework. Each ack line goes out in one write(2) after the call returned,
// so lines from concurrent writers do not interleave (pipe writes under
// PIPE_BUF are atomic).
func crashChild(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	time.AfterFunc(time.Minute, func() { os.Exit(3) }) // never killed: give up
	s, err := Open(dir, nil)
	if err != nil {
		fail(err)
	}
	ack := func(format string, args ...any) {
		_, _ = os.Stdout.Write(fmt.Appendf(nil, "ack "+format+"\n", args...))
	}
	if err := s.CreateUser(storage.User{Name: "victim"}); err != nil {
		fail(err)
	}
	if _, err := s.AppendOffline("victim", []byte("<message/>"), 0); err != nil {
		fail(err)
	}
	if err := s.DeleteUser("victim"); err != nil {
		fail(err)
	}
	ack("deleted victim")

	const users, writers = 8, 16
	for i := range users {
		name := fmt.Sprintf("user%d", i)
		if err := s.CreateUser(storage.User{Name: name}); err != nil {
			fail(err)
		}
		ack("user %s", name)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			user := fmt.Sprintf("user%d", w%users)
			for i := 0; ; i++ {
				if i%2 == 0 {
					c := fmt.Sprintf("w%d-%d@example.net", w, i)
					ver, err := s.PutRosterItem(storage.RosterItem{Owner: user, Contact: c, Subscription: storage.SubscriptionBoth})
					if err != nil {
						fail(err)
					}
					ack("roster %s %s %d", user, c, ver)
				} else {
					raw := fmt.Sprintf("<message-w%d-%d/>", w, i)
					seq, err := s.AppendOffline(user, []byte(raw), 0)
					if err != nil {
						fail(err)
					}
					ack("offline %s %d %s", user, seq, raw)
				}
			}
		})
	}
	wg.Wait()
}
