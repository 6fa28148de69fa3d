package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"xmppd/codec"
)

// registerScenario bulk-creates accounts with in-band registration
// (XEP-0077), Pipeline requests in flight on each of Conns connections. An
// account that exists already counts as "exists", not as a failure, so a
// run can be repeated.
type registerScenario struct{}

func (registerScenario) Name() string { return "register" }

func (registerScenario) Check(c *Config) error {
	if c.Users <= 0 {
		return errors.New("bench: register needs --users > 0")
	}
	return nil
}

func (registerScenario) Sockets(c *Config) int { return min(c.Conns, c.Users) }
func (registerScenario) Parts(c *Config) int   { return min(c.Conns, c.Users) }
func (registerScenario) Units(c *Config) int64 { return int64(c.Users) }

func (registerScenario) Run(ctx context.Context, c *Config, sh Shard, env *Env) (*Result, error) {
	lo, hi := sh.Range(c.Users)
	conns := min(sh.Part(c.Conns), hi-lo)
	d := newDialer(c, DefaultReadBuffer)
	rec := NewRecorder(conns)
	var fails Failures
	var registered, exists Counter
	start := time.Now()
	var wg sync.WaitGroup
	for i := range conns {
		a, b := Shard{Index: i, Count: conns}.Range(hi - lo)
		wg.Go(func() {
			r := &registrar{
				c: c, env: env, rec: rec, fails: &fails, key: i,
				registered: &registered, exists: &exists,
				first: c.FirstUser + lo + a, n: b - a,
			}
			r.run(ctx, d)
		})
	}
	wg.Wait()
	res := &Result{Latency: rec.Histogram(), Failures: fails.Map(), Start: start, End: time.Now()}
	res.Add("registered", registered.Load())
	res.Add("exists", exists.Load())
	return res, nil
}

func (registerScenario) Summarize(c *Config, r *Result, s Samples, rep *Report) {
	rep.Params.Add("users", int64(c.Users), "")
	rep.Params.Add("conns", int64(c.Conns), "")
	rep.Params.Add("pipeline", int64(c.Pipeline), "")
	rep.Params.Add("tls", string(c.TLS), "")
	reg, ex := r.Counts["registered"], r.Counts["exists"]
	failed := totalFailures(r.Failures)
	rep.LatencyOf = "registration"
	rep.Metrics.Add("registered", reg, "")
	rep.Metrics.Add("already_existed", ex, "")
	rep.Metrics.Add("failed", failed, "")
	rep.Metrics.Add("registrations_per_s", perUnit(float64(reg+ex), r.Elapsed().Seconds()), "1/s")
	if cpu, _, ok := s.Delta("start", "end"); ok {
		rep.Metrics.Add("server_cpu_per_1k_registrations", perUnit(cpu*1000, float64(reg)), "s")
	}
	addServerRSS(s, rep)
	rep.OK = failed == 0 && reg+ex == int64(c.Users)
}

// registrar registers accounts first..first+n-1 over one connection at a
// time. Servers close unauthenticated streams after a while (xmppd after
// limits.auth_timeout), so when a stream ends the registrar reconnects and
// sends again what was not answered, as long as the last connection made
// progress. A request the server carried out but could not answer comes
// back as "exists" the second time.
type registrar struct {
	c          *Config
	env        *Env
	rec        *Recorder
	fails      *Failures
	registered *Counter
	exists     *Counter
	key        int
	first, n   int

	answered []bool      // by account - first
	sentAt   []time.Time // by account - first
}

var errRegDone = errors.New("bench: registrations done")

func (r *registrar) run(ctx context.Context, d *Dialer) {
	if r.n == 0 {
		return
	}
	r.answered = make([]bool, r.n)
	r.sentAt = make([]time.Time, r.n)
	todo := make([]int, r.n)
	for i := range todo {
		todo[i] = i
	}
	for len(todo) > 0 {
		got, err := r.session(ctx, d, todo)
		if err == nil {
			return
		}
		rest := todo[:0]
		for _, i := range todo {
			if !r.answered[i] {
				rest = append(rest, i)
			}
		}
		todo = rest
		if got == 0 || ctx.Err() != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			r.fails.AddReason(Reason(stepErr(StepRegister, err)), int64(len(todo)))
			r.env.Done(int64(len(todo)))
			return
		}
	}
}

// session registers todo's accounts over one connection; it returns how
// many it got answers for, and nil once all are answered.
func (r *registrar) session(ctx context.Context, d *Dialer, todo []int) (int, error) {
	cctx, cancel := context.WithTimeout(ctx, r.c.Timeout)
	conn, err := d.Open(cctx)
	cancel()
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	sent, got := 0, 0
	err = conn.Serve(func(e codec.Element) error {
		if string(e.Name()) != "iq" {
			return nil
		}
		id := e.Attr("id")
		if len(id) < 2 || id[0] != 'r' {
			return nil
		}
		i, perr := strconv.Atoi(string(id[1:]))
		if i -= r.first; perr != nil || i < 0 || i >= r.n || r.answered[i] {
			return nil
		}
		r.rec.Record(r.key, time.Since(r.sentAt[i]))
		switch string(e.Attr("type")) {
		case "result":
			r.registered.Add(1)
		case "error":
			if se := stanzaError(e); se.Cond == "conflict" {
				r.exists.Add(1)
			} else {
				r.fails.AddReason(string(StepRegister)+":"+se.Cond, 1)
			}
		default:
			return fmt.Errorf("%w: iq type %q", ErrUnexpected, e.Attr("type"))
		}
		r.answered[i] = true
		got++
		r.env.Done(1)
		if got == len(todo) {
			return errRegDone
		}
		return nil
	}, func() error {
		// Top the pipeline up, then give the server Timeout to answer.
		if err := conn.SetDeadline(time.Now().Add(r.c.Timeout)); err != nil {
			return err
		}
		if sent == len(todo) || sent-got >= r.c.Pipeline {
			return nil
		}
		b := conn.beginWrite()
		var idb [24]byte
		for ; sent < len(todo) && sent-got < r.c.Pipeline; sent++ {
			i := todo[sent]
			id := strconv.AppendInt(append(idb[:0], 'r'), int64(r.first+i), 10)
			b = AppendRegister(b, string(id), r.c.Username(r.first+i), r.c.Password)
			r.sentAt[i] = time.Now()
		}
		return conn.endWrite(b)
	})
	if errors.Is(err, errRegDone) {
		return got, nil
	}
	return got, err
}

// newDialer returns the dialer of a run.
func newDialer(c *Config, readBuf int) *Dialer {
	d := &Dialer{Addr: c.Server, Domain: c.Domain, TLS: c.TLS, ReadBuffer: readBuf}
	d.TLSConfig = d.tlsConfig()
	return d
}

// account returns the login of account i (absolute).
func (c *Config) account(i int) *Account {
	return &Account{
		User: c.Username(i), Password: c.Password, Mech: c.Mech, Resource: c.Resource,
		Roster: c.Roster, Presence: c.Presence,
	}
}
