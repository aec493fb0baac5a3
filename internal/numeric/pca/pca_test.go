package pca

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
)

func randomMatrix(r *rand.Rand, n, d int) *mat.Dense {
	m := mat.NewDense(n, d, nil)
	// Correlated columns: a random mixing of independent scales.
	mix := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			mix.Set(i, j, r.NormFloat64()/float64(1+i))
		}
	}
	raw := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			raw.Set(i, j, r.NormFloat64()+3)
		}
	}
	m.Mul(raw, mix)
	return m
}

// TestPCAKnownResult: points on the line y = 2x (plus a symmetric
// perpendicular wobble) have their first axis along (1, 2)/sqrt(5) and
// variances computable by hand.
func TestPCAKnownResult(t *testing.T) {
	// t in {-2,-1,0,1,2} along u=(1,2)/√5 (scaled by √5), wobble ±0.5 along
	// v=(-2,1)/√5 alternating sign.
	var rows []float64
	for i, s := range []float64{-2, -1, 0, 1, 2} {
		w := 0.5
		if i%2 == 1 {
			w = -0.5
		}
		x := s*1 + w*(-2)/math.Sqrt(5)
		y := s*2 + w*1/math.Sqrt(5)
		rows = append(rows, x, y)
	}
	p := New(2)
	if err := p.Fit(mat.NewDense(5, 2, rows)); err != nil {
		t.Fatal(err)
	}
	// Variance along u: sum((s√5)^2)/(n-1) = 5*10/4 = 12.5; wobble mean is
	// 0.1 (three +0.5, two -0.5): variance (3*0.4^2 + 2*0.6^2)/4 = 0.3.
	cases := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"variance 1", p.Variances()[0], 12.5, 1e-12},
		{"variance 2", p.Variances()[1], 0.3, 1e-12},
		{"|axis1 . u|", math.Abs(p.Components().At(0, 0)*1/math.Sqrt(5) + p.Components().At(1, 0)*2/math.Sqrt(5)), 1, 1e-12},
	}
	for _, c := range cases {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestPCAAgainstGonumSVD compares with gonum's stat.PC, which computes PCA
// by an SVD of the centred data rather than an eigendecomposition of the
// covariance (sign-agnostic).
func TestPCAAgainstGonumSVD(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randomMatrix(r, 200, 12)
	p := New(12)
	if err := p.Fit(x); err != nil {
		t.Fatal(err)
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		t.Fatal("stat.PC failed")
	}
	vars := pc.VarsTo(nil)
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	mine := p.Components()
	for k := 0; k < 12; k++ {
		if !scalar.EqualWithinRel(p.Variances()[k], vars[k], 1e-9) {
			t.Errorf("variance %d: %v, stat.PC %v", k, p.Variances()[k], vars[k])
		}
		dot := mat.Dot(mine.ColView(k), vecs.ColView(k))
		if math.Abs(math.Abs(dot)-1) > 1e-8 {
			t.Errorf("component %d: |cos| = %v, want 1", k, math.Abs(dot))
		}
	}
}

func TestPCARoundTripAndErrorOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := randomMatrix(r, 100, 8)
	prev := math.Inf(1)
	for _, k := range []int{1, 3, 6, 8} {
		p := New(k)
		if err := p.Fit(x); err != nil {
			t.Fatal(err)
		}
		c, err := p.Transform(x)
		if err != nil {
			t.Fatal(err)
		}
		back, err := p.Inverse(c)
		if err != nil {
			t.Fatal(err)
		}
		mse := codes.MeanSquaredError(x, back)
		if !(mse < prev) && k < 8 {
			t.Errorf("k=%d: MSE %v not below k smaller's %v", k, mse, prev)
		}
		// The discarded variance equals the error: sum of the dropped
		// eigenvalues * (n-1)/n, spread over the d columns.
		var dropped float64
		for _, v := range p.Variances()[k:] {
			dropped += v
		}
		want := dropped * 99 / 100 / 8
		if math.Abs(mse-want) > 1e-9*math.Max(1, want) {
			t.Errorf("k=%d: MSE %v, discarded variance says %v", k, mse, want)
		}
		prev = mse
	}
	if _, err := New(9).Transform(x); err == nil {
		t.Error("Transform before Fit: no error")
	}
	if err := New(9).Fit(x); err == nil {
		t.Error("9 components of 8 columns: no error")
	}
}

// TestExplainedVarianceRealData checks the ratios on real images against
// the singular values of the centred data (gonum's SVD), to 1e-6 relative
// for every component holding at least 1e-6 of the variance.
func TestExplainedVarianceRealData(t *testing.T) {
	s, err := data.Prepare(config.Data{Validation: 0}, data.Grey28, 1, nil)
	if err != nil {
		t.Fatalf("the real Fashion-MNIST is needed for this test: %v", err)
	}
	x := codes.Matrix(s.Train.Slice(0, 2000))
	p := New(50)
	if err := p.Fit(x); err != nil {
		t.Fatal(err)
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		t.Fatal("stat.PC failed")
	}
	vars := pc.VarsTo(nil)
	total := floats.Sum(vars)
	got := p.ExplainedVarianceRatio()
	checked := 0
	for k, v := range vars {
		want := v / total
		if want < 1e-6 {
			break
		}
		if !scalar.EqualWithinRel(got[k], want, 1e-6) {
			t.Errorf("ratio %d: %v, SVD says %v", k, got[k], want)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d components compared", checked)
	}
	if c := floats.Sum(got[:50]); c < 0.8 || c > 0.95 {
		t.Errorf("50 components explain %.3f of the variance; Fashion-MNIST's first 50 explain about 0.86", c)
	}
}
