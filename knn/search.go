package knn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// Tile sizes: a tile of queries times a tile of training rows is one gemm
// product whose result (up to queryTile x trainTile float32, 1 MiB) stays
// in L2 while it is scanned. Large query tiles read the packed training
// rows from memory fewer times (measured on 10,000 x 60,000 pixels: 1024
// x 256 took 3.7 s, 256 x 1024 4.2 s).
const (
	queryTile = 1024
	trainTile = 256
)

// Index holds training rows for exact search. The screen works on the
// rows less their mean (distances do not change, and the float32 error,
// which grows with the norms, shrinks), packed once for the matrix kernel.
type Index struct {
	data    []float32 // n x d, row-major: what distances are ranked on
	n, d    int
	mean    []float32    // the rows' mean
	packed  *gemm.Packed // the centred rows, transposed (d x n)
	norms   []float32    // squared norms of the centred rows
	maxNorm float64      // largest norm of a centred row
}

// NewIndex indexes n training rows of d values (row-major; data is kept,
// not copied, and must not change while the index is used).
func NewIndex(data []float32, n, d int) (*Index, error) {
	if n < 1 || d < 1 {
		return nil, fmt.Errorf("knn: %d training rows of %d values: need at least one row and one value", n, d)
	}
	if len(data) != n*d {
		return nil, fmt.Errorf("knn: %d values for %d rows of %d", len(data), n, d)
	}
	ix := &Index{data: data, n: n, d: d, mean: make([]float32, d), norms: make([]float32, n)}
	workers := min(parallel.Workers(), n)
	part := func(w int) (int, int) { return n * w / workers, n * (w + 1) / workers }
	// The column sums, a part of the rows on each core.
	sums := make([][]float64, workers)
	bad := make([]int, workers)
	parallel.Do(workers, func(w int) {
		sum := make([]float64, d)
		bad[w] = -1
		lo, hi := part(w)
		for i := lo; i < hi && bad[w] < 0; i++ {
			for j, v := range data[i*d : (i+1)*d] {
				f := float64(v)
				if math.IsNaN(f) || math.IsInf(f, 0) {
					bad[w] = i
				}
				sum[j] += f
			}
		}
		sums[w] = sum
	})
	for _, i := range bad {
		if i >= 0 {
			return nil, fmt.Errorf("knn: training row %d holds a NaN or infinite value", i)
		}
	}
	for j := range d {
		var s float64
		for _, sum := range sums {
			s += sum[j]
		}
		ix.mean[j] = float32(s / float64(n))
	}
	// Pack the rows, then centre them in the packed buffer: no second copy.
	ix.packed = gemm.Pack(gemm.Matrix{Data: data, Rows: d, Cols: n, Stride: d, Trans: true})
	ix.packed.SubRows(ix.mean)
	maxNorms := make([]float64, workers)
	parallel.Do(workers, func(w int) {
		lo, hi := part(w)
		for i := lo; i < hi; i++ {
			s := centredNorm(data[i*d:(i+1)*d], ix.mean) // the packed values' norm: the same float32 subtraction
			ix.norms[i] = float32(s)
			maxNorms[w] = max(maxNorms[w], math.Sqrt(s))
		}
	})
	ix.maxNorm = slices.Max(maxNorms)
	return ix, nil
}

// centredNorm is the squared norm of row less mean (float32 differences,
// summed in float64).
func centredNorm(row, mean []float32) float64 {
	var s float64
	for j, v := range row {
		c := float64(v - mean[j])
		s += c * c
	}
	return s
}

// centre writes row less the mean into dst.
func (ix *Index) centre(dst, row []float32) {
	for j, v := range row {
		dst[j] = v - ix.mean[j]
	}
}

// Len is the number of training rows.
func (ix *Index) Len() int { return ix.n }

// Dim is the number of values per row.
func (ix *Index) Dim() int { return ix.d }

// Neighbours are Search's answer: for query q, its K nearest training
// rows Index[q*K : (q+1)*K], nearest first (equal distances: lower index
// first), with their squared euclidean distances Dist computed in float64.
type Neighbours struct {
	K     int
	Index []int32
	Dist  []float64
	// Candidates counts the rows ranked in float64 over all queries: the
	// K nearest plus those the float32 screen could not rule out.
	Candidates int64
}

