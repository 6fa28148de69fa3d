package bench

import (
	"context"
	"errors"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"xmppd/codec"
)

// mixedScenario is a messenger's ordinary hour, the NKtalk workload in
// small: Users sessions held for Duration, most of them idle; a
// ChatFraction of them chatting in pairs, each sending a message every
// ChatInterval; everyone changing presence every PresenceInterval, fanned
// out by the server to mutual rosters of Contacts (the ring of
// provision.go); and ChurnRate sessions a second logging out, each followed
// by a fresh login of the same account (roster, initial presence), so the
// number of sessions stays at Users.
//
// # Who does what
//
// Accounts pair up into couples (2q, 2q+1). Exactly round(ChatFraction ×
// Users / 2) couples chat, spread evenly over the accounts; the others are
// idle. Churn draws, round-robin, from the second account of every idle
// couple: half the idle users. The others, chatters included, are stable:
// online from the first login to the end. A shard takes whole couples, so
// both ends of a chat share a process and its monotonic clock, which the
// message ids carry as in msg.
//
// # What must arrive
//
// Messages flow between stable users only, so every message sent must be
// delivered: lost is sent − delivered, and must be 0. A presence change
// reaches whichever contacts are online when the server fans it out, which
// for a churning contact is a matter of timing; so the loss check counts
// what each change owes to its stable contacts in the sender's own shard,
// which each shard can await exactly, and every other delivery is counted
// and timed without being owed. A delivery whose send time precedes the
// receiving session's login is the answer to that login's presence probe,
// not a delivery, and is not counted.
//
// # Cost on the client
//
// One reader per socket, as in idle (an idle session reads through a
// 512-byte buffer); one goroutine per shard fires every presence change,
// chat message and churn on its schedule (runCadences), which also orders a
// user's last presence change before its logout; one goroutine per churn
// in progress.
//
// Barriers: "provisioned", "loggedin", "subscribed" (as presence),
// "ready" (initial presence storm settled: CPU sampled), "sent" (nothing
// more is sent, every relogin has ended), "done" (drained: CPU sampled).
type mixedScenario struct{}

func (mixedScenario) Name() string { return "mixed" }

// Defaults are those of a mostly idle messenger: 95 % of the users idle,
// the chatters writing every 10 s, a presence change per user every 5
// minutes to 10 contacts, and 5 relogins a second, for a minute.
func (mixedScenario) Defaults(c *Config) {
	c.Duration = time.Minute
	c.ChatFraction = 0.05
	c.ChatInterval = 10 * time.Second
	c.PresenceInterval = 5 * time.Minute
	c.Contacts = 10
	c.ChurnRate = 5
}

func (mixedScenario) Check(c *Config) error {
	if c.Users <= 1 {
		return errors.New("bench: mixed needs --users > 1")
	}
	_, err := contactOffsets(c.Users, c.Contacts)
	return err
}

func (mixedScenario) Sockets(c *Config) int { return c.Users }
func (mixedScenario) Parts(c *Config) int   { return (c.Users + 1) / 2 }
func (mixedScenario) Units(c *Config) int64 { return 0 }

// mixedRange is a shard's users: whole couples.
func mixedRange(c *Config, sh Shard) (lo, hi int) {
	qlo, qhi := sh.Range((c.Users + 1) / 2)
	return 2 * qlo, min(2*qhi, c.Users)
}

// mixedRoles tells every account's part from its index alone, so that all
// shards agree on everyone's.
type mixedRoles struct {
	couples  int // whole couples; with an odd Users the last user has no partner
	chatting int // couples that chat
}

func newMixedRoles(c *Config) mixedRoles {
	q := c.Users / 2
	return mixedRoles{couples: q, chatting: min(q, int(math.Round(c.ChatFraction*float64(c.Users)/2)))}
}

// chats reports whether user i chats with user i^1: couple q chats when
// the running share q×chatting/couples steps up at q, which spreads the
// chatting couples evenly.
func (r mixedRoles) chats(i int) bool {
	q := i / 2
	return q < r.couples && (q+1)*r.chatting/r.couples > q*r.chatting/r.couples
}

// churns reports whether user i is in the churn pool.
func (r mixedRoles) churns(i int) bool { return i%2 == 1 && !r.chats(i) }

