package backend

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// runAny builds a graph on a backend with the given config, runs it on
// float32 inputs and returns every output's flat data ([]float32 or
// []bool) and the builder.
func runAny(t *testing.T, config string, build func(b *stagedBuilder, in []backends.Op) []backends.Op, inputs ...tensor) ([]any, *stagedBuilder) {
	t.Helper()
	be, b, params := testBuilder(t, config, inputs...)
	var bufs []backends.Buffer
	for _, in := range inputs {
		buf, err := be.BufferFromFlatData(0, in.data, in.shape())
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, buf)
	}
	exe, err := b.Compile(build(b, params), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Finalize()
	res, err := exe.Execute(bufs, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	for _, r := range res {
		s, err := be.BufferShape(r)
		if err != nil {
			t.Fatal(err)
		}
		var flat any = make([]float32, s.Size())
		if s.DType == dtypes.Bool {
			flat = make([]bool, s.Size())
		}
		if err := be.BufferToFlatData(r, flat); err != nil {
			t.Fatal(err)
		}
		out = append(out, flat)
	}
	return out, b
}

// sameBits reports whether two outputs hold the same values bit for bit
// (any NaN equals any NaN), and the first index where they differ.
func sameBits(a, b any) (bool, int) {
	switch x := a.(type) {
	case []bool:
		y := b.([]bool)
		for i := range x {
			if x[i] != y[i] {
				return false, i
			}
		}
	case []float32:
		y := b.([]float32)
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) && !(x[i] != x[i] && y[i] != y[i]) {
				return false, i
			}
		}
	}
	return true, -1
}

// specialTensor is random values in [-2, 2] with a sprinkling of NaN,
// infinities, signed zeros and repeated values (ties in Max, comparisons).
func specialTensor(r *rand.Rand, dims ...int) tensor {
	t := randTensor(r, dims...)
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 0.5}
	for i := range t.data {
		t.data[i] *= 2
		if r.IntN(20) == 0 {
			t.data[i] = special[r.IntN(len(special))]
		}
	}
	return t
}

// randDims is a random shape of rank 1 to 4 with odd sizes; every third
// is large enough to split across the cores and end in a partial chunk.
func randDims(r *rand.Rand) []int {
	dims := make([]int, 1+r.IntN(4))
	for i := range dims {
		dims[i] = 1 + r.IntN(9)
	}
	if r.IntN(3) == 0 {
		dims[0] = 66000/(shapes.Make(dtypes.Float32, dims[1:]...).Size()) + 3
	}
	return dims
}

