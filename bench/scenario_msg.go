package bench

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"xmppd/codec"
)

// msgScenario: Pairs pairs of sessions send each other chat messages for
// Duration, each sender with at most Window messages in flight (sent, not
// yet received by its partner).
//
// The loop is closed inside the client and costs no goroutine beyond one
// reader per socket: when B's reader receives k messages from A, it writes
// the next k messages of A on A's socket, in one write, just before it
// blocks in its next read. Both ends of a pair live in the same process, so
// a message's id carries its send time on that process's monotonic clock
// and its sender's sequence number; the receiver takes the difference into
// the latency histogram and checks the sequence (RFC 6120 §10.1 promises
// in-order delivery between two entities).
//
// After Duration nobody sends; the shard waits up to Drain for what is in
// flight, then counts what never arrived as lost. Barriers: "ready" when
// every session is bound (the parent samples the server's CPU), "done"
// after the drain (sampled again); CPU per 100k messages is their
// difference over the messages delivered.
type msgScenario struct{}

func (msgScenario) Name() string { return "msg" }

func (msgScenario) Check(c *Config) error {
	switch {
	case c.Pairs <= 0:
		return errors.New("bench: msg needs --pairs > 0")
	case c.Window <= 0:
		return errors.New("bench: msg needs --window > 0")
	}
	return nil
}

func (msgScenario) Sockets(c *Config) int { return 2 * c.Pairs }
func (msgScenario) Parts(c *Config) int   { return c.Pairs }
func (msgScenario) Units(c *Config) int64 { return 0 }

// chatter is one session of a pair; peer is the other.
type chatter struct {
	conn *Conn
	peer *chatter
	key  int
	// prefix is "<message type='chat' to='PEER' id='", built once.
	prefix []byte

	seq  uint64 // guarded by conn.wmu: the last sequence number sent
	sent Counter

	// Owned by the reading goroutine, published atomically for the drain.
	recv     Counter
	lastRecv atomic.Int64 // ns since the run's base, last message received
	lastSeq  uint64
	ooo      int64 // messages out of order or repeated
	bounced  int64
	pending  int // messages from peer received in this batch: peer's to send
	resend   int // own messages bounced in this batch: own to send
}

type msgRun struct {
	c       *Config
	env     *Env
	base    time.Time // the origin of the timestamps in message ids
	stopped atomic.Bool
	closing atomic.Bool
	rec     *Recorder
	fails   Failures
	body    string
}

func (msgScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	lo, hi := sh.Range(c.Pairs)
	np := hi - lo
	m := &msgRun{c: c, env: env, base: time.Now(), rec: NewRecorder(runtime.GOMAXPROCS(0) * 4), body: strings.Repeat("x", c.BodySize)}
	d := newDialer(c, DefaultReadBuffer)
	chatters := make([]*chatter, 2*np)
	// Big buffers catch whole batches; thousands of sessions share 64 MiB.
	chatBuf := min(ChatReadBuffer, max(DefaultReadBuffer, (64<<20)/max(2*np, 1)))
	dispatch(ctx, 2*np, sh.Part(c.Concurrency), c.Rate/float64(max(sh.Count, 1)), func(k int, _ time.Time) {
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		conn, err := d.Login(lctx, c.account(c.FirstUser+2*lo+k))
		cancel()
		if err != nil {
			m.fails.Add(err)
			return
		}
		conn.ResizeReadBuffer(chatBuf)
		chatters[k] = &chatter{conn: conn, key: k}
	})
	// Only complete pairs chat; the other half of a broken pair just leaves.
	var active []*chatter
	for p := range np {
		a, b := chatters[2*p], chatters[2*p+1]
		if a == nil || b == nil {
			for _, x := range []*chatter{a, b} {
				if x != nil {
					_ = x.conn.Close()
				}
			}
			continue
		}
		a.peer, b.peer = b, a
		active = append(active, a, b)
	}
	for _, x := range active {
		x.prefix = append(codec.AppendAttr([]byte("<message type='chat'"), "to", x.peer.conn.JID), " id='"...)
	}

	var readers sync.WaitGroup
	closeAll := func() {
		m.closing.Store(true)
		for _, x := range active {
			_ = x.conn.Close()
		}
		readers.Wait()
	}
	if err := env.Barrier(ctx, "ready"); err != nil {
		closeAll()
		return nil, err
	}

	for _, x := range active {
		readers.Go(func() { m.read(x) })
	}
	start := time.Now()
	for _, x := range active {
		if err := m.send(x, c.Window); err != nil {
			m.fails.Add(stepErr(StepSession, err))
		}
	}
	holdFor(ctx, c.Duration)
	m.stopped.Store(true)
	sendEnd := time.Now()
	// Drain: wait for what is still in flight.
	sent, recv := drain(ctx, c.Drain, func() (sent, recv int64) {
		for _, x := range active {
			sent += x.sent.Load()
			recv += x.recv.Load()
		}
		return sent, recv
	})
	end := sendEnd
	for _, x := range active {
		if t := m.base.Add(time.Duration(x.lastRecv.Load())); t.After(end) {
			end = t
		}
	}
	if err := env.Barrier(ctx, "done"); err != nil {
		closeAll()
		return nil, err
	}
	closeAll()

	res := &Result{Latency: m.rec.Histogram(), Failures: m.fails.Map(), Start: start, End: end}
	var ooo, bounced int64
	for _, x := range active {
		ooo += x.ooo
		bounced += x.bounced
	}
	res.Add("pairs_active", int64(len(active)/2))
	res.Add("sent", sent)
	res.Add("received", recv)
	res.Add("out_of_order", ooo)
	res.Add("bounced", bounced)
	res.Add("send_ms", sendEnd.Sub(start).Milliseconds())
	return res, nil
}

