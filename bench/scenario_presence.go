package bench

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"xmppd/codec"
)

// presenceScenario: Users users, each with a mutual roster of Contacts
// (the ring of provision.go), all online; each changes its presence (show
// and status) once per PresenceInterval for Duration. The server fans every
// change out to the user's Contacts contacts, so the run should deliver
// exactly changes × Contacts presence stanzas; what is missing is lost.
//
// Accounts and rosters come from the provisioning API when Config.API is
// set (one POST and one PUT per user). Without it the scenario registers
// in band (XEP-0077) and runs the subscription handshakes of RFC 6121 §3:
// every user asks each contact it is not yet mutually subscribed with, and
// every user approves every request it receives.
//
// The change's send time travels in its status as Unix nanoseconds: the
// sender and the receiver may be in different worker processes, so the
// wall clock is the only one they share (on one machine it is the same
// clock). One goroutine per shard sends every user's changes on a
// staggered schedule; each socket's reader counts what arrives.
//
// Barriers: "provisioned" (accounts and rosters exist), "loggedin" (every
// session bound), "subscribed" (handshakes done), "ready" (everyone
// available and the initial presence storm settled: CPU sampled), "sent"
// (nobody sends any more), "done" (drained: CPU sampled again).
type presenceScenario struct{}

func (presenceScenario) Name() string { return "presence" }

func (presenceScenario) Check(c *Config) error {
	switch {
	case c.Users <= 1:
		return errors.New("bench: presence needs --users > 1")
	case c.Contacts <= 0:
		return errors.New("bench: presence needs --contacts > 0")
	case c.PresenceInterval <= 0:
		return errors.New("bench: presence needs --presence-interval > 0")
	}
	_, err := contactOffsets(c.Users, c.Contacts)
	return err
}

func (presenceScenario) Sockets(c *Config) int { return c.Users }
func (presenceScenario) Parts(c *Config) int   { return c.Users }
func (presenceScenario) Units(c *Config) int64 { return 0 }

// presUser is one online user of a presence run.
type presUser struct {
	conn *Conn
	idx  int    // ring index in [0, Users)
	bare []byte // own bare JID, to tell the server's echo from a contact's
	// want holds the bare JIDs of contacts not yet mutually subscribed
	// (in-band set-up only); owned by the reader until subscribed is set.
	want       map[string]bool
	contacts   []string // bare JIDs of the contacts (in-band set-up only)
	subscribed atomic.Bool
	seq        uint64 // sender goroutine only
	// since is when the session's login began (unix ns; 0 for sessions of
	// the set-up): a change sent before it that arrives is the answer to
	// the login's presence probe, not a delivery.
	since int64
}

// presRun is the state of one shard's presence (or mixed) run.
type presRun struct {
	c     *Config
	rec   *Recorder // presence delivery latency
	fails Failures

	recv, self Counter
	seen       Counter      // every available presence, measured or not
	lastRecv   atomic.Int64 // unix ns of the last delivery
	counting   atomic.Bool  // deliveries are counted only in the measured phase
	closing    atomic.Bool
	// delivered, when set, is called by u's reader after each measured
	// delivery of a change to u (mixed tells its checked deliveries apart).
	delivered func(u *presUser, e codec.Element)
}

var presShows = [...]string{"away", "chat", "dnd", "xa"}

// appendPresence appends a presence change: a show, and a status carrying
// the sequence number and the send time.
func appendPresence(b []byte, seq uint64, now int64) []byte {
	b = append(b, "<presence><show>"...)
	b = append(b, presShows[seq%uint64(len(presShows))]...)
	b = append(b, "</show><status>xb "...)
	b = strconv.AppendUint(b, seq, 16)
	b = append(b, ' ')
	b = strconv.AppendInt(b, now, 16)
	return append(b, "</status></presence>"...)
}

// parsePresenceStatus reads the send time from a status appendPresence
// wrote.
func parsePresenceStatus(st []byte) (ts int64, ok bool) {
	rest, ok := bytes.CutPrefix(st, []byte("xb "))
	if !ok {
		return 0, false
	}
	i := bytes.IndexByte(rest, ' ')
	if i < 0 {
		return 0, false
	}
	t, ok := parseHex(rest[i+1:])
	return int64(t), ok
}

