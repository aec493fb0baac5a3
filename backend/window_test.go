package backend

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestPool2x2MatchesGeneralLoops runs the 2x2 path and the general offset
// loops on the same inputs, the 2x2 gradient into a buffer full of NaN (a
// reused buffer must come out whole), on even and odd sizes with ties.
func TestPool2x2MatchesGeneralLoops(t *testing.T) {
	for _, dims := range [][]int{{2, 8, 6, 3}, {3, 7, 7, 5}, {1, 5, 9, 2}, {2, 2, 3, 1}} {
		r := rand.New(rand.NewPCG(uint64(dims[1]), uint64(dims[2])))
		grid := []int{dims[0], dims[1] / 2, dims[2] / 2, dims[3]}
		x := make([]float32, dims[0]*dims[1]*dims[2]*dims[3])
		for i := range x {
			x[i] = float32(r.IntN(3)) // many ties
		}
		src := make([]float32, grid[0]*grid[1]*grid[2]*grid[3])
		for i := range src {
			src[i] = r.Float32() - 0.5
		}
		for _, scatter := range []bool{false, true} {
			mk := func(general bool) *window {
				return &window{xShape: shapes.Make(dtypes.Float32, dims...), grid: grid, dims: []int{1, 2, 2, 1},
					strides: []int{1, 2, 2, 1}, scatter: scatter, forceGeneral: general}
			}
			n := len(src)
			if scatter {
				n = len(x)
			}
			want, got := make([]float32, n), make([]float32, n)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			mk(true).run(x, src, want)
			mk(false).run(x, src, got)
			if !slices.Equal(got, want) {
				t.Errorf("dims %v, gradient %v: the 2x2 path differs from the general loops", dims, scatter)
			}
		}
	}
}
