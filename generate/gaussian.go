package generate

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
)

// gaussian is a multivariate normal fitted to codes: mean and the Cholesky
// factor of the covariance.
type gaussian struct {
	mean []float64
	sd   []float64 // each value's standard deviation (the diagonal)
	chol mat.Cholesky
}

// fitGaussian fits a Gaussian to the codes of a set, encoded batch by
// batch (the codes are never all in memory): sums of codes and of their
// outer products in float64, then the (n-1)-normalised covariance, with a
// little added to its diagonal where dead code units leave it singular.
func fitGaussian(e *engine.Engine, s *data.Set) (*gaussian, error) {
	d := e.CodeSize()
	sum := make([]float64, d)
	outer := mat.NewSymDense(d, nil)
	for from := 0; from < s.Len(); from += 1000 {
		to := min(from+1000, s.Len())
		c, err := e.Encode(engine.Batch(s.Slice(from, to)))
		if err != nil {
			return nil, err
		}
		vals := tensors.MustCopyFlatData[float32](c)
		x := mat.NewDense(to-from, d, nil)
		for i, v := range vals {
			x.RawMatrix().Data[i] = float64(v)
			sum[i%d] += float64(v)
		}
		outer.SymRankK(outer, 1, x.T())
	}
	n := float64(s.Len())
	g := &gaussian{mean: make([]float64, d)}
	for j := range d {
		g.mean[j] = sum[j] / n
	}
	cov := mat.NewSymDense(d, nil)
	var trace float64
	for i := range d {
		for j := i; j < d; j++ {
			v := (outer.At(i, j) - n*g.mean[i]*g.mean[j]) / (n - 1)
			cov.SetSym(i, j, v)
		}
		trace += cov.At(i, i)
	}
	jitter := 1e-6 * trace / float64(d)
	for i := range d {
		cov.SetSym(i, i, cov.At(i, i)+jitter)
	}
	g.sd = make([]float64, d)
	for i := range d {
		g.sd[i] = math.Sqrt(cov.At(i, i))
	}
	if !g.chol.Factorize(cov) {
		return nil, fmt.Errorf("the codes' covariance is not positive definite even with %g added to its diagonal", jitter)
	}
	return g, nil
}

// sample draws n codes mean + L eps, eps ~ N(0, I), seeded.
func (g *gaussian) sample(n int, seed int64) []float32 {
	d := len(g.mean)
	var l mat.TriDense
	g.chol.LTo(&l)
	r := data.NewRand(seed, 43)
	out := make([]float32, 0, n*d)
	eps := mat.NewVecDense(d, nil)
	var z mat.VecDense
	for range n {
		for j := range d {
			eps.SetVec(j, r.NormFloat64())
		}
		z.MulVec(&l, eps)
		for j := range d {
			out = append(out, float32(g.mean[j]+z.AtVec(j)))
		}
	}
	return out
}

// sampleIndependent draws n codes with each value independent: mean +
// sd * eps, the covariance's diagonal only.
func (g *gaussian) sampleIndependent(n int, seed int64) []float32 {
	d := len(g.mean)
	r := data.NewRand(seed, 43)
	out := make([]float32, 0, n*d)
	for range n {
		for j := range d {
			out = append(out, float32(g.mean[j]+g.sd[j]*r.NormFloat64()))
		}
	}
	return out
}