// TestFusedRandomGraphs builds random element-wise graphs — unary and
// binary operations, scalars (constants and a rank-0 input), comparisons
// and Where, broadcasts of a smaller input along random axes, reshapes,
// bool masks converted to float32, transposes there and back, and bool
// outputs — and runs each fused (kernels=hourglass) and one operation at a
// time (kernels=simplego). Every output must agree bit for bit: fusion
// changes where values are computed, never how. Inputs hold NaN,
// infinities and signed zeros.
func TestFusedRandomGraphs(t *testing.T) {
	for seed := range 60 {
		r := rand.New(rand.NewPCG(uint64(seed), 99))
		dims := randDims(r)
		full := shapes.Make(dtypes.Float32, dims...)
		// The broadcast source keeps a random subset of the axes, each of
		// its dimension or 1.
		var keepAxes, srcDims []int
		for a, d := range dims {
			if r.IntN(2) == 0 {
				keepAxes = append(keepAxes, a)
				srcDims = append(srcDims, []int{d, 1}[r.IntN(2)])
			}
		}
		nOps := 4 + r.IntN(25)
		picks := make([][4]int, nOps)
		for i := range picks {
			picks[i] = [4]int{r.IntN(14), r.IntN(1 << 20), r.IntN(1 << 20), r.IntN(1 << 20)}
		}
		nOut := 1 + r.IntN(3)
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			m := must(t)
			vals := []backends.Op{in[0], in[1]}
			var masks []backends.Op
			pick := func(k int) backends.Op { return vals[k%len(vals)] }
			scalarOf := func(k int) backends.Op {
				if k%2 == 0 {
					return in[3]
				}
				return m(b.Constant([]float32{float32(k%7) - 3}))
			}
			for _, p := range picks {
				x, y := pick(p[1]), pick(p[2])
				var v backends.Op
				switch p[0] {
				case 0:
					v = m(b.Neg(x))
				case 1:
					v = m(b.Sqrt(m(b.Abs(x))))
				case 2:
					v = m(b.Add(x, y))
				case 3:
					v = m(b.Sub(x, scalarOf(p[3])))
				case 4:
					v = m(b.Mul(scalarOf(p[3]), y))
				case 5:
					v = m(b.Div(x, y))
				case 6:
					v = m(b.Max(x, y))
				case 7:
					v = m(b.Min(x, scalarOf(p[3])))
				case 8:
					cmp := []func(x, y backends.Op) (backends.Op, error){b.GreaterOrEqual, b.GreaterThan, b.LessOrEqual, b.LessThan}[p[3]%4]
					masks = append(masks, m(cmp(x, y)))
					continue
				case 9:
					if len(masks) == 0 {
						continue
					}
					c := masks[p[3]%len(masks)]
					if p[3]%3 == 0 {
						v = m(b.Where(c, x, scalarOf(p[2])))
					} else {
						v = m(b.Where(c, x, y))
					}
				case 10:
					v = m(b.Add(x, m(b.BroadcastInDim(in[2], full, keepAxes))))
				case 11:
					v = m(b.Reshape(m(b.Neg(m(b.Reshape(x, full.Size())))), dims...))
				case 12:
					if len(masks) == 0 {
						continue
					}
					v = m(b.Mul(x, m(b.ConvertDType(masks[p[3]%len(masks)], dtypes.Float32))))
				default:
					perm := make([]int, len(dims))
					for i := range perm {
						perm[i] = len(dims) - 1 - i
					}
					v = m(b.Transpose(m(b.Transpose(x, perm...)), perm...))
				}
				vals = append(vals, v)
			}
			var outs []backends.Op
			for i := range nOut {
				outs = append(outs, vals[len(vals)-1-i%len(vals)])
			}
			if len(masks) > 0 {
				outs = append(outs, masks[len(masks)-1])
			}
			return outs
		}
		x, y, s := specialTensor(r, dims...), specialTensor(r, dims...), specialTensor(r, srcDims...)
		sc := tensor{data: []float32{1.5}}
		got, b := runAny(t, "kernels=hourglass", build, x, y, s, sc)
		want, _ := runAny(t, "kernels=simplego", build, x, y, s, sc)
		for k := range want {
			if ok, i := sameBits(got[k], want[k]); !ok {
				t.Fatalf("seed %d dims %v: output %d differs at %d: fused %v, one by one %v",
					seed, dims, k, i, at(got[k], i), at(want[k], i))
			}
		}
		if b.countSteps(func(st step) bool { _, ok := st.k.(*fusion); return ok }) == 0 {
			t.Errorf("seed %d: no fused step", seed)
		}
	}
}

func at(flat any, i int) any {
	if f, ok := flat.([]float32); ok {
		return f[i]
	}
	return flat.([]bool)[i]
}

// TestFusedChainIsOneStep: bias add and ReLU after a product, the
// pattern of every layer, become one fused step, computed when the next
// product needs it (after the transpose built before that product), and
// no stage runs in between.
func TestFusedChainIsOneStep(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, w, bias := randTensor(r, 30, 20), randTensor(r, 20, 40), randTensor(r, 40)
	build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
		m := must(t)
		y := m(b.Dot(in[0], in[1]))
		z := m(b.Add(y, m(b.BroadcastInDim(in[2], shapes.Make(dtypes.Float32, 30, 40), []int{1}))))
		z = m(b.Max(z, m(b.BroadcastInDim(m(b.Constant([]float32{0})), shapes.Make(dtypes.Float32, 30, 40), nil))))
		return []backends.Op{m(b.Dot(z, m(b.Transpose(in[1], 1, 0))))}
	}
	got, b := runAny(t, "kernels=hourglass", build, x, w, bias)
	want, _ := runAny(t, "kernels=simplego", build, x, w, bias)
	g, wt := got[0].([]float32), want[0].([]float32)
	for i := range wt {
		if math.Abs(float64(g[i]-wt[i])) > 1e-4*max(1, math.Abs(float64(wt[i]))) {
			t.Fatalf("[%d] = %v, want %v", i, g[i], wt[i])
		}
	}
	var kinds []string
	for _, st := range b.steps {
		switch {
		case st.prod != nil:
			kinds = append(kinds, "product")
		case st.k != nil:
			_, fused := st.k.(*fusion)
			kinds = append(kinds, map[bool]string{true: "fused", false: "transpose"}[fused])
		case st.stage != nil:
			kinds = append(kinds, "stage")
		}
	}
	want2 := []string{"product", "transpose", "fused", "product", "stage"}
	if !slices.Equal(kinds, want2) {
		t.Errorf("steps %v, want %v", kinds, want2)
	}
}