// Of returns query q's neighbour indices and squared distances.
func (nb *Neighbours) Of(q int) ([]int32, []float64) {
	return nb.Index[q*nb.K : (q+1)*nb.K], nb.Dist[q*nb.K : (q+1)*nb.K]
}

// ErrCancelled is returned when the context ends a search.
var ErrCancelled = errors.New("knn: search cancelled")

// Search finds the k nearest training rows of each of nq query rows (d
// values each, row-major). progress, when set, is called with the number
// of queries finished so far (from several goroutines).
func (ix *Index) Search(ctx context.Context, queries []float32, nq, k int, progress func(done int)) (*Neighbours, error) {
	if k < 1 || k > ix.n {
		return nil, fmt.Errorf("knn: k = %d with %d training rows: k must be from 1 to the number of training rows", k, ix.n)
	}
	if len(queries) != nq*ix.d {
		return nil, fmt.Errorf("knn: %d query values for %d queries of %d values (the training rows have %d)", len(queries), nq, ix.d, ix.d)
	}
	nb := &Neighbours{K: k, Index: make([]int32, nq*k), Dist: make([]float64, nq*k)}
	// Smaller query tiles when there are too few queries for every core.
	qt := min(queryTile, max(64, (nq+parallel.Workers()-1)/parallel.Workers()))
	tiles := (nq + qt - 1) / qt
	var next, done atomic.Int64
	var cands atomic.Int64
	var failed atomic.Value
	parallel.Do(min(parallel.Workers(), tiles), func(int) {
		s := newScanner(ix, k, qt)
		for {
			t := int(next.Add(1) - 1)
			if t >= tiles || ctx.Err() != nil || failed.Load() != nil {
				return
			}
			q0, q1 := t*qt, min((t+1)*qt, nq)
			if err := s.tile(queries[q0*ix.d:q1*ix.d], q1-q0, nb, q0); err != nil {
				failed.Store(err)
				return
			}
			cands.Add(s.ranked)
			s.ranked = 0
			if progress != nil {
				progress(int(done.Add(int64(q1 - q0))))
			}
		}
	})
	if err, ok := failed.Load().(error); ok {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ErrCancelled
	}
	nb.Candidates = cands.Load()
	return nb, nil
}

// scanner is one worker's buffers.
type scanner struct {
	ix      *Index
	k       int
	c       []float32 // queryTile x trainTile products
	centred []float32 // queryTile centred queries
	qs      []query
	ranked  int64
}

// query is the screen's state for one query.
type query struct {
	norm  float64   // squared norm
	slack float32   // the float32 screen's proven error bound, doubled
	heap  []float32 // max-heap of the k smallest screened values
	cands []cand    // every row within slack of the heap's top when seen
}

// cand is a training row the screen kept: its screened value and index.
type cand struct {
	a float32
	j int32
}

func newScanner(ix *Index, k, tile int) *scanner {
	s := &scanner{ix: ix, k: k, c: make([]float32, tile*trainTile), centred: make([]float32, tile*ix.d), qs: make([]query, tile)}
	for i := range s.qs {
		s.qs[i].heap = make([]float32, 0, k)
	}
	return s
}

// tile finds the neighbours of queries q0 .. q0+m-1 (rows of qs).
func (s *scanner) tile(qs []float32, m int, nb *Neighbours, q0 int) error {
	ix, d := s.ix, s.ix.d
	for i := range m {
		row := s.centred[i*d : (i+1)*d]
		ix.centre(row, qs[i*d:(i+1)*d])
		n2 := sqNorm(row)
		if math.IsNaN(n2) || math.IsInf(n2, 0) {
			return fmt.Errorf("knn: query %d holds a NaN or infinite value", q0+i)
		}
		q := &s.qs[i]
		q.norm, q.heap, q.cands = n2, q.heap[:0], q.cands[:0]
		q.slack = float32(2 * screenError(d, math.Sqrt(n2), ix.maxNorm))
	}
	a := gemm.Matrix{Data: s.centred[:m*d], Rows: m, Cols: d, Stride: d}
	for j0 := 0; j0 < ix.n; j0 += trainTile {
		j1 := min(j0+trainTile, ix.n)
		w := j1 - j0
		gemm.MulPacked(s.c, w, a, ix.packed, j0, j1)
		for i := range m {
			s.qs[i].screen(s.c[i*w:(i+1)*w], ix.norms[j0:j1], int32(j0), s.k)
		}
	}
	for i := range m {
		s.rank(&s.qs[i], qs[i*d:(i+1)*d], nb, q0+i)
	}
	return nil
}

