package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestPaperSpecIsThePaperModel: the paper's Spec builds the model exactly
// as the builder before Specs did (paperAutoencoder, kept in
// paper_ref_test.go): at the same seed the same variables, and the same
// codes, reconstructions, loss and gradients, bit for bit, in the
// convgeneral and im2col forms. (The auto form differs from convgeneral in
// the 3 -> 7 layer, overlapAdd, which sums in another order; the layer
// and whole-model gradient tests check it against references.)
func TestPaperSpecIsThePaperModel(t *testing.T) {
	be := goBackend(t)
	r := rand.New(rand.NewPCG(3, 3))
	x := make([]float32, 8*28*28)
	for i := range x {
		x[i] = r.Float32()
	}
	xt := tensors.FromFlatDataAndDimensions(x, 8, 28, 28, 1)
	for _, form := range []string{"convgeneral", "im2col"} {
		run := func(encode func(*context.Context, *Node) *Node, ae func(*context.Context, *Node) *Node) [][]float32 {
			ctx := seeded(t, 6)
			ctx.SetParam(ParamConvForm, form)
			out := context.MustNewExec(be, ctx, func(ctx *context.Context, x *Node) []*Node {
				rec := ae(ctx, x)
				loss := Loss(x, rec)
				var wrt []*Node
				for v := range ctx.IterVariables() {
					if v.Trainable {
						wrt = append(wrt, v.ValueGraph(x.Graph()))
					}
				}
				return append([]*Node{encode(ctx.Reuse(), x), rec, loss}, Gradient(loss, wrt...)...)
			}).MustExec(xt)
			var vals [][]float32
			for _, o := range out {
				vals = append(vals, tensors.MustCopyFlatData[float32](o))
			}
			return vals
		}
		want := run(paperEncoder, paperAutoencoder)
		got := run(Paper().Encoder, Paper().Autoencoder)
		if len(got) != len(want) || len(want) != 3+12 {
			t.Fatalf("%s: %d outputs, want %d (codes, reconstructions, loss, 12 gradients)", form, len(got), len(want))
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("%s: output %d differs from the paper builder's", form, i)
			}
		}
	}
}

// paramCount is a model's parameter count in closed form, worked out here
// from the layer rules (3x3 convolutions; a stride-2 transposed
// convolution of 2 where a size doubles and 3 where it becomes 2n+1;
// weights plus biases), independently of Spec's own methods.
func paramCount(h, w, c int, filters []int, code int, vae bool) int {
	n, cin := 0, c
	hs, ws := []int{h}, []int{w}
	for _, f := range filters {
		n += 9*cin*f + f
		cin = f
		hs, ws = append(hs, hs[len(hs)-1]/2), append(ws, ws[len(ws)-1]/2)
	}
	d := len(filters)
	mapSize := hs[d] * ws[d] * filters[d-1]
	switch {
	case vae:
		l := code
		if l == 0 {
			l = 16
		}
		n += mapSize*2*l + 2*l + l*mapSize + mapSize
	case code > 0:
		n += mapSize*code + code + code*mapSize + mapSize
	}
	for lvl := d; lvl > 0; lvl-- {
		kh, kw := 2+hs[lvl-1]-2*hs[lvl], 2+ws[lvl-1]-2*ws[lvl]
		cout := c
		if lvl > 1 {
			cout = filters[lvl-2]
		}
		n += kh*kw*filters[lvl-1]*cout + cout
	}
	return n
}

// TestShapesAndParameters: for every depth from 1 to 5 and input sizes
// from the smallest the depth allows to 96 (odd ones included, and
// rectangles), grey and colour, with and without a dense code, and as a
// VAE: the decoder's output has the input's shape and the parameter count
// is the closed form's.
func TestShapesAndParameters(t *testing.T) {
	be := goBackend(t)
	filters := []int{4, 5, 6, 7, 8}
	n := 0
	for depth := 1; depth <= MaxDepth; depth++ {
		m := MinInput(depth)
		sizes := [][2]int{{m, m}, {m + 1, m}, {m, m + 1}, {2*m + 1, 3*m - 1}, {96, 96}, {95, 61}}
		for _, hw := range sizes {
			if hw[0] > 96 || hw[1] > 96 {
				continue
			}
			for _, c := range []int{1, 3} {
				for _, code := range []int{0, 3} {
					for _, kind := range []string{KindAE, KindVAE} {
						s := Spec{Kind: kind, Input: [3]int{hw[0], hw[1], c}, Filters: filters[:depth], Code: code}
						name := s.String()
						if err := s.Validate(); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						ctx := context.New()
						g := NewGraph(be, "shapes")
						x := Parameter(g, "x", shapes.Make(dtypes.Float32, 2, hw[0], hw[1], c))
						var out, codes *Node
						err := building(func() {
							if s.IsVAE() {
								out, _, _ = s.VAE(ctx, x)
							} else {
								out = s.Autoencoder(ctx, x)
							}
							codes = s.Encoder(ctx.Reuse(), x)
						})
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						if d := out.Shape().Dimensions; !slices.Equal(d, []int{2, hw[0], hw[1], c}) {
							t.Errorf("%s: decoder output %v, want the input's [2 %d %d %d]", name, d, hw[0], hw[1], c)
						}
						if d := codes.Shape().Dimensions; !slices.Equal(d, []int{2, s.CodeSize()}) {
							t.Errorf("%s: codes %v, want [2 %d]", name, d, s.CodeSize())
						}
						got := 0
						for v := range ctx.IterVariables() {
							if v.Trainable {
								got += v.Shape().Size()
							}
						}
						if want := paramCount(hw[0], hw[1], c, filters[:depth], code, kind == KindVAE); got != want {
							t.Errorf("%s: %d parameters, closed form %d", name, got, want)
						}
						n++
					}
				}
			}
		}
	}
	if n < 150 {
		t.Errorf("only %d models checked", n)
	}
}

