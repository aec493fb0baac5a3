// Package tsne is exact t-SNE (van der Maaten and Hinton, 2008) for maps
// of a few thousand points: Gaussian affinities calibrated to a
// perplexity by binary search, Student-t affinities in two dimensions,
// gradient descent with early exaggeration, momentum and per-coordinate
// gains, as the reference implementation and scikit-learn do. Every pair
// is visited once per iteration, both ends updated; seeded, so the same
// input and seed give the same map.
package tsne

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// Options configure an embedding; zero values take the defaults noted.
type Options struct {
	Perplexity        float64 // 30
	Iterations        int     // 1000
	Exaggeration      float64 // 12, for the first ExaggerationIters
	ExaggerationIters int     // 250
	LearningRate      float64 // 0: max(n / Exaggeration / 4, 50), scikit-learn's "auto"
	Seed              int64
}

func (o *Options) defaults(n int) {
	if o.Perplexity == 0 {
		o.Perplexity = 30
	}
	if o.Iterations == 0 {
		o.Iterations = 1000
	}
	if o.Exaggeration == 0 {
		o.Exaggeration = 12
	}
	if o.ExaggerationIters == 0 {
		o.ExaggerationIters = 250
	}
	if o.LearningRate == 0 {
		o.LearningRate = max(float64(n)/o.Exaggeration/4, 50)
	}
}

// Map is an embedding: Y holds n points' two coordinates, point after
// point; KL is the Kullback-Leibler divergence of the map's affinities
// from the data's, measured every 50 iterations (without exaggeration).
type Map struct {
	Y       []float64
	KL      []float64
	Seconds float64
}

// Embed maps n points of d values (row-major) to two dimensions.
func Embed(x []float32, n, d int, o Options) (*Map, error) {
	if n < 4 || d < 1 || len(x) != n*d {
		return nil, fmt.Errorf("tsne: %d values for %d points of %d: need at least 4 points", len(x), n, d)
	}
	o.defaults(n)
	if o.Perplexity >= float64(n-1) {
		return nil, fmt.Errorf("tsne: perplexity %g needs more than %d points", o.Perplexity, n)
	}
	start := time.Now()
	p, err := affinities(sqDistances(x, n, d), n, o.Perplexity)
	if err != nil {
		return nil, err
	}
	m := &Map{Y: make([]float64, 2*n)}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 9)) // the stream data.NewRand(seed, 9) drew
	for i := range m.Y {
		m.Y[i] = 1e-4 * r.NormFloat64()
	}
	update, gains := make([]float64, 2*n), make([]float64, 2*n)
	for i := range gains {
		gains[i] = 1
	}
	g := newGradient(n)
	for it := range o.Iterations {
		exag, momentum := 1.0, 0.8
		if it < o.ExaggerationIters {
			exag, momentum = o.Exaggeration, 0.5
		}
		grad := g.compute(p, m.Y, exag)
		for i, gr := range grad {
			if (gr > 0) != (update[i] > 0) {
				gains[i] += 0.2
			} else {
				gains[i] = max(gains[i]*0.8, 0.01)
			}
			update[i] = momentum*update[i] - o.LearningRate*gains[i]*gr
			m.Y[i] += update[i]
		}
		if (it+1)%50 == 0 {
			m.KL = append(m.KL, g.kl(p, m.Y))
		}
	}
	centre(m.Y)
	m.Seconds = time.Since(start).Seconds()
	return m, nil
}

// sqDistances is the n x n matrix of squared euclidean distances, through
// the Gram matrix (one BLAS product).
func sqDistances(x []float32, n, d int) []float64 {
	xm := mat.NewDense(n, d, nil)
	for i, v := range x {
		xm.RawMatrix().Data[i] = float64(v)
	}
	var gram mat.Dense
	gram.Mul(xm, xm.T())
	out := make([]float64, n*n)
	for i := range n {
		for j := range n {
			out[i*n+j] = max(gram.At(i, i)+gram.At(j, j)-2*gram.At(i, j), 0)
		}
		out[i*n+i] = 0
	}
	return out
}

// affinities calibrates each point's Gaussian to the perplexity (binary
// search on its precision, entropy within 1e-5 of log(perplexity)) and
// returns the symmetrised joint affinities, n x n, summing to 1.
func affinities(dist []float64, n int, perplexity float64) ([]float64, error) {
	cond := make([]float64, n*n)
	target := math.Log(perplexity)
	failed := make([]int, n)
	parallel.Range(n, parallel.Workers(), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if !calibrate(dist[i*n:(i+1)*n], cond[i*n:(i+1)*n], i, target) {
				failed[i] = 1
			}
		}
	})
	for i, f := range failed {
		if f != 0 {
			return nil, fmt.Errorf("tsne: point %d: no Gaussian width gives perplexity %g (are many points identical?)", i, perplexity)
		}
	}
	p := make([]float64, n*n)
	for i := range n {
		for j := range n {
			p[i*n+j] = max((cond[i*n+j]+cond[j*n+i])/(2*float64(n)), 1e-12)
		}
		p[i*n+i] = 0
	}
	return p, nil
}

