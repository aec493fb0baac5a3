package parallel

import (
	"runtime"
	"slices"
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
// and the next task wakes one as a new goroutine would. A caller runs only
// its own job's tasks; waiting for the helpers' share, it checks for
// callerWait, then sleeps until the last of them ends.

// spinFor is how long a helper stays awake after its last task; callerWait
// how long a caller checks whether the helpers have done its tasks before
// it sleeps until they have (waking it would cost what waking a helper
// does).
const (
	spinFor    = 200 * time.Microsecond
	callerWait = time.Millisecond
)

// job is one call of Do: tasks f(1), ..., f(n-1) to claim (f(0) is the
// caller's).
type job struct {
	f    func(w int)
	n    int64
	next atomic.Int64  // the next task to claim
	left atomic.Int64  // tasks not finished
	done chan struct{} // closed when left reaches 0

	// The first panic of a task a helper ran, for the caller, which reads
	// them after done is closed.
	panicOnce sync.Once
	panicked  any
	failed    bool
}

// finish counts a task done.
func (j *job) finish() {
	if j.left.Add(-1) == 0 {
		close(j.done)
	}
}

// helpWith runs the job's unclaimed tasks on a helper until none is left.
// A task's panic is kept for the job's caller, which panics with it.
func (j *job) helpWith() {
	for {
		w := j.next.Add(1) - 1
		if w >= j.n {
			return
		}
		j.runTask(int(w))
	}
}

func (j *job) runTask(w int) {
	defer j.finish()
	defer func() {
		if r := recover(); r != nil {
			j.panicOnce.Do(func() { j.panicked, j.failed = r, true })
		}
	}()
	j.f(w)
}

type workerPool struct {
	mu      sync.Mutex
	jobs    []*job // jobs that may have tasks to claim
	open    atomic.Int64
	helpers int
	sleep   atomic.Int64 // helpers asleep or about to be
	wake    chan struct{}
	waited  atomic.Int64 // nanoseconds helpers and callers spent checking for work
}

// Waited is the time helpers and waiting callers have spent checking for
// work since the program started: CPU time that did no task, which a
// profile of CPU time should leave out.
func Waited() time.Duration { return time.Duration(pool.waited.Load()) }

// check calls done, yielding between calls, until it reports true or d
// has passed, and counts the time in waited.
func (p *workerPool) check(d time.Duration, done func() bool) {
	start := time.Now()
	deadline := start.Add(d)
	for !done() && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	p.waited.Add(int64(time.Since(start)))
}

var pool = &workerPool{wake: make(chan struct{}, 1024)}

// post adds j for the helpers, starting them the first time (one fewer
// than Workers) and waking sleeping ones, as many as j has tasks to
// claim. It reports false, posting nothing, where there is no helper.
func (p *workerPool) post(j *job) bool {
	p.mu.Lock()
	for p.helpers < min(Workers()-1, cap(p.wake)) {
		p.helpers++
		go p.help()
	}
	if p.helpers == 0 {
		p.mu.Unlock()
		return false
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
	return true
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
		p.jobs = slices.Delete(p.jobs, 0, 1)
		p.open.Add(-1)
	}
	return nil
}

// drop removes j from the jobs, if it is still there.
func (p *workerPool) drop(j *job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.jobs, j); i >= 0 {
		p.jobs = slices.Delete(p.jobs, i, i+1)
		p.open.Add(-1)
	}
}

// help is a helper's loop: claim tasks, stay awake spinFor after the last,
// then sleep until post wakes it.
func (p *workerPool) help() {
	for {
		if j := p.take(); j != nil {
			j.helpWith()
			continue
		}
		p.check(spinFor, func() bool { return p.open.Load() > 0 })
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
// the helpers (all here where there is none).
func (p *workerPool) run(n int, f func(w int)) {
	j := &job{f: f, n: int64(n), done: make(chan struct{})}
	j.next.Store(1)
	j.left.Store(int64(n - 1))
	if !p.post(j) {
		for w := range n {
			f(w)
		}
		return
	}
	claimed := false
	defer func() {
		if !claimed { // a task of ours panicked: leave the helpers nothing
			j.next.Store(j.n)
			p.drop(j)
		}
	}()
	f(0)
	for {
		w := j.next.Add(1) - 1
		if w >= j.n {
			break
		}
		f(int(w))
		j.finish()
	}
	claimed = true
	p.drop(j)
	p.check(callerWait, func() bool { return j.left.Load() == 0 })
	<-j.done
	if j.failed {
		panic(j.panicked)
	}
}
