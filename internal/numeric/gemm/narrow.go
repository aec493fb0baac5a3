package gemm

import "github.com/hourglass-ml/hourglass/internal/base/parallel"

// Products with four columns (a last layer of one channel, transposed
// with a 2x2 kernel: 16 channels to 2x2x1 outputs, and its kernel's
// gradient). In the 6x16 kernel their four columns fill a quarter of a
// tile, and the few-column transpose reads its operand in strided
// gathers; here each row of c is four dot products (narrowRows4), or the
// gradient c = a'·b sums a's rows times b's four values (narrowGrad4).

// narrowMinRows is the fewest rows (or, for the gradient, contraction
// rows) the narrow paths take; below, the general product's costs are
// small anyway.
const narrowMinRows = 256

// mulNarrow computes c = a·b on a narrow path when one fits (b with four
// columns; AVX2) and reports whether it did.
func mulNarrow(c []float32, ldc int, a, b Matrix) bool {
	if !Accelerated || b.Cols != 4 {
		return false
	}
	m, k := a.Rows, a.Cols
	switch {
	case !a.Trans && k%8 == 0 && k <= 64 && m >= narrowMinRows:
		bt := make([]float32, 4*k) // b' [4, k]
		for kk := range k {
			for j := range 4 {
				bt[j*k+kk] = b.at(kk, j)
			}
		}
		parallel.Chunks(m, parallel.Workers(), func(lo, hi int) {
			_ = a.Data[(hi-1)*a.Stride+k-1]
			_ = c[(hi-1)*ldc+3]
			narrowRows4(hi-lo, &a.Data[lo*a.Stride], a.Stride, k, &bt[0], &c[lo*ldc], ldc)
		})
		return true
	case a.Trans && !b.Trans && (m == 8 || m == 16 || m == 24) && k >= narrowMinRows:
		// a' is stored [k, m]: row r of the contraction is a.Data[r*a.Stride:][:m].
		workers := parallel.Workers()
		sums := make([][]float32, workers)
		parallel.Do(workers, func(w int) {
			lo, hi := k*w/workers, k*(w+1)/workers
			ct := make([]float32, 4*m) // c' [4, m]
			sums[w] = ct
			if lo == hi {
				return
			}
			_ = a.Data[(hi-1)*a.Stride+m-1]
			_ = b.Data[(hi-1)*b.Stride+3]
			narrowGrad4(m, hi-lo, &a.Data[lo*a.Stride], a.Stride, &b.Data[lo*b.Stride], b.Stride, &ct[0])
		})
		for i := range m {
			for j := range 4 {
				var s float32
				for _, ct := range sums {
					s += ct[j*m+i]
				}
				c[i*ldc+j] = s
			}
		}
		return true
	}
	return false
}