// handle is a presence user's element handler: it counts and times
// presence changes, approves subscription requests, and tracks the
// roster's mutual subscriptions during an in-band set-up.
func (p *presRun) handle(u *presUser, e codec.Element) error {
	switch string(e.Name()) {
	case "presence":
		switch string(e.Attr("type")) {
		case "":
			p.seen.Add(1)
			st := e.Child("status", nsClient)
			if st.IsZero() {
				return nil
			}
			ts, ok := parsePresenceStatus(st.Text())
			if !ok || !p.counting.Load() || ts < u.since {
				return nil
			}
			if from := e.Attr("from"); len(from) > len(u.bare) && bytes.HasPrefix(from, u.bare) && from[len(u.bare)] == '/' {
				p.self.Add(1)
				return nil
			}
			now := time.Now().UnixNano()
			p.rec.Record(u.idx, time.Duration(now-ts))
			p.recv.Add(1)
			p.lastRecv.Store(now)
			if p.delivered != nil {
				p.delivered(u, e)
			}
		case "subscribe":
			from := e.Attr("from")
			if i := bytes.IndexByte(from, '/'); i >= 0 {
				from = from[:i]
			}
			b := append(u.conn.beginWrite(), "<presence type='subscribed'"...)
			b = codec.AppendAttr(b, "to", from)
			return u.conn.endWrite(append(b, "/>"...))
		}
	case "iq":
		if u.want == nil || u.subscribed.Load() {
			return nil
		}
		q := e.Child("query", nsRoster)
		if q.IsZero() {
			return nil
		}
		for it := range q.Children() {
			if it.Is("item", nsRoster) && string(it.Attr("subscription")) == "both" {
				delete(u.want, string(it.Attr("jid")))
			}
		}
		if len(u.want) == 0 {
			u.subscribed.Store(true)
		}
	}
	return nil
}

// setUp brings the shard's users [lo, hi) online with their rosters in
// place; it passes the barriers "provisioned", "loggedin" and
// "subscribed". online is called with each user as soon as it is logged
// in, and must start its reader, which hands elements to p.handle. The
// users that failed are nil.
func (p *presRun) setUp(ctx context.Context, env *Env, sh Shard, lo, hi int, online func(u *presUser)) ([]*presUser, error) {
	c := p.c
	offs, err := contactOffsets(c.Users, c.Contacts)
	if err != nil {
		return nil, err
	}
	if c.API != "" {
		provisionAPI(ctx, c, lo, hi, offs, &p.fails)
	} else {
		registerInBand(ctx, c, sh, lo, hi, &p.fails)
	}
	if err := env.Barrier(ctx, "provisioned"); err != nil {
		return nil, err
	}
	d := newDialer(c, DefaultReadBuffer)
	users := make([]*presUser, hi-lo)
	dispatch(ctx, hi-lo, sh.Part(c.Concurrency), c.Rate/float64(max(sh.Count, 1)), func(k int, _ time.Time) {
		i := lo + k
		a := c.account(c.FirstUser + i)
		// Available at once: servers deliver subscription requests only
		// to available resources (RFC 6121 §3.1.3).
		a.Roster, a.Presence = false, true
		lctx, cancel := context.WithTimeout(ctx, c.Timeout)
		conn, err := d.Login(lctx, a)
		cancel()
		if err != nil {
			p.fails.Add(err)
			return
		}
		u := &presUser{conn: conn, idx: i, bare: []byte(c.Username(c.FirstUser+i) + "@" + c.Domain)}
		if c.API == "" && len(offs) > 0 {
			u.want = make(map[string]bool, len(offs))
			for _, off := range offs {
				j := c.Username(c.FirstUser+contactOf(i, off, c.Users)) + "@" + c.Domain
				u.want[j] = true
				u.contacts = append(u.contacts, j)
			}
		} else {
			u.subscribed.Store(true)
		}
		users[k] = u
		env.Done(1)
		online(u)
	})
	if err := env.Barrier(ctx, "loggedin"); err != nil {
		return users, err
	}
	if c.API == "" {
		p.subscribeInBand(ctx, users)
	}
	if err := env.Barrier(ctx, "subscribed"); err != nil {
		return users, err
	}
	return users, nil
}

