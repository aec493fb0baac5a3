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

// TestPool2x2Vector runs the 2x2 pooling and its gradient with each level
// of vector rows the CPU has (AVX-512, AVX2) and with the Go loops, on 8 to
// 48 channels (multiples of 8 and 16) and values with ties, NaN,
// infinities and signed zeros: the results must agree bit for bit.
func TestPool2x2Vector(t *testing.T) {
	z, y := poolAVX512, poolAVX2
	defer func() { poolAVX512, poolAVX2 = z, y }()
	levels := map[string][2]bool{}
	if z {
		levels["avx512"] = [2]bool{true, false}
	}
	if y {
		levels["avx2"] = [2]bool{false, true}
	}
	if len(levels) == 0 {
		t.Skip("no AVX2 or AVX-512 on this CPU (or a purego build): the Go loops are the only path, run by the other pooling tests")
	}
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1}
	for name, level := range levels {
		for _, dims := range [][]int{{2, 8, 6, 16}, {3, 7, 9, 32}, {1, 4, 4, 48}, {2, 6, 5, 8}, {1, 5, 8, 24}} {
			r := rand.New(rand.NewPCG(uint64(dims[3]), 5))
			grid := []int{dims[0], dims[1] / 2, dims[2] / 2, dims[3]}
			x := make([]float32, dims[0]*dims[1]*dims[2]*dims[3])
			for i := range x {
				x[i] = float32(r.IntN(3))
				if r.IntN(8) == 0 {
					x[i] = special[r.IntN(len(special))]
				}
			}
			src := make([]float32, grid[0]*grid[1]*grid[2]*grid[3])
			for i := range src {
				src[i] = r.Float32() - 0.5
			}
			for _, scatter := range []bool{false, true} {
				w := &window{xShape: shapes.Make(dtypes.Float32, dims...), grid: grid, dims: []int{1, 2, 2, 1},
					strides: []int{1, 2, 2, 1}, scatter: scatter}
				n := len(src)
				if scatter {
					n = len(x)
				}
				got, want := make([]float32, n), make([]float32, n)
				poolAVX512, poolAVX2 = level[0], level[1]
				if _, ok := poolVec(dims[3]); !ok && (name == "avx2" || dims[3]%16 == 0) {
					t.Fatalf("%s: %d channels take no vector rows", name, dims[3])
				}
				w.run(x, src, got)
				poolAVX512, poolAVX2 = false, false
				w.run(x, src, want)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("%s dims %v gradient %v: [%d] = %v (%08x), Go loops %v (%08x)", name, dims, scatter, i,
							got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}
