package parallel

import (
	"sync/atomic"
	"testing"
)

// TestRangeCoversOnce: every index of [0, n) is visited exactly once, for
// worker counts below, at and above n.
func TestRangeCoversOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100} {
		for _, workers := range []int{1, 2, 3, 8, 200} {
			seen := make([]atomic.Int32, n)
			var parts atomic.Int32
			Range(n, workers, func(lo, hi int) {
				parts.Add(1)
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("n=%d workers=%d: index %d visited %d times", n, workers, i, c)
				}
			}
			if p := int(parts.Load()); p > max(1, min(n, workers)) {
				t.Errorf("n=%d workers=%d: %d parts", n, workers, p)
			}
		}
	}
}

func TestDoRunsEach(t *testing.T) {
	var sum atomic.Int64
	Do(5, func(w int) { sum.Add(int64(1 << w)) })
	if sum.Load() != 31 {
		t.Errorf("sum %d, want 31 (each of 0..4 once)", sum.Load())
	}
}

func TestChunksCoversOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1001} {
		for _, workers := range []int{1, 2, 3, 8, 200} {
			seen := make([]atomic.Int32, n)
			Chunks(n, workers, func(lo, hi int) {
				if lo >= hi {
					t.Errorf("n=%d workers=%d: empty part [%d, %d)", n, workers, lo, hi)
				}
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			})
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("n=%d workers=%d: index %d visited %d times", n, workers, i, c)
				}
			}
		}
	}
}