// subscribeInBand asks for the subscriptions that are not yet mutual and
// waits (up to Timeout) until every roster shows them all as both.
func (p *presRun) subscribeInBand(ctx context.Context, users []*presUser) {
	for _, u := range users {
		if u == nil {
			continue
		}
		// The roster result passes through handle, which strikes the
		// contacts already mutual off want; then ask the others. Asking
		// one already subscribed is harmless.
		b := append(u.conn.beginWrite(), "<iq type='get' id='xbroster'><query xmlns='"+nsRoster+"'/></iq>"...)
		for _, j := range u.contacts {
			b = append(b, "<presence type='subscribe'"...)
			b = codec.AppendAttr(b, "to", []byte(j))
			b = append(b, "/>"...)
		}
		if err := u.conn.endWrite(b); err != nil {
			p.fails.Add(stepErr(StepRoster, err))
		}
	}
	deadline := time.Now().Add(p.c.Timeout)
	for {
		done := true
		for _, u := range users {
			if u != nil && !u.subscribed.Load() {
				done = false
				break
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			for _, u := range users {
				if u != nil && !u.subscribed.Load() {
					p.fails.AddReason("subscribe:timeout", 1)
				}
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitCount waits until count reaches want, at most limit.
func awaitCount(ctx context.Context, want int64, limit time.Duration, count func() int64) {
	deadline := time.Now().Add(limit)
	for count() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond) // polling an atomic counter, bounded by limit
	}
}

// settle waits until no presence has arrived for a while (the storm of
// initial presence and probe answers after everyone came online), at most
// max.
func settle(ctx context.Context, quiet, limit time.Duration, last func() int64) {
	deadline := time.Now().Add(limit)
	prev, since := last(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(quiet / 5)
		if n := last(); n != prev {
			prev, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
	}
}

// registerInBand creates accounts [lo, hi) by in-band registration, one
// stream per account; an account that exists is fine.
func registerInBand(ctx context.Context, c *Config, sh Shard, lo, hi int, fails *Failures) {
	d := newDialer(c, DefaultReadBuffer)
	dispatch(ctx, hi-lo, min(sh.Part(c.Concurrency), 32), 0, func(k int, _ time.Time) {
		rctx, cancel := context.WithTimeout(ctx, c.Timeout)
		defer cancel()
		conn, err := d.Open(rctx)
		if err != nil {
			fails.Add(stepErr(StepRegister, err))
			return
		}
		stop := conn.watch(rctx)
		err = conn.Register(c.Username(c.FirstUser+lo+k), c.Password)
		stop()
		_ = conn.Close()
		var se *StanzaError
		if err != nil && !(errors.As(err, &se) && se.Cond == "conflict") {
			fails.Add(err)
		}
	})
}

// sendChanges sends every user's presence changes, one per interval per
// user, staggered over the interval, until stop is closed.
func sendChanges(users []*presUser, interval time.Duration, stop <-chan struct{}, fails *Failures) (sent int64) {
	var live []*presUser
	for _, u := range users {
		if u != nil {
			live = append(live, u)
		}
	}
	runCadences(stop, &cadence{rate: float64(len(live)) / interval.Seconds(), fire: func(n int64) {
		if err := live[n%int64(len(live))].sendChange(); err != nil {
			fails.Add(stepErr(StepSession, err))
			return
		}
		sent++
	}})
	return sent
}

// sendChange sends u's next presence change; only one goroutine at a time
// may send u's changes.
func (u *presUser) sendChange() error {
	u.seq++
	return u.conn.endWrite(appendPresence(u.conn.beginWrite(), u.seq, time.Now().UnixNano()))
}

func (presenceScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	lo, hi := sh.Range(c.Users)
	p := &presRun{c: c, rec: NewRecorder(runtime.GOMAXPROCS(0) * 4)}
	var readers sync.WaitGroup
	users, err := p.setUp(ctx, env, sh, lo, hi, func(u *presUser) {
		readers.Go(func() {
			err := u.conn.Serve(func(e codec.Element) error { return p.handle(u, e) }, nil)
			if !p.closing.Load() {
				p.fails.Add(stepErr(StepSession, err))
			}
		})
	})
	closeAll := func() {
		p.closing.Store(true)
		for _, u := range users {
			if u != nil {
				_ = u.conn.Close()
			}
		}
		readers.Wait()
	}
	if err != nil {
		closeAll()
		return nil, err
	}
	// Let the initial presence storm pass before measuring; a presence
	// probe's answer carries no timestamp, so only the quiet matters.
	settle(ctx, 300*time.Millisecond, 3*time.Second, p.seen.Load)
	if err := env.Barrier(ctx, "ready"); err != nil {
		closeAll()
		return nil, err
	}
	p.counting.Store(true)

	start := time.Now()
	sent := sendChanges(users, c.PresenceInterval, stopAfter(ctx, c.Duration), &p.fails)
	if err := env.Barrier(ctx, "sent"); err != nil {
		closeAll()
		return nil, err
	}
	if sh.Count <= 1 {
		// One shard holds every user, so it knows exactly how many
		// deliveries to expect: wait for them (bounded by --drain) rather
		// than for a quiet spell, which a loaded machine can outlast.
		awaitCount(ctx, sent*int64(c.Contacts), c.Drain, p.recv.Load)
	} else {
		// Contacts span shards: no shard knows its own count.
		settle(ctx, 500*time.Millisecond, c.Drain, p.recv.Load)
	}
	end := start
	if l := p.lastRecv.Load(); l > 0 {
		end = time.Unix(0, l)
	}
	if err := env.Barrier(ctx, "done"); err != nil {
		closeAll()
		return nil, err
	}
	closeAll()
	online := int64(0)
	for _, u := range users {
		if u != nil {
			online++
		}
	}
	res := &Result{Latency: p.rec.Histogram(), Failures: p.fails.Map(), Start: start, End: end}
	res.Add("online", online)
	res.Add("changes_sent", sent)
	res.Add("expected", sent*int64(c.Contacts))
	res.Add("received", p.recv.Load())
	res.Add("self_echoes", p.self.Load())
	return res, nil
}

// addProvisioning reports how accounts and rosters were set up: "api"
// with --api, "in-band" otherwise.
func addProvisioning(c *Config, rep *Report) {
	provisioning := "in-band"
	if c.API != "" {
		provisioning = "api"
	}
	rep.Params.Add("provisioning", provisioning, "")
}

func (presenceScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("users", int64(c.Users), "")
	rep.Params.Add("contacts", int64(c.Contacts), "")
	rep.Params.Add("presence_interval", c.PresenceInterval.String(), "")
	rep.Params.Add("duration", c.Duration.String(), "")
	addProvisioning(c, rep)
	commonParams(c, rep)
	exp, recv := r.Counts["expected"], r.Counts["received"]
	lost := exp - recv
	rep.Counts["lost"] = lost
	rep.LatencyOf = "presence"
	rep.Metrics.Add("online", r.Counts["online"], "")
	rep.Metrics.Add("changes_sent", r.Counts["changes_sent"], "")
	rep.Metrics.Add("deliveries_expected", exp, "")
	rep.Metrics.Add("deliveries", recv, "")
	rep.Metrics.Add("lost", lost, "")
	rep.Metrics.Add("deliveries_per_s", perUnit(float64(recv), r.Elapsed().Seconds()), "1/s")
	if cpu, _, ok := s.Delta("ready", "done"); ok {
		rep.Metrics.Add("server_cpu_per_100k_deliveries", perUnit(cpu*1e5, float64(recv)), "s")
		rep.Metrics.Add("server_cpu_utilisation", perUnit(cpu, r.Elapsed().Seconds()), "cores")
	}
	addServerRSS(s, rep)
	rep.OK = totalFailures(r.Failures) == 0 && lost == 0 && r.Counts["online"] == int64(c.Users)
}
