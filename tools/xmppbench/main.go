// Command xmppbench is a black-box XMPP load generator: it logs simulated
// users into any XMPP server over TCP and measures what the server does
// with them. See package bench for the model.
//
//	xmppbench SCENARIO [flags]
//
// Scenarios:
//
//	register  create --users accounts (in-band registration, pipelined)
//	login     --logins logins (default --users), at --rate/s or as fast as
//	          --concurrency allows; login latency and failures by reason
//	idle      hold --users sessions for --duration; with --pid, server RSS
//	          and bytes per session
//	msg       --pairs pairs chat for --duration with --window messages in
//	          flight per sender; delivered msgs/s, delivery latency, loss,
//	          and with --pid server CPU per 100k messages
//	presence  --users online with mutual rosters of --contacts, each
//	          changing presence every --presence-interval for --duration;
//	          deliveries/s, presence latency, loss, server CPU per 100k
//	          deliveries (accounts and rosters via --api, else in band)
//	bosh      hold --users BOSH sessions (--bosh URL) for --duration, with
//	          --pairs of them echoing messages to TCP partners; server RSS
//	          per session, BOSH<->TCP round-trip latency
//	mixed     a messenger's hour for --duration: --users online with rosters
//	          of --contacts, a --chatters share of them chatting in pairs
//	          (a message every --chat-interval), presence changes every
//	          --presence-interval, --churn-rate logouts and fresh logins per
//	          second; messages and presence delivered, lost and their
//	          latency, logins and their latency, server CPU and RSS
//
// Some defaults depend on the scenario (mixed runs for a minute, with 10
// contacts and presence changes 5 minutes apart): "xmppbench SCENARIO
// --help" shows the scenario's.
//
// --plot DIR writes charts of the run (latency CDF, server RSS against
// sessions) as SVG and PNG.
//
// The result is one JSON line on stdout (and a Markdown table with
// --markdown); progress goes to stderr when it is a terminal. The exit
// status is 0 when the run had no failure and no loss, 1 when it had, 2 for
// a usage error and 3 when the run could not be carried out.
//
// Runs that hold more than 15,000 sockets are split across worker
// processes (xmppbench re-executes itself as "xmppbench worker"); --procs
// asks for more.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"xmppd/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usageHead = `usage: xmppbench SCENARIO [flags]

Scenarios: %s

  register  create --users accounts by in-band registration (XEP-0077)
  login     --logins logins (default --users) at --rate/s, or as fast as --concurrency allows
  idle      hold --users authenticated sessions for --duration (server RSS with --pid)
  msg       --pairs pairs exchange chat messages for --duration, --window in flight per sender
  presence  --users with mutual rosters of --contacts change presence every --presence-interval
  bosh      hold --users BOSH sessions at --bosh for --duration; --pairs echo to TCP partners
  mixed     --users online for --duration: --chatters chat, presence changes, --churn-rate relogins/s

Accounts are --user-prefix0 .. --user-prefixN-1 with --password; create them
with "register" first. Output: one JSON line on stdout. Defaults below are
the scenario's with "xmppbench SCENARIO --help".

