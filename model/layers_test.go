package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/hourglass-ml/hourglass/backend"
)

func goBackend(t testing.TB) backends.Backend {
	t.Helper()
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	return be
}

// seeded is a new context whose random number generator starts at seed.
func seeded(t testing.TB, seed int64) *context.Context {
	t.Helper()
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(seed); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// arr is a float64 NHWC array for the plain-Go references.
type arr struct {
	d    []int
	data []float64
}

func newArr(r *rand.Rand, d ...int) arr {
	n := 1
	for _, v := range d {
		n *= v
	}
	a := arr{d: d, data: make([]float64, n)}
	for i := range a.data {
		a.data[i] = r.Float64()*2 - 1
	}
	return a
}

func zeros(d ...int) arr {
	n := 1
	for _, v := range d {
		n *= v
	}
	return arr{d: d, data: make([]float64, n)}
}

func (a arr) at(i ...int) *float64 {
	off := 0
	for k, v := range i {
		off = off*a.d[k] + v
	}
	return &a.data[off]
}

func (a arr) tensor() *tensors.Tensor { return tensors.FromFlatDataAndDimensions(a.data, a.d...) }

// refConv2DSame: out[b,y,x,o] = bias[o] + sum w[i,j,c,o] * in[b, y+i-lo, x+j-lo, c].
func refConv2DSame(in, w, bias arr) arr {
	B, H, W, C := in.d[0], in.d[1], in.d[2], in.d[3]
	k, O := w.d[0], w.d[3]
	lo := (k - 1) / 2
	out := zeros(B, H, W, O)
	for b := 0; b < B; b++ {
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				for o := 0; o < O; o++ {
					s := bias.data[o]
					for i := 0; i < k; i++ {
						for j := 0; j < k; j++ {
							yy, xx := y+i-lo, x+j-lo
							if yy < 0 || yy >= H || xx < 0 || xx >= W {
								continue
							}
							for c := 0; c < C; c++ {
								s += *w.at(i, j, c, o) * *in.at(b, yy, xx, c)
							}
						}
					}
					*out.at(b, y, x, o) = s
				}
			}
		}
	}
	return out
}

// refMaxPool2: 2x2 windows, stride 2, floor.
func refMaxPool2(in arr) arr {
	B, H, W, C := in.d[0], in.d[1]/2, in.d[2]/2, in.d[3]
	out := zeros(B, H, W, C)
	for b := 0; b < B; b++ {
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				for c := 0; c < C; c++ {
					m := math.Inf(-1)
					for i := 0; i < 2; i++ {
						for j := 0; j < 2; j++ {
							m = math.Max(m, *in.at(b, 2*y+i, 2*x+j, c))
						}
					}
					*out.at(b, y, x, c) = m
				}
			}
		}
	}
	return out
}

// refConvTranspose follows PyTorch's definition: each input pixel scatters
// its kernel-weighted values to out[s*i+kh-p, s*j+kw-p].
func refConvTranspose(in, w, bias arr, s, p, op int) arr {
	B, H, W, C := in.d[0], in.d[1], in.d[2], in.d[3]
	kH, kW, O := w.d[0], w.d[1], w.d[3]
	OH, OW := (H-1)*s-2*p+kH+op, (W-1)*s-2*p+kW+op
	out := zeros(B, OH, OW, O)
	for b := 0; b < B; b++ {
		for y := 0; y < OH; y++ {
			for x := 0; x < OW; x++ {
				for o := 0; o < O; o++ {
					*out.at(b, y, x, o) = bias.data[o]
				}
			}
		}
		for i := 0; i < H; i++ {
			for j := 0; j < W; j++ {
				for kh := 0; kh < kH; kh++ {
					for kw := 0; kw < kW; kw++ {
						y, x := s*i+kh-p, s*j+kw-p
						if y < 0 || y >= OH || x < 0 || x >= OW {
							continue
						}
						for c := 0; c < C; c++ {
							for o := 0; o < O; o++ {
								*out.at(b, y, x, o) += *in.at(b, i, j, c) * *w.at(kh, kw, c, o)
							}
						}
					}
				}
			}
		}
	}
	return out
}

// layerCase is one layer configuration with its reference.
type layerCase struct {
	name  string
	in    []int
	build func(ctx *context.Context, x *Node) *Node
	ref   func(in arr, vars map[string]arr) arr
}

