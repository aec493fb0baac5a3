package parallel

import (
	"bytes"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDoNested: Do inside Do's tasks, called from several goroutines at
// once, runs every task of every level exactly once and returns.
func TestDoNested(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const callers, outer, inner, n = 4, 3, 5, 50
	var seen [callers][outer][inner][n]atomic.Int32
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Do(outer, func(o int) {
				Do(inner, func(i int) {
					Chunks(n, 3, func(lo, hi int) {
						for k := lo; k < hi; k++ {
							seen[c][o][i][k].Add(1)
						}
					})
				})
			})
		}()
	}
	wg.Wait()
	for c := range seen {
		for o := range seen[c] {
			for i := range seen[c][o] {
				for k := range seen[c][o][i] {
					if v := seen[c][o][i][k].Load(); v != 1 {
						t.Fatalf("caller %d task %d/%d index %d ran %d times", c, o, i, k, v)
					}
				}
			}
		}
	}
}

// TestDoFirstOnCaller: f(0) runs on the goroutine that calls Do.
func TestDoFirstOnCaller(t *testing.T) {
	me := goroutineID()
	for range 100 {
		var first atomic.Int64
		Do(3, func(w int) {
			if w == 0 {
				first.Store(goroutineID())
			}
		})
		if first.Load() != me {
			t.Fatalf("f(0) ran on goroutine %d, the caller is %d", first.Load(), me)
		}
	}
}

// TestHelpersSleepAndWake: once idle for longer than spinFor the helpers
// sleep, and the next Do wakes one: f(0) waits (up to 5 s) for f(1), which
// only a helper can run while the caller is inside f(0).
func TestHelpersSleepAndWake(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	Do(2, func(int) {}) // start the helpers
	if !waitFor(2*time.Second, func() bool {
		pool.mu.Lock()
		defer pool.mu.Unlock()
		return pool.helpers > 0 && pool.sleep.Load() == int64(pool.helpers)
	}) {
		t.Fatal("helpers still awake 2 s after their last task")
	}
	// Asleep: a helper must wake for f(1). Then again while it is awake.
	for _, state := range []string{"asleep", "awake"} {
		var ran atomic.Bool
		Do(2, func(w int) {
			if w == 1 {
				ran.Store(true)
				return
			}
			if !waitFor(5*time.Second, ran.Load) {
				t.Errorf("helpers %s: no helper ran f(1) while the caller was in f(0), in 5 s", state)
			}
		})
	}
}

// TestDoWaitsForHelpers: Do returns only after a task a helper runs has
// ended, and its writes are seen after (f(0) waits until f(1) has begun,
// so a helper runs it).
func TestDoWaitsForHelpers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for range 20 {
		var started atomic.Bool
		done := false
		Do(2, func(w int) {
			if w == 0 {
				waitFor(5*time.Second, started.Load)
				return
			}
			started.Store(true)
			time.Sleep(2 * time.Millisecond)
			done = true
		})
		if !done {
			t.Fatal("Do returned before a helper's task ended")
		}
	}
}

// TestDoPanicReachesCaller: a task that panics on a helper makes the Do
// that posted it panic with the same value, and the pool goes on working.
func TestDoPanicReachesCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	got := func() (r any) {
		defer func() { r = recover() }()
		var started atomic.Bool
		Do(2, func(w int) {
			if w == 0 {
				waitFor(5*time.Second, started.Load)
				return
			}
			started.Store(true)
			panic("task 1 failed")
		})
		return nil
	}()
	if got != "task 1 failed" {
		t.Fatalf("Do recovered %v, want the task's panic", got)
	}
	var sum atomic.Int64
	Do(4, func(w int) { sum.Add(int64(w)) })
	if sum.Load() != 6 {
		t.Errorf("after a panic, Do(4) summed %d, want 6", sum.Load())
	}
}

// TestNoHelpers: on one core a fresh pool starts no helper, runs every
// task on the caller and keeps no job.
func TestNoHelpers(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := &workerPool{wake: make(chan struct{}, 8)}
	me := goroutineID()
	ran := 0
	for range 100 {
		p.run(3, func(int) {
			if goroutineID() != me {
				t.Error("a task ran off the caller's goroutine")
			}
			ran++
		})
	}
	if ran != 300 || p.helpers != 0 || len(p.jobs) != 0 {
		t.Errorf("%d tasks ran, %d helpers, %d jobs kept; want 300, 0, 0", ran, p.helpers, len(p.jobs))
	}
}

// TestJobsDropped: once Do returns, its job is no longer in the pool's
// list (nor keeps what its closure holds).
func TestJobsDropped(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for range 1000 {
		Do(3, func(int) {})
	}
	pool.mu.Lock()
	n := len(pool.jobs)
	pool.mu.Unlock()
	if n != 0 || pool.open.Load() != 0 {
		t.Errorf("%d jobs (open %d) kept after their Do returned", n, pool.open.Load())
	}
}

// TestWaitedCountsChecking: a helper's checks for work after its last
// task (spinFor, with nothing else to do) are counted in Waited.
func TestWaitedCountsChecking(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var started atomic.Bool
	before := Waited()
	Do(2, func(w int) {
		if w == 0 {
			waitFor(5*time.Second, started.Load)
			return
		}
		started.Store(true)
	})
	time.Sleep(20 * spinFor)
	if got := Waited() - before; got < spinFor/2 {
		t.Errorf("Waited grew by %v after a helper's task, want at least %v", got, spinFor/2)
	}
}

func waitFor(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Microsecond)
	}
	return true
}

// goroutineID reads the running goroutine's number from its stack trace
// ("goroutine 7 [running]:").
func goroutineID() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	var id int64
	for _, c := range buf {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