// calibrate sets row to point i's conditional affinities exp(-beta d) /
// sum, with beta found by bisection so that their entropy is target.
func calibrate(dist, row []float64, i int, target float64) bool {
	beta, lo, hi := 1.0, 0.0, math.Inf(1)
	for range 100 {
		var sum, wsum float64
		for j, dj := range dist {
			if j == i {
				row[j] = 0
				continue
			}
			row[j] = math.Exp(-beta * dj)
			sum += row[j]
			wsum += dj * row[j]
		}
		if sum == 0 {
			hi = beta
			beta = (lo + beta) / 2
			continue
		}
		h := math.Log(sum) + beta*wsum/sum // the entropy of row/sum
		if math.Abs(h-target) < 1e-5 {
			for j := range row {
				row[j] /= sum
			}
			return true
		}
		if h > target {
			lo = beta
			if math.IsInf(hi, 1) {
				beta *= 2
			} else {
				beta = (beta + hi) / 2
			}
		} else {
			hi = beta
			beta = (lo + beta) / 2
		}
	}
	return false
}

// gradient holds per-worker accumulators.
type gradient struct {
	n       int
	workers int
	attract [][]float64 // per worker: sum_j p_ij num_ij (y_i - y_j)
	repulse [][]float64 // per worker: sum_j num_ij² (y_i - y_j)
	z       []float64   // per worker: sum of num_ij
	out     []float64
}

func newGradient(n int) *gradient {
	w := parallel.Workers()
	g := &gradient{n: n, workers: w, attract: make([][]float64, w), repulse: make([][]float64, w), z: make([]float64, w), out: make([]float64, 2*n)}
	for i := range w {
		g.attract[i], g.repulse[i] = make([]float64, 2*n), make([]float64, 2*n)
	}
	return g
}

// rows splits the pairs i < j evenly: worker w takes rows [bound(w),
// bound(w+1)), which have n-1-i pairs each.
func (g *gradient) bound(w int) int {
	// rows before r hold r(2n-r-1)/2 pairs; solve for a share w/workers.
	total := float64(g.n) * float64(g.n-1) / 2
	share := total * float64(w) / float64(g.workers)
	a := 2*float64(g.n) - 1
	return int(math.Ceil((a - math.Sqrt(a*a-8*share)) / 2))
}

// compute returns the gradient of the KL divergence (with the attraction
// exaggerated): 4 sum_j (exag p_ij - q_ij) num_ij (y_i - y_j), q = num/Z.
func (g *gradient) compute(p, y []float64, exag float64) []float64 {
	n := g.n
	parallel.Do(g.workers, func(w int) {
		att, rep := g.attract[w], g.repulse[w]
		clear(att)
		clear(rep)
		var z float64
		for i := g.bound(w); i < min(g.bound(w+1), n); i++ {
			yi0, yi1 := y[2*i], y[2*i+1]
			pi := p[i*n : (i+1)*n]
			var a0, a1, r0, r1 float64
			for j := i + 1; j < n; j++ {
				d0, d1 := yi0-y[2*j], yi1-y[2*j+1]
				num := 1 / (1 + d0*d0 + d1*d1)
				pn, nn := pi[j]*num, num*num
				a0, a1 = a0+pn*d0, a1+pn*d1
				r0, r1 = r0+nn*d0, r1+nn*d1
				att[2*j] -= pn * d0
				att[2*j+1] -= pn * d1
				rep[2*j] -= nn * d0
				rep[2*j+1] -= nn * d1
				z += 2 * num
			}
			att[2*i] += a0
			att[2*i+1] += a1
			rep[2*i] += r0
			rep[2*i+1] += r1
		}
		g.z[w] = z
	})
	var z float64
	for _, v := range g.z {
		z += v
	}
	for k := range g.out {
		var a, r float64
		for w := range g.workers {
			a += g.attract[w][k]
			r += g.repulse[w][k]
		}
		g.out[k] = 4 * (exag*a - r/z)
	}
	return g.out
}

// kl is sum p log(p/q) over pairs.
func (g *gradient) kl(p, y []float64) float64 {
	n := g.n
	q := make([]float64, n*n)
	var z float64
	for i := range n {
		for j := range n {
			if i != j {
				d0, d1 := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
				q[i*n+j] = 1 / (1 + d0*d0 + d1*d1)
				z += q[i*n+j]
			}
		}
	}
	var kl float64
	for k, pk := range p {
		if pk > 0 && q[k] > 0 {
			kl += pk * math.Log(pk/(q[k]/z))
		}
	}
	return kl
}

func centre(y []float64) {
	var m0, m1 float64
	n := len(y) / 2
	for i := range n {
		m0 += y[2*i]
		m1 += y[2*i+1]
	}
	for i := range n {
		y[2*i] -= m0 / float64(n)
		y[2*i+1] -= m1 / float64(n)
	}
}
