package bench

import (
	"strconv"
	"testing"
	"time"
)

func TestMixedRoles(t *testing.T) {
	for _, tc := range []struct {
		users    int
		fraction float64
		chatting int
	}{
		{100, 0.05, 3}, // 2.5 couples, rounded half away from zero
		{101, 0.1, 5},
		{10, 1, 5},
		{10, 0, 0},
		{2, 0.5, 1},
	} {
		t.Run(strconv.Itoa(tc.users)+"x"+strconv.FormatFloat(tc.fraction, 'g', -1, 64), func(t *testing.T) {
			c := &Config{Users: tc.users, ChatFraction: tc.fraction}
			r := newMixedRoles(c)
			chats, churns := 0, 0
			for i := range tc.users {
				if r.chats(i) {
					chats++
					if !r.chats(i ^ 1) {
						t.Errorf("user %d chats, its partner %d does not", i, i^1)
					}
				}
				if r.churns(i) {
					churns++
					if r.chats(i) {
						t.Errorf("user %d both chats and churns", i)
					}
				}
			}
			if chats != 2*tc.chatting {
				t.Errorf("%d chatters, want %d", chats, 2*tc.chatting)
			}
			if want := tc.users/2 - tc.chatting; churns != want {
				t.Errorf("%d in the churn pool, want %d", churns, want)
			}
		})
	}
}

func TestMixedRangeKeepsCouples(t *testing.T) {
	for _, users := range []int{2, 7, 100, 30001} {
		for _, n := range []int{1, 2, 3, 7} {
			c := &Config{Users: users}
			if n > (mixedScenario{}).Parts(c) {
				continue
			}
			next := 0
			for i := range n {
				lo, hi := mixedRange(c, Shard{Index: i, Count: n})
				if lo != next || lo%2 != 0 || hi <= lo {
					t.Fatalf("users %d, shard %d/%d: [%d, %d) after %d", users, i, n, lo, hi, next)
				}
				next = hi
			}
			if next != users {
				t.Fatalf("users %d over %d shards: covered up to %d", users, n, next)
			}
		}
	}
}

func TestUserIndex(t *testing.T) {
	c := &Config{UserPrefix: "user", FirstUser: 10}
	for _, tc := range []struct {
		jid  string
		want int
		ok   bool
	}{
		{"user12@example.test/xb", 2, true},
		{"user10@example.test", 0, true},
		{"user@example.test", 0, false},
		{"user12", 0, false},
		{"userx1@example.test", 0, false},
		{"other12@example.test", 0, false},
		{"user99999999999@example.test", 0, false},
	} {
		got, ok := c.userIndex([]byte(tc.jid))
		if got != tc.want || ok != tc.ok {
			t.Errorf("userIndex(%q) = %d, %v; want %d, %v", tc.jid, got, ok, tc.want, tc.ok)
		}
	}
}

// TestMixedAgainstFake runs the whole scenario against the fake server
// (which fans presence out over ring rosters) in one shard and in two:
// every message and every owed presence delivery must arrive, every churn
// must log out and in again, and the run must end with every session up.
func TestMixedAgainstFake(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(strconv.Itoa(procs)+"shards", func(t *testing.T) {
			s := newFakeServer(t, false)
			c := testConfig(s)
			c.Users, c.Contacts = 40, 4
			c.ChatFraction, c.ChatInterval = 0.2, 20*time.Millisecond
			c.PresenceInterval, c.ChurnRate = 200*time.Millisecond, 20
			c.Duration = time.Second
			offs, err := contactOffsets(c.Users, c.Contacts)
			if err != nil {
				t.Fatal(err)
			}
			s.rosters = func(user string) []string {
				i, ok := c.userIndex([]byte(user + "@" + c.Domain))
				if !ok {
					return nil
				}
				var jids []string
				for _, off := range offs {
					jids = append(jids, c.Username(contactOf(i, off, c.Users))+"@"+c.Domain)
				}
				return jids
			}
			rep := runScenario(t, "mixed", c, procs, nil)
			if !rep.OK {
				t.Fatalf("not ok: %+v", rep)
			}
			for _, tc := range []struct {
				name string
				want float64
			}{{"sessions_online", 40}, {"chatters", 8}, {"msgs_lost", 0}, {"presence_lost", 0}, {"logins_failed", 0}} {
				if got := metric(t, rep, tc.name); got != tc.want {
					t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
				}
			}
			if sent := metric(t, rep, "msgs_sent"); sent == 0 || metric(t, rep, "msgs_delivered") != sent {
				t.Errorf("messages: sent %v, delivered %v", sent, metric(t, rep, "msgs_delivered"))
			}
			if rep.Latency == nil || float64(rep.Latency.Count) != metric(t, rep, "msgs_delivered") {
				t.Errorf("delivery latency %+v", rep.Latency)
			}
			checked := metric(t, rep, "presence_checked")
			if checked == 0 || metric(t, rep, "presence_deliveries") < checked {
				t.Errorf("presence: %v checked of %v delivered", checked, metric(t, rep, "presence_deliveries"))
			}
			logins := metric(t, rep, "logins_ok")
			if logins == 0 || metric(t, rep, "logouts") != logins {
				t.Errorf("churn: %v logins, %v logouts", logins, metric(t, rep, "logouts"))
			}
			for _, name := range []string{"presence_latency_p99", "login_latency_p99", "server_cpu"} {
				metric(t, rep, name)
			}
		})
	}
}