// Session states of a mixed user. Only the shard's scheduler moves a user
// into mixLeaving, and it writes to online users only, so nothing it
// sends can follow a churning session's end of stream.
const (
	mixOffline int32 = iota // never logged in, dropped, or a relogin failed
	mixOnline
	mixLeaving // being logged out and in again
)

// mixUser is one user of a mixed run.
type mixUser struct {
	*presUser
	chat *chatter // chatters only; chat.conn is the session's
	// owed is what each of the user's presence changes owes the checked
	// count: its stable contacts in this shard.
	owed  int64
	state atomic.Int32
	// done is closed when the current session's reader has returned,
	// with its error in exit; both are replaced at each login.
	done chan struct{}
	exit error
	pend int // reader only: elements not yet reported as progress
}

// mixRun is one shard's mixed run.
type mixRun struct {
	c      *Config
	sh     Shard
	env    *Env
	roles  mixedRoles
	lo, hi int // the shard's users
	p      *presRun
	m      *msgRun
	d      *Dialer // for relogins
	users  []*mixUser

	readers, churners sync.WaitGroup
	loginRec          *Recorder
	logins, loginsFailed, logouts, dropped,
	checked Counter

	// The scheduler's, then read after it has stopped.
	cursor       int // next candidate in the churn pool
	churnSkipped int64
	changes      int64
	owed         int64
}

func (mixedScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	offs, err := contactOffsets(c.Users, c.Contacts)
	if err != nil {
		return nil, err
	}
	lo, hi := mixedRange(c, sh)
	stripes := runtime.GOMAXPROCS(0) * 4
	r := &mixRun{
		c: c, sh: sh, env: env, roles: newMixedRoles(c), lo: lo, hi: hi,
		p:        &presRun{c: c, rec: NewRecorder(stripes)},
		m:        &msgRun{c: c, env: env, base: time.Now(), rec: NewRecorder(stripes), body: strings.Repeat("x", c.BodySize)},
		d:        newDialer(c, DefaultReadBuffer),
		users:    make([]*mixUser, hi-lo),
		loginRec: NewRecorder(stripes),
	}
	// Relogins repeat accounts: keep the client's SCRAM keys, as real
	// clients do, so that its PBKDF2 does not pace the churn.
	r.d.CacheSCRAM = true
	r.p.delivered = r.delivered
	if _, err := r.p.setUp(ctx, env, sh, lo, hi, func(u *presUser) { r.joined(u, offs) }); err != nil {
		r.closeAll()
		return nil, err
	}
	chatters := r.pairUp()
	// As in presence: let the initial presence storm pass before measuring.
	settle(ctx, 300*time.Millisecond, 3*time.Second, r.p.seen.Load)
	if err := env.Barrier(ctx, "ready"); err != nil {
		r.closeAll()
		return nil, err
	}
	r.p.counting.Store(true)

	start := time.Now()
	r.schedule(ctx, stopAfter(ctx, c.Duration), chatters)
	r.churners.Wait()
	end := time.Now()
	var online int64
	for _, u := range r.users {
		if u != nil && u.state.Load() == mixOnline {
			online++
		}
	}
	if err := env.Barrier(ctx, "sent"); err != nil {
		r.closeAll()
		return nil, err
	}
	// Both counts are exact for this shard: wait for them, bounded by
	// --drain.
	var sent int64
	for _, u := range chatters {
		sent += u.chat.sent.Load()
	}
	msgRecv := func() int64 {
		var n int64
		for _, u := range chatters {
			n += u.chat.recv.Load()
		}
		return n
	}
	drainEnd := time.Now().Add(c.Drain)
	awaitCount(ctx, sent, c.Drain, msgRecv)
	awaitCount(ctx, r.owed, time.Until(drainEnd), r.checked.Load)
	recv := msgRecv()
	if err := env.Barrier(ctx, "done"); err != nil {
		r.closeAll()
		return nil, err
	}
	r.closeAll()

	res := &Result{Latency: r.m.rec.Histogram(), Failures: r.p.fails.Map(), Start: start, End: end}
	res.Merge(&Result{Failures: r.m.fails.Map()})
	res.AddHistogram("presence", r.p.rec.Histogram())
	res.AddHistogram("login", r.loginRec.Histogram())
	var ooo, bounced int64
	for _, u := range chatters {
		ooo += u.chat.ooo
		bounced += u.chat.bounced
	}
	res.Add("online", online)
	res.Add("dropped", r.dropped.Load())
	res.Add("chatters", int64(len(chatters)))
	res.Add("msgs_sent", sent)
	res.Add("msgs_received", recv)
	res.Add("out_of_order", ooo)
	res.Add("bounced", bounced)
	res.Add("changes_sent", r.changes)
	res.Add("presence_received", r.p.recv.Load())
	res.Add("presence_self", r.p.self.Load())
	res.Add("presence_owed", r.owed)
	res.Add("presence_checked", r.checked.Load())
	res.Add("logouts", r.logouts.Load())
	res.Add("logins", r.logins.Load())
	res.Add("logins_failed", r.loginsFailed.Load())
	res.Add("churn_skipped", r.churnSkipped)
	return res, nil
}