// screen scans one tile row of products: the screened value of row j is
// ||x_j||² - 2 q·x_j (the query's own norm is the same for every row).
func (q *query) screen(dots, norms []float32, j0 int32, k int) {
	top := float32(math.Inf(1))
	if len(q.heap) == k {
		top = q.heap[0]
	}
	thr := top + q.slack
	for j, dot := range dots {
		v := norms[j] - 2*dot
		if v > thr {
			continue
		}
		q.cands = append(q.cands, cand{v, j0 + int32(j)})
		if len(q.heap) < k {
			q.push(v)
		} else if v < q.heap[0] {
			q.replaceTop(v)
		} else {
			continue
		}
		if len(q.heap) == k {
			thr = q.heap[0] + q.slack
		}
	}
	if len(q.cands) > 8*k+64 { // drop what later rows ruled out
		q.prune()
	}
}

// prune keeps the candidates within slack of the k-th smallest value.
func (q *query) prune() {
	if len(q.heap) == 0 {
		return
	}
	thr := q.heap[0] + q.slack
	kept := q.cands[:0]
	for _, c := range q.cands {
		if c.a <= thr {
			kept = append(kept, c)
		}
	}
	q.cands = kept
}

func (q *query) push(v float32) {
	q.heap = append(q.heap, v)
	h := q.heap
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] >= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *query) replaceTop(v float32) {
	h := q.heap
	h[0] = v
	for i := 0; ; {
		l, big := 2*i+1, i
		if l < len(h) && h[l] > h[big] {
			big = l
		}
		if r := l + 1; r < len(h) && h[r] > h[big] {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// rank computes the kept candidates' distances in float64 and writes the k
// nearest, ties by index, into nb.
func (s *scanner) rank(q *query, row []float32, nb *Neighbours, qi int) {
	q.prune()
	type scored struct {
		d float64
		j int32
	}
	ranked := make([]scored, len(q.cands))
	for i, c := range q.cands {
		ranked[i] = scored{sqDist(row, s.ix.data[int(c.j)*s.ix.d:(int(c.j)+1)*s.ix.d]), c.j}
	}
	s.ranked += int64(len(ranked))
	slices.SortFunc(ranked, func(a, b scored) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return int(a.j - b.j)
	})
	for t := range s.k {
		nb.Index[qi*s.k+t], nb.Dist[qi*s.k+t] = ranked[t].j, ranked[t].d
	}
}

// screenError bounds |screened - exact| for one row, with qNorm and xNorm
// the norms of the centred query and row: the float32 product q·x of d
// terms is within γ_d ||q|| ||x|| of the exact one (any summation order;
// Cauchy-Schwarz), doubled in the screen; the float32 norm is within
// u ||x||² of its float64 value; the subtraction adds u of its result;
// centring in float32 moves each value by at most u of it, which moves
// the squared distance by at most about 2u (||q|| + ||x||)². γ_d =
// d u / (1 - d u), u = 2⁻²⁴; one more u per term and a factor 2 cover the
// float64 rounding of the norms and leave room.
func screenError(d int, qNorm, xNorm float64) float64 {
	const u = 1.0 / (1 << 24)
	g := float64(d+2) * u / (1 - float64(d+2)*u)
	s := qNorm + xNorm
	return 2 * ((2*g+2*u)*qNorm*xNorm + 2*u*xNorm*xNorm + u*qNorm*qNorm + 3*u*s*s)
}

// sqNorm is the squared norm in float64.
func sqNorm(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// sqDist is the squared euclidean distance in float64, summed in index
// order: the distance Search ranks by.
func sqDist(a, b []float32) float64 {
	var s float64
	for i, v := range a {
		t := float64(v) - float64(b[i])
		s += t * t
	}
	return s
}
