package bench

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"xmppd/codec"
)

// boshScenario holds Users BOSH sessions (accounts 0 .. Users-1, logged in
// with Mech like the TCP partners) for Duration, each with one request
// held at the server, and measures what they cost the server (RSS, with
// --pid). Meanwhile the first Pairs of them (10 by default) each have a
// TCP partner (accounts Users .. Users+Pairs-1) that plays ping-pong with
// them: the partner sends a chat message to the BOSH session, which echoes
// it back, and the partner sends the next one when the echo arrives. The
// latency is the round trip, TCP -> BOSH -> TCP, timed on the partner's
// monotonic clock (the time travels in the id).
//
// With --api the accounts are created through the provisioning API;
// otherwise they must exist (run register for Users+Pairs accounts).
//
// Barriers: "connected" once every session is up (RSS sampled), "held" at
// the end of the hold (sampled again).
type boshScenario struct{}

func (boshScenario) Name() string { return "bosh" }

func (boshScenario) Check(c *Config) error {
	if c.Users <= 0 {
		return errors.New("bench: bosh needs --users > 0")
	}
	if c.BOSH == "" {
		return errors.New("bench: bosh needs --bosh URL")
	}
	return nil
}

// boshPairs is how many BOSH sessions echo to a TCP partner.
func boshPairs(c *Config) int {
	if c.Pairs > 0 {
		return min(c.Pairs, c.Users)
	}
	return min(10, c.Users)
}

func (boshScenario) Sockets(c *Config) int { return c.Users + boshPairs(c) }
func (boshScenario) Parts(c *Config) int   { return c.Users }
func (boshScenario) Units(c *Config) int64 { return int64(c.Users) }

// echoPartner is the TCP end of a BOSH echo pair.
type echoPartner struct {
	conn   *Conn
	key    int
	prefix []byte // "<message type='chat' to='BOSH JID' id='"
	seq    uint64 // reader only, after the first send
	sent   Counter
	recv   Counter
}

