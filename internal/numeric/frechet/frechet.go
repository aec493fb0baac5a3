// Package frechet measures how far apart two sets of feature vectors are
// as Gaussians: the Fréchet (2-Wasserstein) distance between the normal
// distributions with their means and covariances,
//
//	|mu1 - mu2|² + tr(S1 + S2 - 2 (S1^½ S2 S1^½)^½).
package frechet

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Stats are a set's mean and covariance.
type Stats struct {
	Mean []float64
	Cov  *mat.SymDense
}

// Of computes the mean and (n-1)-normalised covariance of the rows of x.
func Of(x *mat.Dense) (Stats, error) {
	n, d := x.Dims()
	if n < 2 {
		return Stats{}, fmt.Errorf("frechet: %d rows; need at least 2", n)
	}
	s := Stats{Mean: make([]float64, d), Cov: mat.NewSymDense(d, nil)}
	for j := range d {
		s.Mean[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	stat.CovarianceMatrix(s.Cov, x, nil)
	return s, nil
}

// Distance is the Fréchet distance between two Gaussians.
func Distance(a, b Stats) (float64, error) {
	if len(a.Mean) != len(b.Mean) {
		return 0, fmt.Errorf("frechet: %d and %d features", len(a.Mean), len(b.Mean))
	}
	var d2 float64
	for i := range a.Mean {
		d := a.Mean[i] - b.Mean[i]
		d2 += d * d
	}
	ra, err := sqrtm(a.Cov)
	if err != nil {
		return 0, err
	}
	// M = A^½ B A^½ is symmetric positive semi-definite; tr(M^½) is the sum
	// of the square roots of its eigenvalues.
	n := len(a.Mean)
	var t, m mat.Dense
	t.Mul(ra, b.Cov)
	m.Mul(&t, ra)
	sym := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			sym.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, fmt.Errorf("frechet: eigendecomposition did not converge")
	}
	var trSqrt float64
	for _, v := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(v, 0))
	}
	return d2 + mat.Trace(a.Cov) + mat.Trace(b.Cov) - 2*trSqrt, nil
}

// sqrtm is the symmetric square root of a positive semi-definite matrix.
func sqrtm(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("frechet: eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	n := len(vals)
	d := mat.NewDiagDense(n, nil)
	for i, x := range vals {
		d.SetDiag(i, math.Sqrt(max(x, 0)))
	}
	var t, r mat.Dense
	t.Mul(&v, d)
	r.Mul(&t, v.T())
	return &r, nil
}
