package router

import (
	"fmt"
	"sync"
	"testing"

	"xmppd/internal/jid"
)

type fakeSession struct {
	j        jid.JID
	mu       sync.Mutex
	got      [][]byte
	avail    bool
	priority int8
}

func (f *fakeSession) JID() jid.JID { return f.j }
func (f *fakeSession) Deliver(b []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, b)
	return true
}
func (f *fakeSession) Available() (bool, int8) { return f.avail, f.priority }

func sess(s string, avail bool, prio int8) *fakeSession {
	return &fakeSession{j: jid.MustParse(s), avail: avail, priority: prio}
}

func TestBindLookupUnbind(t *testing.T) {
	r := New()
	a := sess("alice@localhost/phone", true, 0)
	b := sess("alice@localhost/desk", true, 0)
	if old := r.Bind(a); old != nil {
		t.Fatal("unexpected replacement")
	}
	r.Bind(b)
	if r.Lookup(a.j) != a || r.Lookup(b.j) != b || r.Count() != 2 {
		t.Fatal("lookup after bind")
	}
	if got := r.AppendResources(nil, a.j.Bare()); len(got) != 2 {
		t.Fatalf("resources: %d", len(got))
	}
	r.Unbind(a)
	if r.Lookup(a.j) != nil || r.Count() != 1 || !r.Online(a.j.Bare()) {
		t.Fatal("after unbind")
	}
	r.Unbind(b)
	if r.Online(b.j.Bare()) || r.Count() != 0 {
		t.Fatal("after last unbind")
	}
}

func TestBindConflictReplaces(t *testing.T) {
	r := New()
	first := sess("bob@localhost/r", true, 0)
	second := sess("bob@localhost/r", true, 0)
	r.Bind(first)
	if old := r.Bind(second); old != first {
		t.Fatalf("replaced %v, want the first session", old)
	}
	if r.Lookup(first.j) != second || r.Count() != 1 {
		t.Fatal("second session must hold the JID")
	}
	r.Unbind(first) // the replaced session's late unbind must not remove the new one
	if r.Lookup(second.j) != second {
		t.Fatal("stale unbind removed the new session")
	}
}

func TestAppendBestPriority(t *testing.T) {
	tests := []struct {
		name  string
		sess  []*fakeSession
		wantN []int // 1 when the session is chosen
	}{
		{"highest wins", []*fakeSession{sess("c@l/a", true, 1), sess("c@l/b", true, 5)}, []int{0, 1}},
		{"ties all get it", []*fakeSession{sess("c@l/a", true, 3), sess("c@l/b", true, 3)}, []int{1, 1}},
		{"negative never", []*fakeSession{sess("c@l/a", true, -1)}, []int{0}},
		{"unavailable never", []*fakeSession{sess("c@l/a", false, 9), sess("c@l/b", true, 0)}, []int{0, 1}},
		{"none online", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			for _, s := range tc.sess {
				r.Bind(s)
			}
			best := r.AppendBest(nil, jid.MustParse("c@l"))
			sum := 0
			for i, s := range tc.sess {
				chosen := 0
				for _, b := range best {
					if b == s {
						chosen = 1
					}
				}
				if chosen != tc.wantN[i] {
					t.Fatalf("session %d chosen %d, want %d", i, chosen, tc.wantN[i])
				}
				sum += tc.wantN[i]
			}
			if len(best) != sum {
				t.Fatalf("AppendBest returned %d sessions, want %d", len(best), sum)
			}
		})
	}
}

func TestConcurrentBind(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				s := sess(fmt.Sprintf("u%d@localhost/r%d", i%50, g), true, 0)
				r.Bind(s)
				r.Lookup(s.j)
				r.Unbind(s)
			}
		}(g)
	}
	wg.Wait()
	if r.Count() != 0 {
		t.Fatalf("count %d after all unbinds", r.Count())
	}
}