// TestFusedInsideOpenStage: an expression over values the open stage
// computes, read by that stage, is built in the stage (simplego's
// operations); the result is the same and no fused step is made.
func TestFusedInsideOpenStage(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := randTensor(r, 6, 7)
	build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
		m := must(t)
		// Interior padding runs in stages.
		one := m(b.Constant([]float32{1}))
		p := m(b.Pad(in[0], one, backends.PadAxis{Start: 1, End: 2, Interior: 1}, backends.PadAxis{}))
		e := m(b.Mul(m(b.Add(p, p)), p))
		return []backends.Op{m(b.Pad(e, one, backends.PadAxis{Interior: 2}))}
	}
	got, b := runAny(t, "kernels=hourglass", build, x)
	want, _ := runAny(t, "kernels=simplego", build, x)
	if ok, i := sameBits(got[0], want[0]); !ok {
		t.Fatalf("differs at %d", i)
	}
	if n := b.countSteps(func(st step) bool { return st.k != nil }); n != 0 {
		t.Errorf("%d kernel steps, want 0", n)
	}
}

// TestTransposeStep compares transposes of depth-to-space shapes and of
// random shapes (axes of one, merged runs) with simplego's, bit for bit.
func TestTransposeStep(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	// Depth-to-space of one channel and back (runs of two values, on one
	// core and over the parallel threshold), then random shapes.
	fixed := [][2][]int{
		{{5, 3, 7, 2, 2, 1}, {0, 1, 3, 2, 4, 5}},
		{{128, 14, 14, 2, 2, 1}, {0, 1, 3, 2, 4, 5}},
		{{128, 14, 2, 14, 2, 1}, {0, 1, 3, 2, 4, 5}},
		{{5, 3, 2, 7, 2, 1}, {0, 1, 3, 2, 4, 5}}, // space-to-depth on one core
		{{64, 3, 3, 5}, {0, 2, 1, 3}},            // blocks of 15 values: a third axis taken in
		{{4, 3, 40}, {1, 0, 2}},                  // runs of 40: copied whole
		{{2, 300, 300}, {0, 2, 1}},               // two blocks over the threshold: split by runs
		{{3, 0, 4}, {2, 1, 0}}, {{0, 5}, {1, 0}}, // empty
	}
	for i := range 50 + len(fixed) {
		dims := randDims(r)
		if r.IntN(2) == 0 {
			dims = append(dims, 1+r.IntN(3), 2)
		}
		perm := r.Perm(len(dims))
		if i < len(fixed) {
			dims, perm = fixed[i][0], fixed[i][1]
		}
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			return []backends.Op{must(t)(b.Transpose(in[0], perm...))}
		}
		x := randTensor(r, dims...)
		got, b := runAny(t, "kernels=hourglass", build, x)
		want, _ := runAny(t, "kernels=simplego", build, x)
		if ok, i := sameBits(got[0], want[0]); !ok {
			t.Fatalf("dims %v perm %v: differs at %d", dims, perm, i)
		}
		if b.countSteps(func(st step) bool { _, ok := st.k.(*transposeStep); return ok }) != 1 {
			t.Fatalf("dims %v perm %v: no transpose step", dims, perm)
		}
	}
}

// TestPairTransposes: depth-to-space of one channel and its inverse, for
// every remainder of M by the four pairs a vector register holds, on one
// core and over the parallel threshold, give simplego's bits, with the
// vector moves and with the Go loops.
func TestPairTransposes(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, m := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 14} {
		for _, a := range []int{1, 5, 3000} {
			for _, merge := range []bool{false, true} {
				dims, perm := []int{a, m, 2, 2, 1}, []int{0, 2, 1, 3, 4}
				if merge {
					dims = []int{a, 2, m, 2, 1}
				}
				build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
					return []backends.Op{must(t)(b.Transpose(in[0], perm...))}
				}
				x := specialTensor(r, dims...)
				got, b := runAny(t, "kernels=hourglass", build, x)
				want, _ := runAny(t, "kernels=simplego", build, x)
				var goLoops []any
				withGoLoops(func() { goLoops, _ = runAny(t, "kernels=hourglass", build, x) })
				if ok, i := sameBits(got[0], want[0]); !ok {
					t.Fatalf("dims %v: differs from simplego at %d", dims, i)
				}
				if ok, i := sameBits(goLoops[0], want[0]); !ok {
					t.Fatalf("dims %v: Go loops differ from simplego at %d", dims, i)
				}
				for _, st := range b.steps {
					if ts, ok := st.k.(*transposeStep); ok && a > 1 && m > 1 && (ts.pairM != m || ts.pairMerge != merge) && !(m == 2 && ts.pairM == 2) {
						t.Fatalf("dims %v: pair transpose M %d merge %v, want %d %v", dims, ts.pairM, ts.pairMerge, m, merge)
					}
				}
			}
		}
	}
}

