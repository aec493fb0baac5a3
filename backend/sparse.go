package backend

import (
	"github.com/hourglass-ml/hourglass/internal/base/parallel"
)

// Products with a sparse constant. A product whose left operand is a
// float32 constant with few non-zero values (the 0/1 overlap-add matrix of
// model's transposed layers: each output pixel sums the one to four
// contributions that land on it, 2% of the matrix) runs as sums of rows
// of the right operand instead of a dense product that multiplies zeros:
//
//	out[i, :] = sum over j with A[i, j] != 0 of A[i, j] * B[j, :]
//
// Unlike the dense product, zeros of A are never multiplied, so an
// infinity or NaN in B reaches only the rows whose non-zero values meet
// it, not every row (0 * Inf is not formed). The constant is the data as
// given to Constant, copied there (staged.go), so both paths see the same
// values whatever the caller does with its slice afterwards.

// sparseRows is op(A) in compressed rows: row i's values are
// vals[start[i]:start[i+1]], in columns cols[...].
type sparseRows struct {
	start []int
	cols  []int
	vals  []float32
}

// maxSparseShare is the largest share of non-zero values a constant may
// have to run as sparseRows.
const maxSparseShare = 1.0 / 8

// newSparseRows returns op(A) for the constant data (stored [k, m] when
// trans, else [m, k]) in compressed rows, or nil when more than
// maxSparseShare of it is non-zero.
func newSparseRows(data []float32, m, k int, trans bool) *sparseRows {
	nz := 0
	for _, v := range data {
		if v != 0 {
			nz++
		}
	}
	if float64(nz) > maxSparseShare*float64(m*k) {
		return nil
	}
	s := &sparseRows{start: make([]int, m+1), cols: make([]int, 0, nz), vals: make([]float32, 0, nz)}
	for i := range m {
		for j := range k {
			v := data[i*k+j]
			if trans {
				v = data[j*m+i]
			}
			if v != 0 {
				s.cols = append(s.cols, j)
				s.vals = append(s.vals, v)
			}
		}
		s.start[i+1] = len(s.cols)
	}
	return s
}

// mul sets out [m, n] to op(A)·b for b [k, n] (row-major), rows split
// among the cores.
func (s *sparseRows) mul(out, b []float32, n int) {
	m := len(s.start) - 1
	workers := parallel.Workers()
	if m*n < parallelMin {
		workers = 1
	}
	parallel.Chunks(m, workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := out[i*n : (i+1)*n]
			clear(row)
			for e := s.start[i]; e < s.start[i+1]; e++ {
				src := b[s.cols[e]*n : (s.cols[e]+1)*n]
				if v := s.vals[e]; v == 1 {
					for q := vecBinary(opAdd, row, row, src); q < n; q++ {
						row[q] += src[q]
					}
				} else {
					for q, x := range src {
						row[q] += v * x
					}
				}
			}
		}
	})
}