func layerCases() []layerCase {
	return []layerCase{
		{"conv 3x3 same, odd 5x7, 3->4", []int{2, 5, 7, 3},
			func(ctx *context.Context, x *Node) *Node { return Conv2D(ctx, x, 4, 3) },
			func(in arr, v map[string]arr) arr { return refConv2DSame(in, v["weights"], v["biases"]) }},
		{"conv 3x3 same, 28x28, 1->2", []int{1, 28, 28, 1},
			func(ctx *context.Context, x *Node) *Node { return Conv2D(ctx, x, 2, 3) },
			func(in arr, v map[string]arr) arr { return refConv2DSame(in, v["weights"], v["biases"]) }},
		{"maxpool 7x7 floor", []int{2, 7, 7, 3},
			func(_ *context.Context, x *Node) *Node { return MaxPool2(x) },
			func(in arr, _ map[string]arr) arr { return refMaxPool2(in) }},
		{"maxpool 6x5", []int{1, 6, 5, 2},
			func(_ *context.Context, x *Node) *Node { return MaxPool2(x) },
			func(in arr, _ map[string]arr) arr { return refMaxPool2(in) }},
		{"conv block (conv 3x3 + ReLU + pool), 7x7 -> 3x3", []int{2, 7, 7, 3},
			func(ctx *context.Context, x *Node) *Node { return ConvBlock(ctx, x, 4) },
			func(in arr, v map[string]arr) arr {
				// The paper's order: conv (with bias), ReLU, then pool.
				y := refConv2DSame(in, v["weights"], v["biases"])
				for i, val := range y.data {
					y.data[i] = math.Max(val, 0)
				}
				return refMaxPool2(y)
			}},
		{"deconv k3 s2 (3->7)", []int{2, 3, 3, 4}, deconv(3, 3, 2, 0, 0), refDeconv(2, 0, 0)},
		{"deconv k2 s2 (7->14)", []int{2, 7, 7, 3}, deconv(2, 2, 2, 0, 0), refDeconv(2, 0, 0)},
		{"deconv k3 s2 p1 op1", []int{1, 4, 5, 2}, deconv(3, 3, 2, 1, 1), refDeconv(2, 1, 1)},
		{"deconv k3 s2 p0 op1", []int{1, 3, 4, 2}, deconv(2, 3, 2, 0, 1), refDeconv(2, 0, 1)},
		{"deconv k4 s3 p1", []int{1, 3, 2, 2}, deconv(2, 4, 3, 1, 0), refDeconv(3, 1, 0)},
		{"deconv k3 s1 p1", []int{1, 4, 4, 3}, deconv(2, 3, 1, 1, 0), refDeconv(1, 1, 0)},
		// Rectangular kernels: a level whose height and width differ in parity.
		{"deconv k3x2 s2 (3x4->7x8)", []int{2, 3, 4, 3}, deconvRect(2, 3, 2), refDeconv(2, 0, 0)},
		{"deconv k2x3 s2 (5x2->10x5)", []int{1, 5, 2, 2}, deconvRect(3, 2, 3), refDeconv(2, 0, 0)},
	}
}

func deconv(filters, k, s, p, op int) func(*context.Context, *Node) *Node {
	return func(ctx *context.Context, x *Node) *Node { return ConvTranspose2D(ctx, x, filters, k, s, p, op) }
}

func deconvRect(filters, kh, kw int) func(*context.Context, *Node) *Node {
	return func(ctx *context.Context, x *Node) *Node {
		return ConvTranspose2DRect(ctx, x, filters, kh, kw, 2, 0, 0)
	}
}

func refDeconv(s, p, op int) func(arr, map[string]arr) arr {
	return func(in arr, v map[string]arr) arr { return refConvTranspose(in, v["weights"], v["biases"], s, p, op) }
}

// variables reads ctx's variables by name into arrs.
func variables(ctx *context.Context) map[string]arr {
	out := map[string]arr{}
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		t := v.MustValue()
		out[v.Name()] = arr{d: t.Shape().Dimensions, data: tensors.MustCopyFlatData[float64](t)}
	}
	return out
}

func TestLayersForward(t *testing.T) {
	be := goBackend(t)
	for _, form := range []string{"im2col", "convgeneral", "overlap"} {
		for i, tc := range layerCases() {
			r := rand.New(rand.NewPCG(uint64(i), 9))
			in := newArr(r, tc.in...)
			ctx := seeded(t, int64(i+1))
			ctx.SetParam(ParamConvForm, form)
			got, err := context.ExecOnce(be, ctx, tc.build, in.tensor())
			if err != nil {
				t.Fatalf("%s (%s): %v", tc.name, form, err)
			}
			want := tc.ref(in, variables(ctx))
			g := tensors.MustCopyFlatData[float64](got)
			if fmt.Sprint(got.Shape().Dimensions) != fmt.Sprint(want.d) {
				t.Fatalf("%s (%s): shape %v, want %v", tc.name, form, got.Shape().Dimensions, want.d)
			}
			// Sums of up to a few hundred float64 products: 1e-12 is ample.
			for j := range g {
				if math.Abs(g[j]-want.data[j]) > 1e-12 {
					t.Fatalf("%s (%s): element %d = %v, want %v", tc.name, form, j, g[j], want.data[j])
				}
			}
		}
	}
}

