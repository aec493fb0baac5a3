package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Helpers that wait a little before they sleep.
//
// Starting a goroutine on an idle core means waking a sleeping thread, and
// on the virtual machines this was measured on that took 30 us (the core
// idle for under 0.1 ms) to 100 us (longer) before the goroutine ran: a
// training step at batch 32 splits about sixty steps of 0.05 to 0.6 ms
// across the cores, and lost much of each to that wait. Do hands its tasks
// to helper goroutines, one per core beside the caller's, that stay awake
// for spinFor after their last task, checking for new ones (and yielding
// to any other goroutine that wants the core); only then do they sleep,
// and the next task wakes one as a new goroutine would.

// spinFor is how long a helper stays awake after its last task.
const spinFor = 200 * time.Microsecond

// job is one call of Do: tasks f(1), ..., f(n-1) to claim (f(0) is the
// caller's).
type job struct {
	f    func(w int)
	n    int64
	next atomic.Int64 // the next task to claim
	left atomic.Int64 // tasks not finished
}

// claim runs the job's unclaimed tasks until none is left.
func (j *job) claim() {
	for {
		w := j.next.Add(1) - 1
		if w >= j.n {
			return
		}
		j.f(int(w))
		j.left.Add(-1)
	}
}

type workerPool struct {
	mu      sync.Mutex
	jobs    []*job // jobs that may have tasks to claim
	open    atomic.Int64
	helpers int
	sleep   atomic.Int64 // helpers asleep or about to be
	wake    chan struct{}
}

var pool = &workerPool{wake: make(chan struct{}, 1024)}

// post adds j for the helpers, starting them the first time (one fewer
// than Workers) and waking sleeping ones, as many as j has tasks to claim.
func (p *workerPool) post(j *job) {
	p.mu.Lock()
	for p.helpers < min(Workers()-1, cap(p.wake)) {
		p.helpers++
		go p.help()
	}
	p.jobs = append(p.jobs, j)
	p.open.Add(1)
	p.mu.Unlock()
	for range min(p.sleep.Load(), j.n-1) {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// take returns a job with tasks to claim, or nil; it drops jobs whose
// tasks are all claimed.
func (p *workerPool) take() *job {
	if p.open.Load() == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.jobs) > 0 {
		j := p.jobs[0]
		if j.next.Load() < j.n {
			return j
		}
		p.jobs = p.jobs[1:]
		p.open.Add(-1)
	}
	return nil
}

// help is a helper's loop: claim tasks, stay awake spinFor after the last,
// then sleep until post wakes it.
func (p *workerPool) help() {
	for {
		if j := p.take(); j != nil {
			j.claim()
			continue
		}
		deadline := time.Now().Add(spinFor)
		for p.open.Load() == 0 && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		if p.open.Load() > 0 {
			continue
		}
		p.sleep.Add(1)
		if p.open.Load() == 0 { // a post after the check above sees sleep > 0
			<-p.wake
		}
		p.sleep.Add(-1)
	}
}

// run is Do for n > 1: f(0) here, the rest claimed by this goroutine and
// the helpers; while helpers finish theirs, this goroutine claims tasks of
// other jobs (a task's own Do, another goroutine's).
func (p *workerPool) run(n int, f func(w int)) {
	j := &job{f: f, n: int64(n)}
	j.next.Store(1)
	j.left.Store(int64(n - 1))
	p.post(j)
	f(0)
	j.claim()
	for j.left.Load() > 0 {
		if o := p.take(); o != nil {
			o.claim()
			continue
		}
		runtime.Gosched()
	}
}