Flags:
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "worker" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := bench.ServeWorker(ctx, os.Stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "xmppbench worker:", err)
			return 3
		}
		return 0
	}

	var cfg bench.Config
	fs := flag.NewFlagSet("xmppbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, usageHead, strings.Join(bench.ScenarioNames(), ", "))
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Server, "server", "127.0.0.1:5222", "server `host:port` (the direct-TLS port with --tls direct)")
	fs.StringVar(&cfg.Domain, "domain", "localhost", "XMPP domain of the accounts")
	tlsMode := fs.String("tls", "none", "none, starttls or direct")
	mech := fs.String("mech", "PLAIN", "SASL mechanism: PLAIN, SCRAM-SHA-1 or SCRAM-SHA-256")
	fs.StringVar(&cfg.UserPrefix, "user-prefix", "user", "account names are PREFIX0, PREFIX1, ...")
	fs.StringVar(&cfg.Password, "password", "password", "password of every account")
	fs.IntVar(&cfg.FirstUser, "first-user", 0, "number of the first account")
	fs.StringVar(&cfg.Resource, "resource", "xb", "resource to bind")
	fs.IntVar(&cfg.Users, "users", 0, "accounts (register), sessions (idle), distinct accounts (login)")
	fs.IntVar(&cfg.Logins, "logins", 0, "logins to perform (login; default --users)")
	fs.IntVar(&cfg.Pairs, "pairs", 0, "chatting pairs (msg); they use accounts 0 .. 2*pairs-1")
	fs.IntVar(&cfg.Window, "window", 10, "messages in flight per sender (msg)")
	fs.IntVar(&cfg.Pipeline, "pipeline", 32, "registrations in flight per connection (register)")
	fs.IntVar(&cfg.Conns, "conns", 4, "connections to register over (register)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to send (msg, presence, mixed) or hold sessions (idle, bosh)")
	fs.DurationVar(&cfg.Drain, "drain", 5*time.Second, "how long to wait for what is in flight after --duration (msg, presence, mixed)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "new logins per second, whole run (0: as fast as --concurrency allows)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 256, "logins in progress at once, whole run")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "bound on one login, registration or connection set-up")
	fs.IntVar(&cfg.BodySize, "body", 64, "message body size in bytes (msg, mixed)")
	fs.BoolVar(&cfg.Roster, "roster", false, "fetch the roster after binding")
	fs.BoolVar(&cfg.Presence, "presence", false, "send initial presence after binding")
	fs.DurationVar(&cfg.MaxRunDuration, "max-time", 30*time.Minute, "hard stop for the whole run")
	pid := fs.Int("pid", 0, "server process id: sample its RSS and CPU time from /proc")
	procs := fs.Int("procs", 1, "worker processes (more are added to keep each under 15,000 sockets)")
	markdown := fs.String("markdown", "", "also write the result as a Markdown table to `FILE` (- for stdout)")
	quiet := fs.Bool("quiet", false, "no progress display")
	fs.StringVar(&cfg.API, "api", "", "provisioning API `URL` of the server (http://127.0.0.1:5281) to create accounts (presence, bosh, mixed) and rosters (presence, mixed) with; in band when empty")
	fs.StringVar(&cfg.BOSH, "bosh", "http://127.0.0.1:5280/http-bind", "BOSH endpoint `URL` (bosh)")
	fs.IntVar(&cfg.Contacts, "contacts", 0, "roster size: mutual contacts per user (presence, mixed)")
	fs.DurationVar(&cfg.PresenceInterval, "presence-interval", time.Second, "each user changes presence once per interval (presence, mixed)")
	fs.Float64Var(&cfg.ChatFraction, "chatters", 0, "`fraction` of --users chatting in pairs, 0.05 for 5% (mixed)")
	fs.DurationVar(&cfg.ChatInterval, "chat-interval", 10*time.Second, "each chatter sends one message per interval (mixed)")
	fs.Float64Var(&cfg.ChurnRate, "churn-rate", 0, "logouts per second, each followed by a fresh login of the same account (mixed)")
	plotDir := fs.String("plot", "", "write charts of the run (latency CDF, RSS against sessions) to `DIR`")

	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fs.Usage()
			return 0
		}
		fs.Usage()
		return 2
	}
	name := args[0]
	sc, ok := bench.Scenarios()[name]
	if !ok {
		fmt.Fprintf(stderr, "xmppbench: unknown scenario %q (have %s)\n", name, strings.Join(bench.ScenarioNames(), ", "))
		return 2
	}
	if d, ok := sc.(bench.Defaulter); ok {
		// The scenario's own defaults, before parsing so that an explicit
		// flag (zero included) wins, and shown by --help.
		d.Defaults(&cfg)
		fs.VisitAll(func(f *flag.Flag) { f.DefValue = f.Value.String() })
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "xmppbench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	cfg.TLS = bench.TLSMode(*tlsMode)
	cfg.Mech = bench.Mech(strings.ToUpper(*mech))
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "xmppbench:", err)
		return 2
	}
	if err := sc.Check(&cfg); err != nil {
		fmt.Fprintln(stderr, "xmppbench:", err)
		return 2
	}

	if *pid != 0 {
		if _, err := bench.ReadProc(*pid); err != nil {
			fmt.Fprintf(stderr, "xmppbench: --pid %d: %v\n", *pid, err)
			return 2
		}
	}
	opts := bench.RunOptions{Scenario: sc, Config: cfg, Procs: *procs, PID: *pid, Trace: *plotDir != ""}
	if n := bench.Shards(sc, &cfg, *procs); n > 1 {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench: cannot re-execute itself as a worker:", err)
			return 3
		}
		opts.Launcher = &bench.ExecLauncher{Path: exe, Args: []string{"worker"}, Stderr: stderr}
	}
	var bar *progressBar
	if !*quiet && isTerminal(stderr) {
		bar = &progressBar{w: stderr, name: name, start: time.Now()}
		opts.Progress = bar.update
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		fmt.Fprintln(stderr, "xmppbench:", err)
		return 3
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "xmppbench: warning:", w)
	}
	if err := rep.WriteJSON(stdout); err != nil {
		fmt.Fprintln(stderr, "xmppbench:", err)
		return 3
	}
	if *markdown != "" {
		if err := writeMarkdown(rep, *markdown, stdout); err != nil {
			fmt.Fprintln(stderr, "xmppbench:", err)
			return 3
		}
	}
	if *plotDir != "" {
		files, err := bench.WritePlots(*plotDir, rep)
		if err != nil {
			fmt.Fprintln(stderr, "xmppbench: --plot:", err)
			return 3
		}
		for _, f := range files {
			fmt.Fprintln(stderr, "xmppbench: wrote", f)
		}
	}
	if !rep.OK {
		return 1
	}
	return 0
}

func writeMarkdown(rep *bench.Report, path string, stdout io.Writer) error {
	if path == "-" {
		return rep.WriteMarkdown(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteMarkdown(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar draws one line on a terminal, redrawn in place.
type progressBar struct {
	w     io.Writer
	name  string
	start time.Time
	drawn bool
}

func (p *progressBar) update(done, total int64) {
	el := time.Since(p.start)
	rate := float64(done) / max(el.Seconds(), 1e-3)
	const width = 30
	var line string
	if total > 0 {
		frac := min(float64(done)/float64(total), 1)
		n := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %d/%d %3.0f%% %.0f/s %s", p.name,
			strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, frac*100, rate, el.Truncate(time.Second))
	} else {
		line = fmt.Sprintf("%s %d done %.0f/s %s", p.name, done, rate, el.Truncate(time.Second))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.drawn = true
}

func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
