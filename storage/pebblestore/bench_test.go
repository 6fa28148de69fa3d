package pebblestore

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"xmppd/storage/storetest"
)

// BenchmarkRosterItems measures a full roster load (one prefix scan plus the
// version) of a roster written in one batch and still in the memtable, and
// of the same roster after a flush to an sstable.
func BenchmarkRosterItems(b *testing.B) {
	for _, n := range []int{500, 5000} {
		for _, flushed := range []bool{false, true} {
			b.Run(fmt.Sprintf("items=%d/flushed=%v", n, flushed), func(b *testing.B) {
				s := openTest(b, nil)
				createUsers(b, s, 1)
				if _, err := s.ReplaceRoster("user000", storetest.MakeRoster(n)); err != nil {
					b.Fatal(err)
				}
				if flushed {
					if err := s.db.Flush(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					items, _, err := s.RosterItems("user000")
					if err != nil || len(items) != n {
						b.Fatalf("%d items, %v", len(items), err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
			})
		}
	}
}

// BenchmarkGroupCommit measures synced write throughput: `writers`
// goroutines each append offline messages to their own user as fast as
// acknowledgements come back; b.N writes in total. writes/s is the
// throughput, ops/batch the mean group size.
func BenchmarkGroupCommit(b *testing.B) {
	raw := []byte(`<message from='a@example.net/r' to='b@example.net' type='chat' id='0123456789'><body>` +
		`Hello, this is a typical short chat message of about two hundred bytes.</body></message>`)
	for _, delay := range []time.Duration{time.Millisecond, -1} {
		for _, writers := range []int{1, 16, 64, 256} {
			name := fmt.Sprintf("delay=%v/writers=%d", delay, writers)
			if delay < 0 {
				name = fmt.Sprintf("delay=none/writers=%d", writers)
			}
			b.Run(name, func(b *testing.B) {
				s := openTest(b, &Options{MaxDelay: delay})
				users := createUsers(b, s, writers)
				before := s.Stats()
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ReportAllocs()
				b.ResetTimer()
				for w := range writers {
					wg.Go(func() {
						for next.Add(1) <= int64(b.N) {
							if _, err := s.AppendOffline(users[w], raw, 0); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				st := s.Stats()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
				b.ReportMetric(float64(st.Ops-before.Ops)/float64(st.Batches-before.Batches), "ops/batch")
				b.ReportMetric(0, "ns/op") // meaningless for a throughput benchmark
			})
		}
	}
}

// BenchmarkRosterItem is a point read of one item.
func BenchmarkRosterItem(b *testing.B) {
	s := openTest(b, nil)
	createUsers(b, s, 1)
	if _, err := s.ReplaceRoster("user000", storetest.MakeRoster(500)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RosterItem("user000", "contact00250@example.net"); err != nil {
			b.Fatal(err)
		}
	}
}
