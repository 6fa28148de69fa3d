package session

import "sync"

// orderedWork runs a session's background tasks (presence broadcasts,
// subscription exchanges) one at a time in submission order on the worker
// pool. Without it, two quick presence changes could reach contacts in the
// wrong order, leaving them with a stale status.
type orderedWork struct {
	mu      sync.Mutex // guards the following fields
	tasks   []func()
	running bool
}

// run queues fn; a worker drains the queue while it is non-empty. It
// returns false when the worker pool refused the work (fn is dropped).
func (q *orderedWork) run(srv *Server, fn func()) bool {
	q.mu.Lock()
	q.tasks = append(q.tasks, fn)
	if q.running {
		q.mu.Unlock()
		return true
	}
	q.running = true
	q.mu.Unlock()
	if !srv.goWork(q.drain) {
		q.mu.Lock()
		q.running = false
		dropped := len(q.tasks)
		q.tasks = nil
		q.mu.Unlock()
		srv.cfg.Logger.Warn("worker pool full: ordered work dropped", "tasks", dropped)
		return false
	}
	return true
}

func (q *orderedWork) drain() {
	for {
		q.mu.Lock()
		if len(q.tasks) == 0 {
			q.running = false
			q.tasks = nil
			q.mu.Unlock()
			return
		}
		fn := q.tasks[0]
		q.tasks[0] = nil
		q.tasks = q.tasks[1:]
		q.mu.Unlock()
		fn()
	}
}