// checkGradients compares the gradients of loss(ctx, x) with respect to x
// and every variable against central finite differences (h = 1e-6,
// float64), on up to maxPerTensor entries of each; relative error must stay
// below 1e-4.
func checkGradients(t *testing.T, name string, be backends.Backend, ctx *context.Context, x arr,
	loss func(ctx *context.Context, x *Node) *Node, maxPerTensor int) {
	t.Helper()
	// Gradients: one output per variable (in IterVariables order) plus x.
	lossExec := context.MustNewExec(be, ctx, loss)
	lossAt := func(xt *tensors.Tensor) float64 {
		return tensors.MustCopyFlatData[float64](lossExec.MustExec(xt)[0])[0]
	}
	lossAt(x.tensor()) // creates the variables
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable {
			vars = append(vars, v)
		}
	}
	gradExec := context.MustNewExec(be, ctx.Reuse(), func(ctx *context.Context, x *Node) []*Node {
		l := loss(ctx, x)
		wrt := []*Node{x}
		for _, v := range vars {
			wrt = append(wrt, v.ValueGraph(x.Graph()))
		}
		return Gradient(l, wrt...)
	})
	grads := gradExec.MustExec(x.tensor())
	r := rand.New(rand.NewPCG(7, 7))
	const h = 1e-6
	// A central difference of a loss L computed in float64 carries a
	// rounding error of about (sum length x 1e-16) |L| / h: up to about
	// 2e-9 |L| for these models. Gradients far smaller than that (the first
	// layers of a deep model reach 1e-8) are compared within it.
	atol := 2e-9 * math.Max(1, math.Abs(lossAt(x.tensor())))
	check := func(label string, n int, analytic []float64, perturb func(i int, delta float64) float64) {
		idx := r.Perm(n)
		if len(idx) > maxPerTensor {
			idx = idx[:maxPerTensor]
		}
		nonzero := false
		for _, i := range idx {
			fd := (perturb(i, h) - perturb(i, -h)) / (2 * h)
			a := analytic[i]
			nonzero = nonzero || a != 0
			if rel := math.Abs(a-fd) / math.Max(math.Max(math.Abs(a), math.Abs(fd)), 1e-6); rel > 1e-4 && math.Abs(a-fd) > atol {
				t.Errorf("%s: d/d%s[%d]: analytic %.10g, finite difference %.10g (relative error %.2g)", name, label, i, a, fd, rel)
			}
		}
		if !nonzero {
			t.Errorf("%s: every sampled gradient of %s is zero: the check would prove nothing (dead ReLUs? pick another seed)", name, label)
		}
	}
	check("input", len(x.data), tensors.MustCopyFlatData[float64](grads[0]), func(i int, d float64) float64 {
		old := x.data[i]
		x.data[i] += d
		l := lossAt(x.tensor())
		x.data[i] = old
		return l
	})
	for k, v := range vars {
		val := v.MustValue()
		base := tensors.MustCopyFlatData[float64](val)
		dims := val.Shape().Dimensions
		check(v.ScopeAndName(), len(base), tensors.MustCopyFlatData[float64](grads[k+1]), func(i int, d float64) float64 {
			p := append([]float64(nil), base...)
			p[i] += d
			mustSet(t, v, tensors.FromFlatDataAndDimensions(p, dims...))
			l := lossAt(x.tensor())
			mustSet(t, v, tensors.FromFlatDataAndDimensions(base, dims...))
			return l
		})
	}
}

// weightedSum turns a layer output into a scalar with fixed random weights,
// so every output element contributes a distinct gradient.
func weightedSum(y *Node) *Node {
	r := rand.New(rand.NewPCG(3, 3))
	w := make([]float64, y.Shape().Size())
	for i := range w {
		w[i] = r.Float64()*2 - 1
	}
	return ReduceAllSum(Mul(y, Const(y.Graph(), tensors.FromFlatDataAndDimensions(w, y.Shape().Dimensions...))))
}

