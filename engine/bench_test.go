package engine

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRouteMessages measures the whole hot path over loopback: pairs
// of clients, each sender writing chat messages to its recipient's full
// JID; the server reads, decodes, routes to the recipient's loop through
// its inbox and writes. One op is one message delivered. A sender writes
// batch messages at a time and keeps at most window in flight, so that no
// recipient falls behind far enough to be closed as a slow consumer:
// batch=32 is throughput, with many stanzas per callback; batch=1 window=1
// is one stanza per callback, the worst case for per-callback costs.
// Client and server share the process: ns/op and cpu-ns/op (the process's
// CPU time, which other load on the machine disturbs less than wall time)
// include the clients' work. to=bare addresses the recipient's bare JID
// (its one available resource gets it: block lists and priorities are
// looked at per message).
func BenchmarkRouteMessages(b *testing.B) {
	for _, bc := range []struct {
		batch, window int
		bare          bool
	}{{32, 1024, false}, {1, 1, false}, {32, 1024, true}} {
		name := fmt.Sprintf("batch=%d/window=%d", bc.batch, bc.window)
		if bc.bare {
			name += "/to=bare"
		}
		b.Run(name, func(b *testing.B) {
			benchRoute(b, bc.batch, bc.window, bc.bare)
		})
	}
}

func benchRoute(b *testing.B, batch, window int, bare bool) {
	const pairs = 4
	ts := startServer(b, nil, nil)
	senders := make([]net.Conn, pairs)
	recipients := make([]net.Conn, pairs)
	msgs := make([][]byte, pairs)
	login := func(user string, available bool) net.Conn {
		rc := dial(b, ts.l.Addr())
		rc.login(user, "pw", "r")
		if available { // and wait (a ping's answer) until the server has taken it
			rc.send("<presence/><iq type='get' id='sync'><ping xmlns='urn:xmpp:ping'/></iq>")
			rc.waitFor("sync")
		}
		rc.conn.SetReadDeadline(time.Time{})
		return rc.conn
	}
	to := "r%d@localhost/r"
	if bare {
		to = "r%d@localhost"
	}
	for i := range pairs {
		senders[i] = login(fmt.Sprintf("s%d", i), false)
		recipients[i] = login(fmt.Sprintf("r%d", i), bare)
		msgs[i] = []byte(fmt.Sprintf("<message to='"+to+"' type='chat'><body>a message of a typical length, some forty or fifty characters</body></message>", i))
	}
	end := []byte("</message>")
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := range pairs {
		n := b.N / pairs
		if i < b.N%pairs {
			n++
		}
		credit := make(chan struct{}, window/batch) // a token per batch in flight
		wg.Add(2)
		go func() {
			defer wg.Done()
			out := bytes.Repeat(msgs[i], batch)
			for sent := 0; sent < n; sent += batch {
				credit <- struct{}{}
				k := min(batch, n-sent)
				if _, err := senders[i].Write(out[:k*len(msgs[i])]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			r := recipients[i]
			r.SetReadDeadline(time.Now().Add(5 * time.Minute)) // an upper bound, not a wait
			buf := make([]byte, 64<<10)
			keep := 0 // the last bytes of the previous read: an end tag may span reads
			acked := 0
			for got := 0; got < n; {
				m, err := r.Read(buf[keep:])
				if err != nil {
					b.Errorf("recipient %d: %v after %d of %d", i, err, got, n)
					return
				}
				data := buf[:keep+m]
				got += bytes.Count(data, end)
				keep = min(len(end)-1, len(data))
				copy(buf, data[len(data)-keep:])
				for ; acked+batch <= got || (got == n && acked < n); acked += batch {
					<-credit
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time of the process, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
