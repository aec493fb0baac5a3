// Package parallel splits loops across goroutines: the caller's goroutine
// takes the first share, so one worker means no goroutine at all.
package parallel

import (
	"runtime"
	"sync/atomic"
)

// Workers is the number of cores Go may run on.
func Workers() int { return runtime.GOMAXPROCS(0) }

// Do runs f(0), ..., f(n-1), as many at once as there are cores, f(0) on
// the calling goroutine, and returns when all are done. The others run on
// helper goroutines that stay awake a little after their last task
// (pool.go), or on the caller once it is done with f(0): no f may wait for
// another.
func Do(n int, f func(w int)) {
	switch {
	case n == 1:
		f(0)
	case n > 1:
		pool.run(n, f)
	}
}

// Range splits [0, n) into at most workers contiguous parts of nearly equal
// size and runs f on each at once.
func Range(n, workers int, f func(lo, hi int)) {
	workers = max(1, min(workers, n))
	Do(workers, func(w int) { f(n*w/workers, n*(w+1)/workers) })
}

// Chunks is Range with the work shared out as it goes: [0, n) is cut into
// about four parts a worker, and each worker takes the next part left
// until none is, so a core that is held up (by the garbage collector, by
// another process) does less of it. Parts are contiguous and cover [0, n)
// once; which worker runs which part varies from run to run.
func Chunks(n, workers int, f func(lo, hi int)) {
	workers = max(1, min(workers, n))
	if workers == 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	parts := min(n, 4*workers)
	var next atomic.Int64
	Do(workers, func(int) {
		for {
			p := int(next.Add(1)) - 1
			if p >= parts {
				return
			}
			f(n*p/parts, n*(p+1)/parts)
		}
	})
}