// send writes x's next n messages in one write.
func (m *msgRun) send(x *chatter, n int) error {
	if n <= 0 {
		return nil
	}
	b := x.conn.beginWrite()
	for range n {
		x.seq++
		b = append(b, x.prefix...)
		b = strconv.AppendUint(b, x.seq, 16)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(time.Since(m.base)), 16)
		b = append(b, "'><body>"...)
		b = append(b, m.body...)
		b = append(b, "</body></message>"...)
	}
	x.sent.Add(int64(n))
	return x.conn.endWrite(b)
}

// receive takes a message x's reader got: a message from x's peer (timed,
// sequence-checked, counted) or one of x's own bounced back. Other
// elements are ignored.
func (m *msgRun) receive(x *chatter, e codec.Element) {
	if string(e.Name()) != "message" {
		return
	}
	if string(e.Attr("type")) == "error" {
		// One of x's own messages came back: that slot is free again.
		x.bounced++
		x.resend++
		m.fails.AddReason("message:"+stanzaError(e).Cond, 1)
		return
	}
	seq, ts, ok := parseMsgID(e.Attr("id"))
	if !ok {
		return
	}
	now := time.Since(m.base)
	m.rec.Record(x.key, now-time.Duration(ts))
	if seq != x.lastSeq+1 {
		x.ooo++
	}
	x.lastSeq = max(x.lastSeq, seq)
	x.pending++
	x.recv.Add(1)
	x.lastRecv.Store(int64(now))
}

// read is x's reading goroutine.
func (m *msgRun) read(x *chatter) {
	err := x.conn.Serve(func(e codec.Element) error {
		m.receive(x, e)
		return nil
	}, func() error {
		if !m.stopped.Load() {
			if err := m.send(x.peer, x.pending); err != nil {
				return err
			}
			if err := m.send(x, x.resend); err != nil {
				return err
			}
		}
		if x.pending > 0 {
			m.env.Done(int64(x.pending))
		}
		x.pending, x.resend = 0, 0
		return nil
	})
	if !m.closing.Load() {
		m.fails.Add(stepErr(StepSession, err))
	}
}

// parseMsgID reads "SEQ-TS", both hexadecimal, from a message id.
func parseMsgID(id []byte) (seq uint64, ts int64, ok bool) {
	i := 0
	for i < len(id) && id[i] != '-' {
		i++
	}
	if i == len(id) {
		return 0, 0, false
	}
	seq, ok1 := parseHex(id[:i])
	t, ok2 := parseHex(id[i+1:])
	return seq, int64(t), ok1 && ok2
}

func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

func (msgScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("pairs", int64(c.Pairs), "")
	rep.Params.Add("window", int64(c.Window), "")
	rep.Params.Add("duration", c.Duration.String(), "")
	rep.Params.Add("body_size", int64(c.BodySize), "B")
	commonParams(c, rep)
	sent, recv := r.Counts["sent"], r.Counts["received"]
	lost := sent - recv
	rep.Counts["lost"] = lost
	rep.LatencyOf = "delivery"
	rep.Metrics.Add("pairs_active", r.Counts["pairs_active"], "")
	rep.Metrics.Add("sent", sent, "")
	rep.Metrics.Add("delivered", recv, "")
	rep.Metrics.Add("lost", lost, "")
	rep.Metrics.Add("out_of_order", r.Counts["out_of_order"], "")
	rep.Metrics.Add("delivered_per_s", perUnit(float64(recv), r.Elapsed().Seconds()), "1/s")
	if cpu, _, ok := s.Delta("ready", "done"); ok {
		rep.Metrics.Add("server_cpu_per_100k_msgs", perUnit(cpu*1e5, float64(recv)), "s")
		rep.Metrics.Add("server_cpu_utilisation", perUnit(cpu, r.Elapsed().Seconds()), "cores")
	}
	addServerRSS(s, rep)
	rep.OK = totalFailures(r.Failures) == 0 && lost == 0 && r.Counts["out_of_order"] == 0 &&
		r.Counts["pairs_active"] == int64(c.Pairs)
}