// joined takes a user the set-up has logged in (on a set-up goroutine).
func (r *mixRun) joined(pu *presUser, offs []int) {
	i := pu.idx
	u := &mixUser{presUser: pu}
	for _, off := range offs {
		if j := contactOf(i, off, r.c.Users); j >= r.lo && j < r.hi && !r.roles.churns(j) {
			u.owed++
		}
	}
	if r.roles.chats(i) {
		u.chat = &chatter{conn: pu.conn, key: i - r.lo}
	} else {
		pu.conn.Trim()
	}
	r.users[i-r.lo] = u
	r.serve(u)
}

// pairUp links the chatting couples whose both ends are online and returns
// their users; the survivor of a broken couple stays idle.
func (r *mixRun) pairUp() []*mixUser {
	var out []*mixUser
	for k := 0; k+1 < len(r.users); k += 2 {
		a, b := r.users[k], r.users[k+1]
		if a == nil || b == nil || a.chat == nil || b.chat == nil {
			continue
		}
		a.chat.peer, b.chat.peer = b.chat, a.chat
		for _, x := range []*chatter{a.chat, b.chat} {
			x.prefix = append(codec.AppendAttr([]byte("<message type='chat'"), "to", x.peer.conn.JID), " id='"...)
		}
		out = append(out, a, b)
	}
	return out
}

// serve marks u's new session online and starts its reader.
func (r *mixRun) serve(u *mixUser) {
	conn, done := u.conn, make(chan struct{})
	u.done = done
	u.state.Store(mixOnline)
	r.readers.Go(func() {
		err := conn.Serve(func(e codec.Element) error {
			u.pend++
			if u.chat != nil && string(e.Name()) == "message" {
				r.m.receive(u.chat, e)
				return nil
			}
			return r.p.handle(u.presUser, e)
		}, func() error {
			if u.pend > 0 {
				r.env.Done(int64(u.pend))
				u.pend = 0
			}
			if x := u.chat; x != nil {
				x.pending, x.resend = 0, 0 // mixed sends on a schedule, not in reply
			}
			return nil
		})
		// A session that ends while online, and not because the run
		// does, was dropped by the server.
		if u.state.CompareAndSwap(mixOnline, mixOffline) && !r.p.closing.Load() {
			r.dropped.Add(1)
			r.p.fails.Add(stepErr(StepSession, err))
		}
		u.exit = err
		close(done)
	})
}

// delivered counts a measured presence delivery to u that the loss check
// owes: to a stable user, from a sender of this shard.
func (r *mixRun) delivered(pu *presUser, e codec.Element) {
	if r.roles.churns(pu.idx) {
		return
	}
	if j, ok := r.c.userIndex(e.Attr("from")); ok && j >= r.lo && j < r.hi {
		r.checked.Add(1)
	}
}

// userIndex is the index (FirstUser taken off) of the account a JID
// names, if it is one of the run's.
func (c *Config) userIndex(jid []byte) (int, bool) {
	p := c.UserPrefix
	if len(jid) <= len(p) || string(jid[:len(p)]) != p {
		return 0, false
	}
	n, k := 0, len(p)
	for ; k < len(jid) && k-len(p) < 10 && jid[k] >= '0' && jid[k] <= '9'; k++ {
		n = n*10 + int(jid[k]-'0')
	}
	if k == len(p) || k == len(jid) || jid[k] != '@' {
		return 0, false
	}
	return n - c.FirstUser, true
}

