package backend

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
)

// TestSliceConcatPadSteps compares slices (strided too), concatenations
// along each axis (one to three operands) and paddings (zero to four
// values at each end) of random shapes with simplego's, bit for bit, and
// checks that each ran as its own step.
func TestSliceConcatPadSteps(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for i := range 60 {
		dims := randDims(r)
		x := specialTensor(r, dims...)
		var build func(b *stagedBuilder, in []backends.Op) []backends.Op
		var inputs []tensor
		var want any
		switch i % 3 {
		case 0:
			starts, limits, strides := make([]int, len(dims)), make([]int, len(dims)), make([]int, len(dims))
			for a, d := range dims {
				starts[a] = r.IntN(d)
				limits[a] = starts[a] + 1 + r.IntN(d-starts[a])
				strides[a] = 1 + r.IntN(3)
			}
			build = func(b *stagedBuilder, in []backends.Op) []backends.Op {
				return []backends.Op{must(t)(b.Slice(in[0], starts, limits, strides))}
			}
			inputs, want = []tensor{x}, &sliceStep{}
		case 1:
			axis := r.IntN(len(dims))
			inputs = []tensor{x}
			for range r.IntN(3) {
				d := append([]int(nil), dims...)
				d[axis] = 1 + r.IntN(4)
				inputs = append(inputs, specialTensor(r, d...))
			}
			build = func(b *stagedBuilder, in []backends.Op) []backends.Op {
				return []backends.Op{must(t)(b.Concatenate(axis, in...))}
			}
			want = &concatStep{}
		default:
			cfg := make([]backends.PadAxis, r.IntN(len(dims)+1))
			for a := range cfg {
				cfg[a] = backends.PadAxis{Start: r.IntN(5), End: r.IntN(5)}
			}
			build = func(b *stagedBuilder, in []backends.Op) []backends.Op {
				return []backends.Op{must(t)(b.Pad(in[0], in[1], cfg...))}
			}
			inputs, want = []tensor{x, {data: []float32{-2.5}}}, &padStep{}
		}
		got, b := runAny(t, "kernels=hourglass", build, inputs...)
		ref, _ := runAny(t, "kernels=simplego", build, inputs...)
		if ok, j := sameBits(got[0], ref[0]); !ok || len(got[0].([]float32)) != len(ref[0].([]float32)) {
			t.Fatalf("case %d dims %v (%T): differs at %d", i, dims, want, j)
		}
		n := b.countSteps(func(st step) bool {
			switch want.(type) {
			case *sliceStep:
				_, ok := st.k.(*sliceStep)
				return ok
			case *concatStep:
				_, ok := st.k.(*concatStep)
				return ok
			}
			_, ok := st.k.(*padStep)
			return ok
		})
		if n != 1 {
			t.Fatalf("case %d: %d %T steps, want 1", i, n, want)
		}
	}
}
