package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMulNarrow: products with four columns that Mul sends to the narrow
// kernels (where the CPU runs them; elsewhere Mul's general path), against
// the float64 triple loop. Tolerance 1e-5 of the sum of the terms'
// absolute values. Cases: 16, 24 and 64 contracted values, a right
// operand stored as is and transposed, padded strides (a, b and c), row
// counts that split unevenly among the cores; the gradients' transposed
// left operand of 8, 16 and 24 rows over long contractions. Each asserts
// that the narrow path took it (or, without AVX2, that it did not).
func TestMulNarrow(t *testing.T) {
	r := rand.New(rand.NewPCG(67, 68))
	type tcase struct {
		m, k           int
		aTrans, bTrans bool
	}
	cases := []tcase{
		{300, 16, false, false}, {257, 24, false, true}, {1001, 64, false, false},
		{8, 300, true, false}, {16, 1000, true, false}, {24, 257, true, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			a := randMatrix(r, tc.m, tc.k, 3, tc.aTrans)
			b := randMatrix(r, tc.k, 4, 2, tc.bTrans)
			ldc := 7
			c := make([]float32, (tc.m-1)*ldc+4)
			for i := range c {
				c[i] = float32(math.NaN()) // must all be overwritten (between rows: left alone)
			}
			if took := mulNarrow(c, ldc, a, b); took != Accelerated {
				t.Fatalf("narrow path taken: %v, want %v", took, Accelerated)
			}
			Mul(c, ldc, a, b)
			want, bound := reference(a, b)
			for i := range tc.m {
				for j := range 4 {
					if d := math.Abs(float64(c[i*ldc+j]) - want[i*4+j]); !(d <= 1e-5*bound[i*4+j]+1e-7) {
						t.Fatalf("[%d,%d] = %g, want %g", i, j, c[i*ldc+j], want[i*4+j])
					}
				}
				for j := 4; j < ldc && i*ldc+j < len(c); j++ {
					if !math.IsNaN(float64(c[i*ldc+j])) {
						t.Fatalf("c[%d, %d], past the four columns, was written", i, j)
					}
				}
			}
		})
	}
}