// TestPaperParameters: the paper's table, 43,889 parameters, from the
// closed form and from the built model.
func TestPaperParameters(t *testing.T) {
	if got := paramCount(28, 28, 1, []int{16, 32, 64}, 0, false); got != 43889 {
		t.Errorf("closed form for the paper's model: %d, want 43,889", got)
	}
	if got := Parameters(); got != 43889 {
		t.Errorf("built paper model: %d parameters, want 43,889", got)
	}
}

// TestGradientsPerDepth: for a small model of every depth (odd sizes,
// rectangles, colour, a dense code, a VAE), the float64 gradients of the
// loss match central finite differences, and the float32 gradients (the
// path training takes, on hourglass's kernels) match the float64 ones.
func TestGradientsPerDepth(t *testing.T) {
	be := goBackend(t)
	cases := []Spec{
		{Kind: KindAE, Input: [3]int{5, 6, 3}, Filters: []int{3}},
		{Kind: KindAE, Input: [3]int{7, 9, 1}, Filters: []int{3, 4}, Code: 4},
		{Kind: KindAE, Input: [3]int{11, 8, 3}, Filters: []int{2, 3, 4}},
		{Kind: KindVAE, Input: [3]int{17, 16, 1}, Filters: []int{2, 3, 3, 4}, Code: 3},
		{Kind: KindAE, Input: [3]int{33, 35, 1}, Filters: []int{2, 2, 3, 3, 4}, Code: 5},
	}
	for _, s := range cases {
		t.Run(fmt.Sprintf("depth%d", s.Depth()), func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, uint64(s.Depth())))
			x := newArr(r, 2, s.Input[0], s.Input[1], s.Input[2])
			for i := range x.data {
				x.data[i] = (x.data[i] + 1) / 2 // pixels in [0, 1]
			}
			loss := func(ctx *context.Context, x *Node) *Node {
				if s.IsVAE() {
					// The ELBO with the posterior mean as the sample: the
					// sampling noise would make finite differences useless.
					mean, logVar := s.VAEEncoder(ctx, x)
					logits := s.VAEDecoder(ctx, mean)
					return ReduceAllMean(Add(BernoulliNLL(x, logits), GaussianKL(mean, logVar)))
				}
				return Loss(x, s.Autoencoder(ctx, x))
			}
			seed := liveSeed(t, s, x, loss)
			checkGradients(t, s.String(), be, seeded(t, seed), x, loss, 16)
			float32MatchesFloat64(t, s.String(), seed, x, loss)
		})
	}
}

// liveSeed is the first seed from 1 whose initial model passes gradient
// to at least a quarter of the entries of every weight tensor for x (the paper's
// ReLUs, its last layer's included, start dead for some seeds and inputs):
// a gradient check of a dead model proves nothing.
func liveSeed(t *testing.T, s Spec, x arr, loss func(*context.Context, *Node) *Node) int64 {
	t.Helper()
	be := goBackend(t)
	for seed := int64(1); seed <= 50; seed++ {
		ctx := seeded(t, seed)
		context.MustNewExec(be, ctx, loss).MustExec(x.tensor()) // creates the variables
		var vars []*context.Variable
		for v := range ctx.IterVariables() {
			if v.Trainable {
				vars = append(vars, v)
			}
		}
		grads := context.MustNewExec(be, ctx.Reuse(), func(ctx *context.Context, x *Node) []*Node {
			var wrt []*Node
			for _, v := range vars {
				wrt = append(wrt, v.ValueGraph(x.Graph()))
			}
			return Gradient(loss(ctx, x), wrt...)
		}).MustExec(x.tensor())
		live := true
		for _, g := range grads {
			vals := flat64(g)
			nonzero := len(vals) - len(slices.DeleteFunc(slices.Clone(vals), func(v float64) bool { return v != 0 }))
			live = live && 4*nonzero >= len(vals)
		}
		if live {
			return seed
		}
	}
	t.Fatalf("%s: no seed from 1 to 50 starts with gradient through a quarter of every tensor", s)
	return 0
}

