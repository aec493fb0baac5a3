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
		t.Fatalf("helpers still awake 2 s after their last task (%d of %d asleep)", pool.sleep.Load(), pool.helpers)
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
