package frechet

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func gaussianRows(r *rand.Rand, n, d int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	mix := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			mix.Set(i, j, r.NormFloat64()/float64(1+i+j))
		}
	}
	raw := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			raw.Set(i, j, r.NormFloat64())
		}
	}
	x.Mul(raw, mix)
	return x
}

func distance(t *testing.T, a, b *mat.Dense) float64 {
	t.Helper()
	sa, err := Of(a)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Of(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Distance(sa, sb)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestClosedForms: the distance of a set from itself is 0; shifted by a
// vector c it is |c|² (the covariances are equal); scaled about its mean
// by s it is tr(S)(1-s)² (the covariance becomes s²S, whose square root
// with S's is sS). Tolerances: rounding of 1,000-row sums, 1e-9 relative.
func TestClosedForms(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := gaussianRows(r, 1000, 6)
	if d := distance(t, x, x); math.Abs(d) > 1e-9 {
		t.Errorf("a set from itself: %v, want 0", d)
	}
	shift := []float64{1, -2, 0.5, 0, 3, -1}
	var c2 float64
	for _, v := range shift {
		c2 += v * v
	}
	moved := mat.DenseCopyOf(x)
	n, d := moved.Dims()
	for i := range n {
		for j := range d {
			moved.Set(i, j, moved.At(i, j)+shift[j])
		}
	}
	if got := distance(t, x, moved); math.Abs(got-c2) > 1e-9*c2 {
		t.Errorf("shifted by c: %v, want |c|² = %v", got, c2)
	}
	s, err := Of(x)
	if err != nil {
		t.Fatal(err)
	}
	const scale = 1.7
	scaled := mat.DenseCopyOf(x)
	for i := range n {
		for j := range d {
			scaled.Set(i, j, s.Mean[j]+scale*(x.At(i, j)-s.Mean[j]))
		}
	}
	want := mat.Trace(s.Cov) * (1 - scale) * (1 - scale)
	if got := distance(t, x, scaled); math.Abs(got-want) > 1e-9*want {
		t.Errorf("scaled by %v: %v, want tr(S)(1-s)² = %v", scale, got, want)
	}
}

// TestIndependentGaussians: two large samples of the same distribution are
// close (relative to the distance between two different ones), and the
// distance is symmetric.
func TestIndependentGaussians(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a, b := mat.NewDense(20000, 3, nil), mat.NewDense(20000, 3, nil)
	for i := range 20000 {
		for j := range 3 {
			a.Set(i, j, r.NormFloat64())
			b.Set(i, j, r.NormFloat64())
		}
	}
	same := distance(t, a, b)
	if same > 0.01 || math.Abs(same-distance(t, b, a)) > 1e-12 {
		t.Errorf("two samples of N(0, I): %v (and %v the other way)", same, distance(t, b, a))
	}
}