func TestLayerGradients(t *testing.T) {
	be := goBackend(t)
	for _, form := range []string{"im2col", "convgeneral", "overlap"} {
		for i, tc := range layerCases() {
			r := rand.New(rand.NewPCG(uint64(i), 11))
			ctx := seeded(t, int64(i+1))
			ctx.SetParam(ParamConvForm, form)
			build := tc.build
			checkGradients(t, tc.name+" ("+form+")", be, ctx, newArr(r, tc.in...),
				func(ctx *context.Context, x *Node) *Node { return weightedSum(build(ctx, x)) }, 40)
		}
	}
}

func TestModelGradients(t *testing.T) {
	be := goBackend(t)
	// Seed 6 gives an initialisation where every layer passes gradient; with
	// about half of the seeds the final ReLU starts dead for these inputs.
	ctx := seeded(t, 6)
	r := rand.New(rand.NewPCG(5, 5))
	x := newArr(r, 2, 28, 28, 1)
	for i := range x.data {
		x.data[i] = (x.data[i] + 1) / 2 // pixels in [0, 1]
	}
	checkGradients(t, "autoencoder MSE", be, ctx, x, func(ctx *context.Context, x *Node) *Node {
		return Loss(x, Paper().Autoencoder(ctx, x))
	}, 12)
}

// TestModelGradientsFloat32 covers the float32 path training takes, where
// the pure-Go backend runs matrix products on hourglass's own kernel
// (internal/numeric/gemm) rather than simplego's: the gradients of the whole model
// in float32 must match the float64 gradients (themselves checked against
// finite differences above) at the same weights, to 1e-4 of each tensor's
// largest entry (float32 rounding over sums of up to ~25,000 terms).
func TestModelGradientsFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	x := newArr(r, 4, 28, 28, 1)
	for i := range x.data {
		x.data[i] = (x.data[i] + 1) / 2
	}
	loss := func(ctx *context.Context, x *Node) *Node { return Loss(x, Paper().Autoencoder(ctx, x)) }
	if n := float32MatchesFloat64(t, "paper's autoencoder", 6, x, loss); n != 12 {
		t.Errorf("%d gradients compared, want the paper's 12 tensors", n)
	}
}

// flat64 returns a float32 or float64 tensor's values as float64.
func flat64(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	f := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

// mustSet sets a variable's value, failing the test if it can't.
func mustSet(t *testing.T, v *context.Variable, value *tensors.Tensor) {
	t.Helper()
	if err := v.SetValue(value); err != nil {
		t.Fatalf("setting %s: %v", v.ScopeAndName(), err)
	}
}

// TestOverlapIsSmaller: which transposed layers the auto form runs as
// overlapAdd. Expected values worked out by hand from the products a
// training step does: 3 x (contributions: h*w*k*k*cin) + 2 x (the 0/1
// product: h*w*k*k x output pixels) against 3 x (output pixels *
// k*k*cin) for the dilated form, per output channel.
func TestOverlapIsSmaller(t *testing.T) {
	for _, tc := range []struct {
		name         string
		in           []int // [B, H, W, Cin]
		k, s, p, op  int
		want         bool
		overlap, dil int // the two counts, for the record
	}{
		// The paper's 3 -> 7 layer: 3*81*64 + 2*81*49 = 23490 < 3*49*9*64 = 84672.
		{"paper 3->7, 64 channels", []int{2, 3, 3, 64}, 3, 2, 0, 0, true, 23490, 84672},
		// 7 -> 15 with 32 channels: 3*441*32 + 2*441*225 = 240786 > 3*225*9*32 = 194400.
		{"7->15, 32 channels", []int{2, 7, 7, 32}, 3, 2, 0, 0, false, 240786, 194400},
		// 1 -> 3 (a four-block 28x28 model's bottom): 3*9*8 + 2*9*9 = 378 < 3*9*9*8 = 1944.
		{"1->3, 8 channels", []int{2, 1, 1, 8}, 3, 2, 0, 0, true, 378, 1944},
	} {
		g := NewGraph(goBackend(t), "overlap")
		x := Parameter(g, "x", shapes.Make(dtypes.Float32, tc.in...))
		w := Parameter(g, "w", shapes.Make(dtypes.Float32, tc.k, tc.k, tc.in[3], 4))
		if got := overlapIsSmaller(x, w, tc.s, tc.p, tc.op); got != tc.want {
			t.Errorf("%s: overlapIsSmaller = %v, want %v (%d against %d products a channel)", tc.name, got, tc.want, tc.overlap, tc.dil)
		}
	}
}