func (boshScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	lo, hi := sh.Range(c.Users)
	pairs := boshPairs(c)
	var fails Failures
	if c.API != "" {
		provisionAPI(ctx, c, lo, hi, nil, &fails)
		if plo, phi := max(lo, 0), min(hi, pairs); plo < phi {
			provisionAPI(ctx, c, c.Users+plo, c.Users+phi, nil, &fails)
		}
	}
	cl := NewBOSHClient(c.BOSH, c.Domain, hi-lo)
	cl.Mech = c.Mech
	defer cl.HTTP.CloseIdleConnections()
	base := time.Now()
	rec := NewRecorder(runtime.GOMAXPROCS(0) * 2)
	loginRec := NewRecorder(runtime.GOMAXPROCS(0) * 2)
	sessions := make([]*BOSHSession, hi-lo)
	var closing, stopped atomic.Bool
	var dropped, echoed Counter
	var holders sync.WaitGroup
	holdCtx, cancelHold := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHold()

	echo := func(e codec.Element, out []byte) []byte {
		if string(e.Name()) != "message" || string(e.Attr("type")) == "error" {
			return out
		}
		echoed.Add(1)
		out = append(out, "<message xmlns='"+nsClient+"' type='chat'"...)
		out = codec.AppendAttr(out, "to", e.Attr("from"))
		out = codec.AppendAttr(out, "id", e.Attr("id"))
		return append(out, "><body>echo</body></message>"...)
	}
	rampStart := time.Now()
	dispatch(ctx, hi-lo, sh.Part(c.Concurrency), c.Rate/float64(max(sh.Count, 1)), func(k int, due time.Time) {
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		s, err := cl.BOSHLogin(lctx, c.Username(c.FirstUser+lo+k), c.Password, c.Resource)
		cancel()
		env.Done(1)
		if err != nil {
			fails.Add(err)
			return
		}
		loginRec.Record(k, time.Since(due))
		sessions[k] = s
		holders.Go(func() {
			if err := s.Hold(holdCtx, echo); err != nil && !closing.Load() {
				dropped.Add(1)
				fails.Add(stepErr(StepSession, err))
			}
		})
	})
	rampEnd := time.Now()

	// The TCP partners of this shard's first sessions.
	d := newDialer(c, DefaultReadBuffer)
	var partners []*echoPartner
	var readers sync.WaitGroup
	for k := 0; k < hi-lo && lo+k < pairs; k++ {
		if sessions[k] == nil {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		conn, err := d.Login(lctx, c.account(c.FirstUser+c.Users+lo+k))
		cancel()
		if err != nil {
			fails.Add(err)
			continue
		}
		p := &echoPartner{conn: conn, key: k}
		p.prefix = append(codec.AppendAttr([]byte("<message type='chat'"), "to", []byte(sessions[k].JID)), " id='"...)
		partners = append(partners, p)
	}
	sendNext := func(p *echoPartner) error {
		p.seq++
		b := append(p.conn.beginWrite(), p.prefix...)
		b = strconv.AppendUint(b, p.seq, 16)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(time.Since(base)), 16)
		b = append(b, "'><body>ping</body></message>"...)
		p.sent.Add(1)
		return p.conn.endWrite(b)
	}
	closeAll := func() {
		closing.Store(true)
		for _, p := range partners {
			_ = p.conn.Close()
		}
		readers.Wait()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Timeout)
		defer cancel()
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64)
		for _, s := range sessions {
			if s != nil {
				sem <- struct{}{}
				wg.Go(func() {
					_ = s.Close(cctx)
					<-sem
				})
			}
		}
		wg.Wait()
		cancelHold()
		holders.Wait()
	}
	if err := env.Barrier(ctx, "connected"); err != nil {
		closeAll()
		return nil, err
	}

	holdStart := time.Now()
	for _, p := range partners {
		readers.Go(func() {
			err := p.conn.Serve(func(e codec.Element) error {
				if string(e.Name()) != "message" || string(e.Attr("type")) == "error" {
					return nil
				}
				_, ts, ok := parseMsgID(e.Attr("id"))
				if !ok {
					return nil
				}
				rec.Record(p.key, time.Since(base)-time.Duration(ts))
				p.recv.Add(1)
				if stopped.Load() {
					return nil
				}
				return sendNext(p)
			}, nil)
			if !closing.Load() {
				fails.Add(stepErr(StepSession, err))
			}
		})
		if err := sendNext(p); err != nil {
			fails.Add(stepErr(StepSession, err))
		}
	}
	holdFor(ctx, c.Duration)
	stopped.Store(true)
	sent, recv := drain(ctx, c.Drain, func() (sent, recv int64) {
		for _, p := range partners {
			sent += p.sent.Load()
			recv += p.recv.Load()
		}
		return sent, recv
	})
	holdEnd := time.Now()
	clientRSS := heldRSS()
	alive := countSet(sessions) - dropped.Load()
	if err := env.Barrier(ctx, "held"); err != nil {
		closeAll()
		return nil, err
	}
	closeAll()

	res := &Result{Latency: rec.Histogram(), Failures: fails.Map(), Start: holdStart, End: holdEnd}
	res.Add("sessions_alive", alive)
	res.Add("dropped", dropped.Load())
	res.Add("pairs_active", int64(len(partners)))
	res.Add("sent", sent)
	res.Add("received", recv)
	res.Add("echoed", echoed.Load())
	res.Add("client_rss_bytes", clientRSS)
	res.Add("ramp_ms", rampEnd.Sub(rampStart).Milliseconds())
	res.Add("shards", 1)
	res.AddHistogram("bosh_login", loginRec.Histogram())
	return res, nil
}

func (boshScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("users", int64(c.Users), "")
	rep.Params.Add("pairs", int64(boshPairs(c)), "")
	rep.Params.Add("duration", c.Duration.String(), "")
	rep.Params.Add("bosh", c.BOSH, "")
	rep.Params.Add("hold", int64(1), "")
	rep.Params.Add("wait", boshWait.String(), "")
	commonParams(c, rep)
	alive := r.Counts["sessions_alive"]
	sent, recv := r.Counts["sent"], r.Counts["received"]
	lost := sent - recv
	rep.Counts["lost"] = lost
	failed := totalFailures(r.Failures)
	rep.LatencyOf = "bosh<->tcp round-trip"
	rep.Metrics.Add("sessions_alive", alive, "")
	rep.Metrics.Add("sessions_dropped", r.Counts["dropped"], "")
	rep.Metrics.Add("logins_failed", failed-r.Counts["dropped"], "")
	ramp := rampSeconds(r)
	rep.Metrics.Add("ramp_up", ramp, "s")
	if l := r.Hist("bosh_login").Summary(); l != nil {
		rep.Metrics.Add("bosh_login_p50", l.P50, "ms")
		rep.Metrics.Add("bosh_login_p99", l.P99, "ms")
	}
	rep.Metrics.Add("pairs_active", r.Counts["pairs_active"], "")
	rep.Metrics.Add("round_trips", recv, "")
	rep.Metrics.Add("lost", lost, "")
	rep.Metrics.Add("round_trips_per_s", perUnit(float64(recv), r.Elapsed().Seconds()), "1/s")
	// The TCP partners are a handful next to the BOSH sessions; their
	// share of the growth is not taken out.
	addHoldMetrics(r, s, rep, alive)
	rep.OK = failed == 0 && lost == 0 && alive == int64(c.Users) && r.Counts["pairs_active"] == int64(boshPairs(c))
}
