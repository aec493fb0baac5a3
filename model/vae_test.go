package model

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// run executes a float64 graph function once.
func run(t *testing.T, f any, args ...any) []*tensors.Tensor {
	t.Helper()
	exec, err := NewExecAny(goBackend(t), f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGaussianKLClosedForm: the graph's KL against the closed form
// -1/2 sum(1 + lv - m² - e^lv) computed here, and against a Monte-Carlo
// estimate of E_q[log q(z) - log p(z)] with 200,000 draws (tolerance: 5
// standard errors of the estimate).
func TestGaussianKLClosedForm(t *testing.T) {
	m := []float64{0.3, -1.2, 0, 2.0}
	lv := []float64{-0.5, 0.4, 0, -2.0}
	out := run(t, func(mean, logVar *Node) *Node { return GaussianKL(mean, logVar) },
		tensors.FromFlatDataAndDimensions(m, 1, 4), tensors.FromFlatDataAndDimensions(lv, 1, 4))
	got := tensors.MustCopyFlatData[float64](out[0])[0]
	var closed float64
	for i := range m {
		closed += -0.5 * (1 + lv[i] - m[i]*m[i] - math.Exp(lv[i]))
	}
	if math.Abs(got-closed) > 1e-12 {
		t.Errorf("KL %v, closed form %v", got, closed)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200000
	var sum, sum2 float64
	for range n {
		var d float64
		for i := range m {
			s := math.Exp(lv[i] / 2)
			eps := r.NormFloat64()
			z := m[i] + s*eps
			logq := -0.5*eps*eps - math.Log(s) - 0.5*math.Log(2*math.Pi)
			logp := -0.5*z*z - 0.5*math.Log(2*math.Pi)
			d += logq - logp
		}
		sum += d
		sum2 += d * d
	}
	mean := sum / n
	se := math.Sqrt((sum2/n - mean*mean) / n)
	if math.Abs(mean-got) > 5*se {
		t.Errorf("KL %v, Monte-Carlo %v ± %v", got, mean, se)
	}
}

// TestBernoulliNLL against softplus(l) - x l summed per image, computed
// directly, for large and small logits (the stable form must not overflow).
func TestBernoulliNLL(t *testing.T) {
	x := []float64{0, 1, 0.3, 1, 0, 0.5}
	l := []float64{-3, 2, 0.1, 40, -40, 700}
	out := run(t, func(images, logits *Node) *Node { return BernoulliNLL(images, logits) },
		tensors.FromFlatDataAndDimensions(x, 2, 3), tensors.FromFlatDataAndDimensions(l, 2, 3))
	got := tensors.MustCopyFlatData[float64](out[0])
	softplus := func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) }
	for img := range 2 {
		var want float64
		for j := 3 * img; j < 3*img+3; j++ {
			want += softplus(l[j]) - x[j]*l[j]
		}
		if math.Abs(got[img]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("image %d: %v, want %v", img, got[img], want)
		}
	}
}

// TestReparameterisedGradient: with the noise fixed, the gradient of a
// loss through z = m + exp(lv/2) eps (a weighted sum of squares of z plus
// the KL term) with respect to m and lv, against central finite
// differences of the same float64 function (relative 1e-6).
func TestReparameterisedGradient(t *testing.T) {
	m := []float64{0.3, -1.2, 0.5}
	lv := []float64{-0.5, 0.4, 0.1}
	eps := []float64{0.7, -0.2, 1.3}
	w := []float64{1.5, -0.7, 2.0}
	loss := func(mean, logVar *Node) *Node {
		z := Reparameterize(mean, logVar, Const(mean.Graph(), tensors.FromFlatDataAndDimensions(eps, 1, 3)))
		wz := Mul(Const(mean.Graph(), tensors.FromFlatDataAndDimensions(w, 1, 3)), Square(z))
		return Add(ReduceAllSum(wz), ReduceAllSum(GaussianKL(mean, logVar)))
	}
	out := run(t, func(mean, logVar *Node) []*Node { return Gradient(loss(mean, logVar), mean, logVar) },
		tensors.FromFlatDataAndDimensions(m, 1, 3), tensors.FromFlatDataAndDimensions(lv, 1, 3))
	gm, glv := tensors.MustCopyFlatData[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
	f := func(m, lv []float64) float64 {
		var s float64
		for i := range m {
			z := m[i] + math.Exp(lv[i]/2)*eps[i]
			s += w[i]*z*z - 0.5*(1+lv[i]-m[i]*m[i]-math.Exp(lv[i]))
		}
		return s
	}
	const h = 1e-6
	for i := range m {
		for _, c := range []struct {
			name string
			v    []float64
			got  float64
		}{{"mean", m, gm[i]}, {"log-variance", lv, glv[i]}} {
			old := c.v[i]
			c.v[i] = old + h
			up := f(m, lv)
			c.v[i] = old - h
			down := f(m, lv)
			c.v[i] = old
			fd := (up - down) / (2 * h)
			if math.Abs(fd-c.got) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("d loss / d %s[%d] = %v, finite difference %v", c.name, i, c.got, fd)
			}
		}
	}
}

// TestVAEShapesAndSummary: the VAE's layers and counts, read off the built
// model: 576 -> 2L dense, L -> 576 dense, the transposed convolutions
// without ReLU on the last.
func TestVAEShapesAndSummary(t *testing.T) {
	rows, err := SummaryOf(PaperVAE(16))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name   string
		params int
	}{
		{"Conv2d 3x3, 16, same + ReLU + MaxPool 2", 160}, {"Conv2d 3x3, 32, same + ReLU + MaxPool 2", 4640},
		{"Conv2d 3x3, 64, same + ReLU + MaxPool 2", 18496},
		{"Linear 576 -> 32 (mean, log-variance)", 576*32 + 32}, {"Linear 16 -> 576 + ReLU", 16*576 + 576},
		{"ConvTranspose2d 3x3, stride 2, 32 + ReLU", 18464}, {"ConvTranspose2d 2x2, stride 2, 16 + ReLU", 2064},
		{"ConvTranspose2d 2x2, stride 2, 1", 65},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	for i, w := range want {
		if rows[i].Name != w.name || rows[i].Params != w.params {
			t.Errorf("row %d: %q %d, want %q %d", i, rows[i].Name, rows[i].Params, w.name, w.params)
		}
	}
	ctx := context.New()
	x := tensors.FromFlatDataAndDimensions(make([]float32, 3*784), 3, 28, 28, 1)
	out, err := context.ExecOnceN(goBackend(t), ctx, func(ctx *context.Context, x *Node) []*Node {
		l, m, lv := PaperVAE(4).VAE(ctx, x)
		return []*Node{l, m, lv}
	}, x)
	if err != nil {
		t.Fatal(err)
	}
	if d := out[0].Shape().Dimensions; len(d) != 4 || d[0] != 3 || d[1] != 28 || out[1].Shape().Dimensions[1] != 4 {
		t.Errorf("shapes %v %v", out[0].Shape(), out[1].Shape())
	}
}
