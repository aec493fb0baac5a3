// Package pca is principal component analysis on gonum: centred, fitted
// through one BLAS Syrk and a symmetric eigendecomposition, truncated to
// any number of leading components without fitting again.
package pca

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	_ "github.com/hourglass-ml/hourglass/internal/base/fastblas" // OpenBLAS when built with cgo
)

// PCA is principal component analysis through the eigendecomposition of the
// covariance matrix (computed with one BLAS Syrk), keeping K components.
type PCA struct {
	K int

	mean       []float64
	components *mat.Dense // d x K, columns are unit eigenvectors, largest first
	variances  []float64  // all d eigenvalues of the covariance, descending
}

// New returns an unfitted PCA keeping k components.
func New(k int) *PCA { return &PCA{K: k} }

// Name is "pca-K", for messages.
func (p *PCA) Name() string { return fmt.Sprintf("pca-%d", p.K) }

// Fit centres x and diagonalises its covariance (divided by n-1, as
// scikit-learn's explained_variance_ is).
func (p *PCA) Fit(x *mat.Dense) error {
	n, d := x.Dims()
	if p.K < 1 || p.K > d {
		return fmt.Errorf("PCA: %d components asked for data with %d columns", p.K, d)
	}
	if n < 2 {
		return fmt.Errorf("PCA: %d rows; need at least 2", n)
	}
	p.mean = make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.RawRowView(i) {
			p.mean[j] += v
		}
	}
	for j := range p.mean {
		p.mean[j] /= float64(n)
	}
	centred := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row, out := x.RawRowView(i), centred.RawRowView(i)
		for j, v := range row {
			out[j] = v - p.mean[j]
		}
	}
	cov := blas64.Symmetric{N: d, Stride: d, Data: make([]float64, d*d), Uplo: blas.Upper}
	blas64.Syrk(blas.Trans, 1/float64(n-1), centred.RawMatrix(), 0, cov)
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(d, cov.Data), true) {
		return fmt.Errorf("PCA: the covariance eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, d)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	p.variances = make([]float64, d)
	p.components = mat.NewDense(d, p.K, nil)
	for i, o := range order {
		p.variances[i] = max(vals[o], 0) // round-off can make the smallest slightly negative
		if i < p.K {
			for r := 0; r < d; r++ {
				p.components.Set(r, i, vecs.At(r, o))
			}
		}
	}
	return nil
}

func (p *PCA) fitted() error {
	if p.components == nil {
		return fmt.Errorf("%s: call Fit first", p.Name())
	}
	return nil
}

// Transform projects centred rows on the components.
func (p *PCA) Transform(x *mat.Dense) (*mat.Dense, error) {
	if err := p.fitted(); err != nil {
		return nil, err
	}
	n, d := x.Dims()
	if d != len(p.mean) {
		return nil, fmt.Errorf("%s: rows of %d values, fitted on %d", p.Name(), d, len(p.mean))
	}
	centred := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row, out := x.RawRowView(i), centred.RawRowView(i)
		for j, v := range row {
			out[j] = v - p.mean[j]
		}
	}
	var codes mat.Dense
	codes.Mul(centred, p.components)
	return &codes, nil
}

// Inverse maps codes back: codes . components^T + mean.
func (p *PCA) Inverse(codes *mat.Dense) (*mat.Dense, error) {
	if err := p.fitted(); err != nil {
		return nil, err
	}
	if _, k := codes.Dims(); k != p.K {
		return nil, fmt.Errorf("%s: codes of %d values, want %d", p.Name(), k, p.K)
	}
	var x mat.Dense
	x.Mul(codes, p.components.T())
	n, _ := x.Dims()
	for i := 0; i < n; i++ {
		row := x.RawRowView(i)
		for j := range row {
			row[j] += p.mean[j]
		}
	}
	return &x, nil
}

// ExplainedVarianceRatio is each component's share of the total variance,
// for all d components, largest first.
func (p *PCA) ExplainedVarianceRatio() []float64 {
	var total float64
	for _, v := range p.variances {
		total += v
	}
	out := make([]float64, len(p.variances))
	for i, v := range p.variances {
		out[i] = v / total
	}
	return out
}

// Variances are the covariance eigenvalues, largest first.
func (p *PCA) Variances() []float64 { return append([]float64(nil), p.variances...) }

// Components returns the d x K matrix of principal axes.
func (p *PCA) Components() *mat.Dense { return mat.DenseCopyOf(p.components) }

// Truncate returns a fitted PCA keeping the first k of p's components (the
// same as fitting with k, without fitting again).
func (p *PCA) Truncate(k int) *PCA {
	if k > p.K {
		panic(fmt.Sprintf("PCA.Truncate(%d) of a %d-component PCA", k, p.K))
	}
	d, _ := p.components.Dims()
	return &PCA{K: k, mean: p.mean, variances: p.variances,
		components: mat.DenseCopyOf(p.components.Slice(0, d, 0, k))}
}