// TestSumStep compares sums over random axes with float64 sums (tolerance
// 1e-5 of the sum of absolute values: float32 accumulation), and checks
// that one and two cores, and vector lanes and Go loops, give the same
// bits.
func TestSumStep(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for i := range 58 {
		dims := randDims(r)
		var axes []int
		for a := range dims {
			if r.IntN(2) == 0 {
				axes = append(axes, a)
			}
		}
		if len(axes) == 0 {
			axes = []int{r.IntN(len(dims))}
		}
		switch i { // bias gradients: leading axes summed, channels kept
		case 50:
			dims, axes = []int{1300, 32}, []int{0}
		case 51:
			dims, axes = []int{5, 7, 48}, []int{0, 1}
		case 52:
			dims, axes = []int{3, 600, 16}, []int{0, 1}
		case 53:
			dims, axes = []int{700, 24}, []int{0}
		case 54: // a loss: every value summed (sumBlocks)
			dims, axes = []int{32, 28, 28, 1}, []int{0, 1, 2, 3}
		case 55: // over parallelMin, a last block cut short
			dims, axes = []int{130, 28, 28}, []int{0, 1, 2}
		case 56: // the last layer's bias gradient: one channel
			dims, axes = []int{9, 28, 28, 1}, []int{0, 1, 2}
		case 57: // no values: zeros
			dims, axes = []int{0, 5, 3}, []int{0, 1}
		}
		x := randTensor(r, dims...)
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			return []backends.Op{must(t)(b.ReduceSum(in[0], axes...))}
		}
		prev := runtime.GOMAXPROCS(1)
		one, _ := runAny(t, "kernels=hourglass", build, x)
		runtime.GOMAXPROCS(max(2, prev))
		got, _ := runAny(t, "kernels=hourglass", build, x)
		runtime.GOMAXPROCS(prev)
		if ok, i := sameBits(one[0], got[0]); !ok {
			t.Fatalf("dims %v axes %v: one core and two differ at %d", dims, axes, i)
		}
		var goLoops []any
		withGoLoops(func() { goLoops, _ = runAny(t, "kernels=hourglass", build, x) })
		if ok, i := sameBits(goLoops[0], got[0]); !ok {
			t.Fatalf("dims %v axes %v: vector lanes and Go loops differ at %d", dims, axes, i)
		}
		if len(axes) == len(dims) && len(x.data) > 0 {
			// Every value summed: one chain of additions a block of
			// reduceBlock values, then the blocks' sums in order.
			var sum float32
			for b := 0; b < len(x.data); b += reduceBlock {
				var part float32
				for _, v := range x.data[b:min(len(x.data), b+reduceBlock)] {
					part += v
				}
				sum += part
			}
			if ok, _ := sameBits(got[0], []float32{sum}); !ok {
				t.Fatalf("dims %v: sum %v, want %v (blocks in order)", dims, got[0], sum)
			}
		}
		want, abs := refSum(x, axes)
		g := got[0].([]float32)
		if len(g) != len(want) {
			t.Fatalf("dims %v axes %v: %d values, want %d", dims, axes, len(g), len(want))
		}
		for i := range want {
			if math.Abs(float64(g[i])-want[i]) > 1e-5*max(1, abs[i]) {
				t.Fatalf("dims %v axes %v: [%d] = %v, want %v", dims, axes, i, g[i], want[i])
			}
		}
	}
}

