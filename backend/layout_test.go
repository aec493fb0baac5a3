package backend

import (
	"math"
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

// TestReverseAndSumAll compares Reverse over random axes, and ReduceSum
// given no axes (all of them, as simplego reads it), with simplego's:
// Reverse bit for bit, the sum within 1e-5 of the sum of absolute values.
func TestReverseAndSumAll(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for i := range 30 {
		dims := randDims(r)
		x := randTensor(r, dims...)
		var axes []int
		for a := range dims {
			if r.IntN(2) == 0 {
				axes = append(axes, a)
			}
		}
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			m := must(t)
			return []backends.Op{m(b.Reverse(in[0], axes...)), m(b.ReduceSum(in[0]))}
		}
		got, b := runAny(t, "kernels=hourglass", build, x)
		want, _ := runAny(t, "kernels=simplego", build, x)
		if ok, j := sameBits(got[0], want[0]); !ok {
			t.Fatalf("case %d dims %v axes %v: Reverse differs at %d", i, dims, axes, j)
		}
		var abs float64
		for _, v := range x.data {
			abs += math.Abs(float64(v))
		}
		g, w := got[1].([]float32), want[1].([]float32)
		if len(g) != 1 || math.Abs(float64(g[0]-w[0])) > 1e-5*max(1, abs) {
			t.Fatalf("case %d dims %v: sum %v, simplego %v", i, dims, g, w)
		}
		if n := b.countSteps(func(st step) bool { return st.stage != nil }); n != 1 {
			t.Errorf("case %d: %d stages, want only the final one", i, n)
		}
	}
}
