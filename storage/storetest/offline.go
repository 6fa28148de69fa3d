package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"xmppd/storage"
)

func runOffline(t *testing.T, open Opener) {
	appendN := func(t *testing.T, s storage.Store, user string, n, limit int) []uint64 {
		t.Helper()
		var seqs []uint64
		for i := range n {
			seq, err := s.AppendOffline(user, fmt.Appendf(nil, "<message id='%d'/>", i), limit)
			noErr(t, "AppendOffline", err)
			if len(seqs) > 0 && seq <= seqs[len(seqs)-1] {
				t.Fatalf("seq %d after %d", seq, seqs[len(seqs)-1])
			}
			seqs = append(seqs, seq)
		}
		return seqs
	}
	listSeqs := func(t *testing.T, s storage.Store, user string) []uint64 {
		t.Helper()
		msgs, err := s.OfflineMessages(user)
		noErr(t, "OfflineMessages", err)
		seqs := []uint64{}
		for _, m := range msgs {
			seqs = append(seqs, m.Seq)
		}
		n, err := s.OfflineCount(user)
		noErr(t, "OfflineCount", err)
		wantEqual(t, "OfflineCount", n, len(msgs))
		return seqs
	}

	t.Run("Order", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		before := time.Now()
		seqs := appendN(t, s, "alice", 5, 0)
		after := time.Now()
		if seqs[0] == 0 {
			t.Fatal("seq 0 handed out")
		}
		msgs, err := s.OfflineMessages("alice")
		noErr(t, "OfflineMessages", err)
		if len(msgs) != 5 {
			t.Fatalf("%d messages, want 5", len(msgs))
		}
		for i, m := range msgs {
			wantEqual(t, "seq", m.Seq, seqs[i])
			wantEqual(t, "raw", string(m.Raw), fmt.Sprintf("<message id='%d'/>", i))
			if m.Stamp.Before(before.Truncate(time.Microsecond)) || m.Stamp.After(after) || m.Stamp.Location() != time.UTC {
				t.Fatalf("stamp %v not in [%v, %v] UTC", m.Stamp, before, after)
			}
		}
		msgs[0].Raw[0] = '!'
		again, err := s.OfflineMessages("alice")
		noErr(t, "OfflineMessages", err)
		wantEqual(t, "raw after caller mutation", string(again[0].Raw), "<message id='0'/>")
	})

	t.Run("Limit", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		seqs := appendN(t, s, "alice", 3, 3)
		_, err := s.AppendOffline("alice", []byte("<message/>"), 3)
		wantErr(t, "fourth append", err, storage.ErrOfflineFull)
		wantEqual(t, "queue", listSeqs(t, s, "alice"), seqs)
		noErr(t, "DeleteOfflineUpTo", s.DeleteOfflineUpTo("alice", seqs[0]))
		more := appendN(t, s, "alice", 1, 3)
		wantEqual(t, "queue after making room", listSeqs(t, s, "alice"), append(seqs[1:], more...))
		_, err = s.AppendOffline("alice", []byte("<message/>"), 3)
		wantErr(t, "append when full again", err, storage.ErrOfflineFull)
		_, err = s.AppendOffline("alice", []byte("<message/>"), 10)
		noErr(t, "append with a larger limit", err)
	})

	t.Run("Unlimited", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		seqs := appendN(t, s, "alice", 60, 0)
		wantEqual(t, "queue", listSeqs(t, s, "alice"), seqs)
	})

	t.Run("DeleteUpTo", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		seqs := appendN(t, s, "alice", 5, 0)
		for _, tc := range []struct {
			name string
			upTo uint64
			want []uint64
		}{
			{"below head", seqs[0] - 1, seqs},
			{"prefix", seqs[1], seqs[2:]},
			{"again", seqs[1], seqs[2:]},
			{"one more", seqs[2], seqs[3:]},
			{"everything", math.MaxUint64, []uint64{}},
			{"empty queue", math.MaxUint64, []uint64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				noErr(t, "DeleteOfflineUpTo", s.DeleteOfflineUpTo("alice", tc.upTo))
				wantEqual(t, "queue", listSeqs(t, s, "alice"), tc.want)
			})
		}
		next := appendN(t, s, "alice", 2, 0)
		if next[0] <= seqs[4] {
			t.Fatalf("seq %d reused after drain (last was %d)", next[0], seqs[4])
		}
		wantEqual(t, "queue after refill", listSeqs(t, s, "alice"), next)
	})

	t.Run("PerUser", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		mustCreate(t, s, "bob")
		a := appendN(t, s, "alice", 3, 0)
		b := appendN(t, s, "bob", 2, 0)
		noErr(t, "DeleteOfflineUpTo", s.DeleteOfflineUpTo("bob", math.MaxUint64))
		wantEqual(t, "alice", listSeqs(t, s, "alice"), a)
		wantEqual(t, "bob", listSeqs(t, s, "bob"), []uint64{})
		_ = b
	})
}
