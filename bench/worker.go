package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// The worker protocol: the parent starts a worker process, writes one Job
// as a JSON line on its stdin, then one Command line per barrier release.
// The worker writes Events as JSON lines on stdout: progress every quarter
// second, one barrier event per barrier, and finally a result or an error.
// The worker's stderr is the parent's. A worker whose stdin closes (its
// parent died) stops.

// Job is a worker's assignment.
type Job struct {
	Scenario string `json:"scenario"`
	Config   Config `json:"config"`
	Shard    Shard  `json:"shard"`
}

// Command is a parent's instruction to a worker.
type Command struct {
	Cmd string `json:"cmd"` // "release"
}

const progressEvery = 250 * time.Millisecond

// runShard runs one shard, emitting its events. release delivers barrier
// releases.
func runShard(ctx context.Context, j *Job, emit func(Event), release <-chan struct{}) {
	sc, ok := Scenarios()[j.Scenario]
	if !ok {
		emit(Event{Kind: EventError, Err: fmt.Sprintf("unknown scenario %q", j.Scenario)})
		return
	}
	env := NewEnv(func(ctx context.Context, name string) error {
		emit(Event{Kind: EventBarrier, Name: name})
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				emit(Event{Kind: EventProgress, Progress: env.Progress()})
			case <-done:
				return
			}
		}
	})
	c := j.Config
	res, err := sc.Run(ctx, &c, j.Shard, env)
	close(done)
	wg.Wait()
	if err != nil {
		emit(Event{Kind: EventError, Err: err.Error()})
		return
	}
	emit(Event{Kind: EventResult, Result: res, Progress: env.Progress()})
}

// InProcess runs shards as goroutines of the calling process: for a single
// shard, and for tests. Several in-process shards share one process's file
// limit and memory, so they prove the aggregation, not the capacity.
type InProcess struct{}

type localLink struct {
	ev  chan Event
	rel chan struct{}
}

func (l *localLink) Events() <-chan Event { return l.ev }

func (l *localLink) Release() error {
	l.rel <- struct{}{}
	return nil
}

// Launch starts the shard in a goroutine.
func (InProcess) Launch(ctx context.Context, scenario string, c *Config, sh Shard) (Link, error) {
	l := &localLink{ev: make(chan Event, 4), rel: make(chan struct{}, 1)}
	j := &Job{Scenario: scenario, Config: *c, Shard: sh}
	go func() {
		defer close(l.ev)
		runShard(ctx, j, func(e Event) { l.ev <- e }, l.rel)
	}()
	return l, nil
}

// ServeWorker is the body of a worker process: it reads a Job from in,
// runs the shard and writes its events to out.
func ServeWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	br := bufio.NewReader(in)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("bench: worker: reading the job: %w", err)
	}
	var j Job
	if err := json.Unmarshal(line, &j); err != nil {
		return fmt.Errorf("bench: worker: job: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	release := make(chan struct{}, 1)
	go func() {
		defer cancel() // stdin closed: the parent is gone
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				return
			}
			var cmd Command
			if json.Unmarshal(line, &cmd) == nil && cmd.Cmd == "release" {
				release <- struct{}{}
			}
		}
	}()
	var mu sync.Mutex // guards enc
	enc := json.NewEncoder(out)
	var werr error
	runShard(ctx, &j, func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(e); err != nil && werr == nil {
			werr = err
			cancel()
		}
	}, release)
	return werr
}

// ExecLauncher runs each shard in a worker process: Path with Args, which
// must end up calling ServeWorker on its stdin and stdout.
type ExecLauncher struct {
	Path   string
	Args   []string
	Stderr io.Writer // the workers' stderr; os.Stderr when nil
}

type execLink struct {
	ev  chan Event
	mu  sync.Mutex // guards in
	in  io.WriteCloser
	cmd *exec.Cmd
}

func (l *execLink) Events() <-chan Event { return l.ev }

func (l *execLink) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := io.WriteString(l.in, `{"cmd":"release"}`+"\n")
	if err != nil {
		return fmt.Errorf("bench: releasing worker %d: %w", l.cmd.Process.Pid, err)
	}
	return nil
}

// Launch starts a worker process and sends it its job. Cancelling ctx
// kills the worker.
func (x *ExecLauncher) Launch(ctx context.Context, scenario string, c *Config, sh Shard) (Link, error) {
	cmd := exec.CommandContext(ctx, x.Path, x.Args...)
	cmd.Stderr = x.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting worker: %w", err)
	}
	job, err := json.Marshal(Job{Scenario: scenario, Config: *c, Shard: sh})
	if err == nil {
		_, err = in.Write(append(job, '\n'))
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("bench: sending the job to worker %d: %w", cmd.Process.Pid, err)
	}
	l := &execLink{ev: make(chan Event, 4), in: in, cmd: cmd}
	go func() {
		defer close(l.ev)
		br := bufio.NewReader(out)
		ended := false
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				var e Event
				if jerr := json.Unmarshal(line, &e); jerr != nil {
					l.ev <- Event{Kind: EventError, Err: fmt.Sprintf("worker %d wrote %q: %v", cmd.Process.Pid, line, jerr)}
					ended = true
					break
				}
				ended = ended || e.Kind == EventResult || e.Kind == EventError
				l.ev <- e
			}
			if err != nil {
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = in.Close()
		werr := cmd.Wait()
		if !ended {
			if werr == nil {
				werr = errors.New("exited without a result")
			}
			l.ev <- Event{Kind: EventError, Err: fmt.Sprintf("worker %d: %v", cmd.Process.Pid, werr)}
		}
	}()
	return l, nil
}