// TestSumBlocks: the block sums of interleaved chains are those of one
// loop a block, bit for bit, whatever the length (a last block cut short,
// fewer than eight blocks, none); also with a block of negative zeros
// and with infinities and NaN.
func TestSumBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for i, n := range []int{0, 1, 511, 512, 513, 8 * 512, 8*512 + 7, 17*512 + 300, 25088, 25088} {
		x := randTensor(r, max(n, 1)).data[:n]
		switch {
		case n == 8*512+7:
			for j := range 512 {
				x[2*512+j] = float32(math.Copysign(0, -1))
			}
		case i == 9:
			x = specialTensor(r, n).data
		}
		blocks := (n + reduceBlock - 1) / reduceBlock
		got := make([]float32, blocks)
		sumBlocks(got, x)
		for b := range blocks {
			var want float32
			for _, v := range x[b*reduceBlock : min(n, (b+1)*reduceBlock)] {
				want += v
			}
			if ok, _ := sameBits([]float32{got[b]}, []float32{want}); !ok {
				t.Fatalf("%d values: block %d sums to %v, want %v", n, b, got[b], want)
			}
		}
	}
}

// TestOutputsBuiltInStage: an output that an operation of the open stage
// reads was built in that stage; Compile leaves it there rather than
// computing it again in a fused step. An output that is not the
// builder's value is an error, not a panic.
func TestOutputsBuiltInStage(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	x := randTensor(r, 6, 7)
	build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
		m := must(t)
		e := m(b.Add(m(b.Exp(in[0])), in[0]))
		return []backends.Op{e, m(b.Exp(e))}
	}
	got, b := runAny(t, "kernels=hourglass", build, x)
	want, _ := runAny(t, "kernels=simplego", build, x)
	for o := range want {
		if ok, i := sameBits(got[o], want[o]); !ok {
			t.Fatalf("output %d differs at %d", o, i)
		}
	}
	if n := b.countSteps(func(st step) bool { return st.k != nil }); n != 0 {
		t.Errorf("%d kernel steps, want 0", n)
	}
	_, b2, _ := testBuilder(t, "kernels=hourglass", x)
	if _, err := b2.Compile([]backends.Op{(*value)(nil)}, nil); err == nil {
		t.Error("Compile of a nil output: no error")
	}
}

// refSum sums x over axes in float64, with the sums of absolute values.
func refSum(x tensor, axes []int) (sum, abs []float64) {
	var outDims []int
	for a, d := range x.dims {
		if !slices.Contains(axes, a) {
			outDims = append(outDims, d)
		}
	}
	outSt := strides(outDims)
	n := 1
	for _, d := range outDims {
		n *= d
	}
	sum, abs = make([]float64, n), make([]float64, n)
	i := 0
	forEach(x.dims, func(idx []int) {
		o, k := 0, 0
		for a, v := range idx {
			if !slices.Contains(axes, a) {
				o += v * outSt[k]
				k++
			}
		}
		sum[o] += float64(x.data[i])
		abs[o] += math.Abs(float64(x.data[i]))
		i++
	})
	return sum, abs
}

// TestBcastMap checks the index map of broadcasts along random axes,
// from random offsets, against the index computed axis by axis.
func TestBcastMap(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for range 200 {
		out := randDims(r)
		var axes, src []int
		for a, d := range out {
			if r.IntN(2) == 0 {
				axes = append(axes, a)
				src = append(src, []int{d, 1}[r.IntN(2)])
			}
		}
		srcT := seq(src...)
		m := newBcastMap(out, src, axes)
		size := shapes.Make(dtypes.Float32, out...).Size()
		i0 := r.IntN(size)
		d := make([]float32, min(size-i0, 1+r.IntN(3000)))
		m.fill(d, srcT.data, i0)
		outSt, srcSt := strides(out), strides(src)
		for i, got := range d {
			flat, s := i0+i, 0
			for k, a := range axes {
				if src[k] != 1 {
					s += (flat / outSt[a] % out[a]) * srcSt[k]
				}
			}
			if got != srcT.data[s] {
				t.Fatalf("out %v axes %v src %v: value %d is %v, want %v", out, axes, src, i0+i, got, srcT.data[s])
			}
		}
	}
}