// schedule fires the shard's presence changes, chat messages and churn
// until stop is closed.
func (r *mixRun) schedule(ctx context.Context, stop <-chan struct{}, chatters []*mixUser) {
	var live, pool []*mixUser
	for _, u := range r.users {
		if u == nil {
			continue
		}
		live = append(live, u)
		if r.roles.churns(u.idx) {
			pool = append(pool, u)
		}
	}
	presence := &cadence{rate: float64(len(live)) / r.c.PresenceInterval.Seconds(), fire: func(n int64) {
		u := live[n%int64(len(live))]
		if u.state.Load() != mixOnline {
			return // logging in again: it shows its presence when it is back
		}
		if err := u.sendChange(); err != nil {
			r.p.fails.Add(stepErr(StepSession, err))
			return
		}
		r.changes++
		r.owed += u.owed
	}}
	chat := &cadence{rate: float64(len(chatters)) / r.c.ChatInterval.Seconds(), fire: func(n int64) {
		u := chatters[n%int64(len(chatters))]
		if u.state.Load() != mixOnline {
			return // dropped, and counted so
		}
		if err := r.m.send(u.chat, 1); err != nil {
			r.p.fails.Add(stepErr(StepSession, err))
		}
	}}
	churn := &cadence{fire: func(int64) { r.churnNext(ctx, pool) }}
	if len(pool) > 0 {
		churn.rate = r.c.ChurnRate / float64(max(r.sh.Count, 1))
	}
	runCadences(stop, presence, chat, churn)
}

// churnNext starts the relogin of the next user of the pool that is not
// already in one: a logout and a login when it is online, a login when a
// previous one failed or the server dropped it.
func (r *mixRun) churnNext(ctx context.Context, pool []*mixUser) {
	for range pool {
		u := pool[r.cursor]
		r.cursor = (r.cursor + 1) % len(pool)
		online := u.state.CompareAndSwap(mixOnline, mixLeaving)
		if online || u.state.CompareAndSwap(mixOffline, mixLeaving) {
			r.churners.Go(func() { r.relogin(ctx, u, online) })
			return
		}
	}
	r.churnSkipped++ // every user of the pool is between sessions
}

// relogin ends u's session, when it has one, and logs it in again.
func (r *mixRun) relogin(ctx context.Context, u *mixUser, online bool) {
	if online {
		r.logout(ctx, u)
	}
	a := r.c.account(r.c.FirstUser + u.idx)
	a.Roster, a.Presence = true, true // a client coming back: contact list, then presence
	start := time.Now()
	u.since = start.UnixNano()
	lctx, cancel := context.WithTimeout(ctx, r.c.Timeout)
	conn, err := r.d.Login(lctx, a)
	cancel()
	if err != nil {
		r.loginsFailed.Add(1)
		r.p.fails.Add(err)
		u.state.Store(mixOffline)
		return
	}
	r.loginRec.Record(u.idx, time.Since(start))
	r.logins.Add(1)
	r.env.Done(1)
	conn.Trim()
	u.conn = conn
	r.serve(u)
}

// logout ends u's stream and waits, up to Timeout, for the server to end
// its own (RFC 6120 §4.4), as a client that logs out does.
func (r *mixRun) logout(ctx context.Context, u *mixUser) {
	err := u.conn.send("</stream:stream>")
	if err == nil {
		t := time.NewTimer(r.c.Timeout)
		select {
		case <-u.done:
		case <-t.C:
			err = context.DeadlineExceeded
		case <-ctx.Done():
			err = ctx.Err()
		}
		t.Stop()
	}
	u.conn.abort()
	<-u.done
	if err == nil && !errors.Is(u.exit, ErrStreamClosed) && !errors.Is(u.exit, io.EOF) {
		err = u.exit
	}
	if err != nil {
		r.p.fails.Add(stepErr(StepLogout, err))
		return
	}
	r.logouts.Add(1)
}

