package session

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xmppd/engine/router"
	"xmppd/storage"
	"xmppd/storage/pebblestore"
)

// countingTransport counts stanzas routed to it and runs posted work at
// once (the benchmarks have no event loop).
type countingTransport struct {
	fakeTransport
	delivered *atomic.Int64
}

func (c *countingTransport) Enqueue(b []byte) bool            { c.delivered.Add(1); return true }
func (c *countingTransport) EnqueueAt(b []byte, _ int64) bool { return c.Enqueue(b) }
func (c *countingTransport) Post(fn func()) bool              { fn(); return true }

// benchServer is a session server on Pebble with users u0..u(n-1), each
// with a roster of the next k users (mutual, subscription both), all bound
// and available.
func benchServer(b *testing.B, n, k int) (*Server, []*Session, *atomic.Int64) {
	b.Helper()
	store, err := pebblestore.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	srv, err := NewServer(Config{Domains: []string{"localhost"}, Store: store, Router: router.New(), Workers: 4})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	for i := range n {
		if err := store.CreateUser(storage.User{Name: fmt.Sprintf("u%d", i)}); err != nil {
			b.Fatal(err)
		}
		items := make([]storage.RosterItem, 0, k)
		for j := 1; j <= k; j++ {
			items = append(items, storage.RosterItem{Contact: fmt.Sprintf("u%d@localhost", (i+j)%n), Subscription: storage.SubscriptionBoth})
		}
		for j := 1; j <= k; j++ { // the contacts that have i in their k-window
			items = append(items, storage.RosterItem{Contact: fmt.Sprintf("u%d@localhost", (i-j+n)%n), Subscription: storage.SubscriptionBoth})
		}
		if _, err := store.ReplaceRoster(fmt.Sprintf("u%d", i), items); err != nil {
			b.Fatal(err)
		}
	}
	delivered := &atomic.Int64{}
	sessions := make([]*Session, n)
	for i := range n {
		t := &countingTransport{delivered: delivered}
		t.posted = make(chan func(), 1)
		s := srv.New(t)
		s.dom = srv.first
		s.authUser = fmt.Sprintf("u%d", i)
		s.full = mustJID(fmt.Sprintf("u%d@localhost/r", i))
		s.bound, s.phase = true, phEstablished
		srv.cfg.Router.Bind(s)
		stanza := []byte(fmt.Sprintf("<presence from='u%d@localhost/r'/>", i))
		s.lastPresence.Store(&stanza)
		s.setAvailable(true, 0)
		sessions[i] = s
	}
	return srv, sessions, delivered
}

// BenchmarkPresenceFanout: presence changes by users with 100 mutual
// contacts (k=50 each way), all online; reports deliveries per second.
// Each broadcast reads the roster from Pebble (no roster is cached).
func BenchmarkPresenceFanout(b *testing.B) {
	const users, k = 400, 50
	srv, sessions, delivered := benchServer(b, users, k/2)
	stanza := []byte("<presence from='x'><show>away</show></presence>")
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		s := sessions[i%users]
		srv.broadcastPresence(s, stanza, false, false)
	}
	want := int64(b.N) * int64(k) // contacts with 'from', plus no other own resources
	for delivered.Load() < want {
		time.Sleep(time.Millisecond) // upper-bounded by the benchmark's own timeout
	}
	el := time.Since(start)
	b.ReportMetric(float64(delivered.Load())/el.Seconds(), "deliveries/s")
	b.ReportMetric(float64(k), "contacts")
}

// BenchmarkOfflineStoreDeliver: messages to an offline user are stored
// (synced, group-committed) and then delivered and deleted at login.
func BenchmarkOfflineStoreDeliver(b *testing.B) {
	srv, sessions, delivered := benchServer(b, 2, 1)
	store := srv.cfg.Store
	msg := []byte("<message from='u1@localhost/r' to='u0@localhost' type='chat'><body>" + strings.Repeat("x", 100) + "</body></message>")
	b.ResetTimer()
	start := time.Now()
	done := make(chan struct{}, 256)
	for i := range b.N {
		go func() {
			_, _ = store.AppendOffline("u0", msg, 0)
			done <- struct{}{}
		}()
		if i >= 64 {
			<-done // at most 64 writers in flight, like concurrent senders
		}
	}
	for range min(b.N, 64) {
		<-done
	}
	stored := time.Since(start)
	before := delivered.Load()
	start = time.Now()
	srv.deliverOffline(sessions[0])
	deliver := time.Since(start)
	if got := delivered.Load() - before; got != int64(b.N) {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/stored.Seconds(), "stored/s")
	b.ReportMetric(float64(b.N)/deliver.Seconds(), "delivered/s")
}