// TestFusedBiasOnce: a bias broadcast along the channels (period 16,
// which divides the chunk) is filled once a part of the work, not every chunk; the
// result must still match simplego bit for bit over many chunks split
// across the cores and a partial last one, and with a period of 48 (also
// dividing no chunk: filled every chunk) beside it.
func TestFusedBiasOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, c := range []int{16, 48} {
		dims := []int{203, 7, 7, c} // over parallelMin: several workers, each filling once
		full := shapes.Make(dtypes.Float32, dims...)
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			m := must(t)
			pre := m(b.Add(in[0], m(b.BroadcastInDim(in[1], full, []int{3}))))
			zero := m(b.BroadcastInDim(m(b.Constant([]float32{0})), full, nil))
			return []backends.Op{m(b.Where(m(b.GreaterOrEqual(pre, zero)), in[2], zero))}
		}
		x, bias, g := specialTensor(r, dims...), specialTensor(r, c), specialTensor(r, dims...)
		got, b := runAny(t, "kernels=hourglass", build, x, bias, g)
		want, _ := runAny(t, "kernels=simplego", build, x, bias, g)
		if ok, i := sameBits(got[0], want[0]); !ok {
			t.Fatalf("channels %d: differs at %d: fused %v, one by one %v", c, i, at(got[0], i), at(want[0], i))
		}
		once := 0
		for _, st := range b.steps {
			if f, ok := st.k.(*fusion); ok {
				for _, p := range f.full {
					if p.once {
						once++
					}
				}
			}
		}
		if want := map[int]int{16: 1, 48: 0}[c]; once != want {
			t.Fatalf("channels %d: %d broadcasts filled once, want %d", c, once, want)
		}
	}
}

// TestFusedAdamOutputs: an optimiser's three outputs (two moments and the
// parameter, whose update reads both moments and scalars the open stage
// computes) become three fused steps, the parameter's reading the moments
// the other two wrote (its step, whose nodes with the moments' are more
// than half of maxFused at 48, stays inside the update); every output matches
// simplego's one operation at a time bit for bit, over the parallel
// threshold (3*3*97*79 values) and under it.
func TestFusedAdamOutputs(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	for _, dims := range [][]int{{37, 29}, {3, 3, 97, 79}} {
		full := shapes.Make(dtypes.Float32, dims...)
		build := func(b *stagedBuilder, in []backends.Op) []backends.Op {
			m := must(t)
			k := func(v float32) backends.Op { return m(b.Constant([]float32{v})) }
			p, m1, m2, g := in[0], in[1], in[2], in[3]
			// Computed in a stage, as Adam's learning rate and debiasing
			// terms are.
			d1, d2, lr := m(b.Exp(in[4])), m(b.Exp(m(b.Neg(in[4])))), m(b.Exp(m(b.Mul(in[4], k(-7)))))
			m1n := m(b.Add(m(b.Mul(k(0.9), m1)), m(b.Mul(m(b.Sub(k(1), k(0.9))), g))))
			m2n := m(b.Add(m(b.Mul(k(0.999), m2)), m(b.Mul(m(b.Sub(k(1), k(0.999))), m(b.Mul(g, g))))))
			den := m(b.Add(m(b.Sqrt(m(b.Mul(m2n, d2)))), k(1e-7)))
			step := m(b.Div(m(b.Mul(lr, m(b.Mul(m1n, d1)))), den))
			step = m(b.Add(step, m(b.Mul(lr, m(b.Mul(p, k(1e-4))))))) // weight decay
			return []backends.Op{m1n, m2n, m(b.Sub(p, step))}
		}
		m2 := randTensor(r, dims...)
		for i, v := range m2.data {
			m2.data[i] = v * v // a second moment is not negative
		}
		in := []tensor{specialTensor(r, dims...), randTensor(r, dims...), m2, specialTensor(r, dims...), randTensor(r)}
		got, b := runAny(t, "kernels=hourglass", build, in...)
		want, _ := runAny(t, "kernels=simplego", build, in...)
		for o := range want {
			if ok, i := sameBits(got[o], want[o]); !ok {
				t.Fatalf("%v: output %d differs at %d: fused %v, one by one %v", dims, o, i, at(got[o], i), at(want[o], i))
			}
		}
		var fs []*fusion
		for _, st := range b.steps {
			if f, ok := st.k.(*fusion); ok && f.size == full.Size() {
				fs = append(fs, f)
			}
		}
		if len(fs) != 3 {
			t.Fatalf("%v: %d fused steps of the parameter's size, want 3", dims, len(fs))
		}
		upd := fs[2].reads()
		if !slices.Contains(upd, fs[0].result()) || !slices.Contains(upd, fs[1].result()) {
			t.Errorf("%v: the update reads %v, not both moments (%d, %d)", dims, upd, fs[0].result(), fs[1].result())
		}
	}
}