// closeAll ends every session at the end of the run (or on an error).
func (r *mixRun) closeAll() {
	r.p.closing.Store(true)
	for _, u := range r.users {
		if u != nil && u.state.Load() == mixOnline {
			_ = u.conn.Close()
		}
	}
	r.readers.Wait()
}

func (mixedScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("users", int64(c.Users), "")
	rep.Params.Add("contacts", int64(c.Contacts), "")
	rep.Params.Add("chatters", c.ChatFraction, "")
	rep.Params.Add("chat_interval", c.ChatInterval.String(), "")
	rep.Params.Add("presence_interval", c.PresenceInterval.String(), "")
	rep.Params.Add("churn_rate", c.ChurnRate, "1/s")
	rep.Params.Add("duration", c.Duration.String(), "")
	rep.Params.Add("body_size", int64(c.BodySize), "B")
	addProvisioning(c, rep)
	commonParams(c, rep)

	el := r.Elapsed().Seconds()
	n := r.Counts
	lost := n["msgs_sent"] - n["msgs_received"]
	presLost := n["presence_owed"] - n["presence_checked"]
	rep.Counts["lost"] = lost
	rep.Counts["presence_lost"] = presLost
	rep.LatencyOf = "message delivery"
	rep.Metrics.Add("sessions_online", n["online"], "")
	rep.Metrics.Add("sessions_dropped", n["dropped"], "")
	rep.Metrics.Add("chatters", n["chatters"], "")
	rep.Metrics.Add("msgs_sent", n["msgs_sent"], "")
	rep.Metrics.Add("msgs_delivered", n["msgs_received"], "")
	rep.Metrics.Add("msgs_lost", lost, "")
	rep.Metrics.Add("msgs_out_of_order", n["out_of_order"], "")
	rep.Metrics.Add("msgs_delivered_per_s", perUnit(float64(n["msgs_received"]), el), "1/s")
	rep.Metrics.Add("presence_changes", n["changes_sent"], "")
	rep.Metrics.Add("presence_deliveries", n["presence_received"], "")
	rep.Metrics.Add("presence_deliveries_per_s", perUnit(float64(n["presence_received"]), el), "1/s")
	rep.Metrics.Add("presence_checked", n["presence_checked"], "")
	rep.Metrics.Add("presence_lost", presLost, "")
	addPercentiles(rep, "presence_latency", r.Hist("presence"))
	rep.Metrics.Add("logouts", n["logouts"], "")
	rep.Metrics.Add("logins_ok", n["logins"], "")
	rep.Metrics.Add("logins_failed", n["logins_failed"], "")
	rep.Metrics.Add("logins_per_s", perUnit(float64(n["logins"]), el), "1/s")
	addPercentiles(rep, "login_latency", r.Hist("login"))
	rep.Metrics.Add("churn_skipped", n["churn_skipped"], "")
	a, ok1 := s.Get("ready")
	b, ok2 := s.Get("done")
	if ok1 && ok2 {
		rep.Metrics.Add("server_cpu", b.CPU-a.CPU, "s")
		rep.Metrics.Add("server_cpu_utilisation", perUnit(b.CPU-a.CPU, b.At.Sub(a.At).Seconds()), "cores")
	}
	if _, rss, ok := s.Delta("start", "ready"); ok {
		rep.Metrics.Add("server_bytes_per_session", perUnit(float64(rss), float64(n["online"])), "B")
	}
	addServerRSS(s, rep)
	rep.OK = totalFailures(r.Failures) == 0 && lost == 0 && presLost == 0 && n["out_of_order"] == 0 &&
		n["online"] == int64(c.Users)
}

// addPercentiles reports a latency histogram's p50, p90, p99 and max as
// metrics NAME_p50 ... (nothing when it is empty).
func addPercentiles(rep *Report, name string, h *Histogram) {
	l := h.Summary()
	if l == nil {
		return
	}
	rep.Metrics.Add(name+"_p50", l.P50, "ms")
	rep.Metrics.Add(name+"_p90", l.P90, "ms")
	rep.Metrics.Add(name+"_p99", l.P99, "ms")
	rep.Metrics.Add(name+"_max", l.Max, "ms")
}