// float32MatchesFloat64 checks the float32 model's gradients against the
// float64 model's at the same weights (themselves checked against finite
// differences), to 1e-4 of each tensor's largest entry (float32 rounding
// over sums of up to ~25,000 terms), and returns how many tensors it
// compared. The float32 path is the one training takes, on hourglass's
// own matrix kernel (internal/numeric/gemm) rather than simplego's.
func float32MatchesFloat64(t *testing.T, name string, seed int64, x arr, loss func(*context.Context, *Node) *Node) int {
	t.Helper()
	be := goBackend(t)
	x32 := make([]float32, len(x.data))
	for i, v := range x.data {
		x32[i] = float32(v)
	}
	grads := func(ctx *context.Context, xt *tensors.Tensor) map[string][]float64 {
		context.MustNewExec(be, ctx.Checked(false), loss).MustExec(xt) // creates the variables if new
		var vars []*context.Variable
		for v := range ctx.IterVariables() {
			if v.Trainable {
				vars = append(vars, v)
			}
		}
		g := context.MustNewExec(be, ctx.Reuse(), func(ctx *context.Context, x *Node) []*Node {
			var wrt []*Node
			for _, v := range vars {
				wrt = append(wrt, v.ValueGraph(x.Graph()))
			}
			return Gradient(loss(ctx, x), wrt...)
		}).MustExec(xt)
		out := map[string][]float64{}
		for i, v := range vars {
			out[v.ScopeAndName()] = flat64(g[i])
		}
		return out
	}
	ctx64 := seeded(t, seed)
	want := grads(ctx64, x.tensor())
	ctx32 := seeded(t, seed)
	x32t := tensors.FromFlatDataAndDimensions(x32, x.d...)
	context.MustNewExec(be, ctx32, loss).MustExec(x32t)
	for v := range ctx32.IterVariables() {
		if !v.Trainable {
			continue
		}
		w64 := ctx64.GetVariableByScopeAndName(v.Scope(), v.Name())
		if w64 == nil {
			t.Fatalf("%s: variable %s missing from the float64 model", name, v.ScopeAndName())
		}
		src := tensors.MustCopyFlatData[float64](w64.MustValue())
		w32 := make([]float32, len(src))
		for i, s := range src {
			w32[i] = float32(s)
		}
		mustSet(t, v, tensors.FromFlatDataAndDimensions(w32, w64.MustValue().Shape().Dimensions...))
	}
	got := grads(ctx32, x32t)
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%s: %d float32 and %d float64 gradients", name, len(got), len(want))
	}
	for k, w := range want {
		g := got[k]
		scale := 0.0
		for _, v := range w {
			scale = math.Max(scale, math.Abs(v))
		}
		if scale == 0 {
			t.Errorf("%s: %s: float64 gradient is all zero, the comparison would prove nothing", name, k)
		}
		for i := range w {
			if math.Abs(g[i]-w[i]) > 1e-4*scale {
				t.Fatalf("%s: %s[%d]: float32 %.8g, float64 %.8g (scale %.3g)", name, k, i, g[i], w[i], scale)
			}
		}
	}
	return len(got)
}

// TestValidateNamesWhatIsWrong: every bad architecture is an error naming
// the key, the value and what is allowed.
func TestValidateNamesWhatIsWrong(t *testing.T) {
	ok := Paper()
	with := func(f func(*Spec)) Spec { s := ok; s.Filters = slices.Clone(ok.Filters); f(&s); return s }
	cases := []struct {
		name string
		spec Spec
		want []string
	}{
		{"too small for the depth", with(func(s *Spec) { s.Input = [3]int{7, 28, 1} }), []string{"model.input", "7x28", "3 blocks", "smallest input is 8x8"}},
		{"no blocks", with(func(s *Spec) { s.Filters = nil }), []string{"model.filters", "1 to 5 blocks"}},
		{"too deep", with(func(s *Spec) { s.Filters = []int{1, 2, 3, 4, 5, 6} }), []string{"model.filters", "6 blocks", "1 to 5"}},
		{"zero filters", with(func(s *Spec) { s.Filters = []int{16, 0, 64} }), []string{"model.filters", "[16 0 64]", "at least 1 filter"}},
		{"two channels", with(func(s *Spec) { s.Input = [3]int{28, 28, 2} }), []string{"model.input", "2 channels", "1 (grey) or 3 (colour)"}},
		{"code wider than the map", with(func(s *Spec) { s.Code = 577 }), []string{"model.code = 577", "576 values", "at most 576"}},
		{"negative code", with(func(s *Spec) { s.Code = -1 }), []string{"model.code = -1", "positive size"}},
		{"unknown kind", with(func(s *Spec) { s.Kind = "gan" }), []string{"model.kind", "gan"}},
	}
	for _, tc := range cases {
		err := tc.spec.Validate()
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tc.name, err, w)
			}
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("the paper's model: %v", err)
	}
	vae := PaperVAE(0)
	vae.Code = 1000 // a VAE's latent size is not bounded by the map
	if err := vae.Validate(); err != nil {
		t.Errorf("a VAE with 1000 latent values: %v", err)
	}
}
