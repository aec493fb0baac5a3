// Package parallel splits loops across goroutines: the caller's goroutine
// takes the first share, so one worker means no goroutine at all.
package parallel

import (
	"runtime"
	"sync"
)

// Workers is the number of cores Go may run on.
func Workers() int { return runtime.GOMAXPROCS(0) }

// Do runs f(0), ..., f(n-1) at once, f(0) on the calling goroutine, and
// returns when all are done.
func Do(n int, f func(w int)) {
	var wg sync.WaitGroup
	for w := 1; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w)
		}()
	}
	if n > 0 {
		f(0)
	}
	wg.Wait()
}

// Range splits [0, n) into at most workers contiguous parts of nearly equal
// size and runs f on each at once.
func Range(n, workers int, f func(lo, hi int)) {
	workers = max(1, min(workers, n))
	Do(workers, func(w int) { f(n*w/workers, n*(w+1)/workers) })
}
