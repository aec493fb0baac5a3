package backend

import (
	"fmt"
	"testing"
)

// BenchmarkTranspose times the transposes of a batch-128 training step of
// the paper's model (depth-to-space of 1 and 16 channels and its
// gradient, the overlap-add layouts, the code's channel-major flattening).
func BenchmarkTranspose(b *testing.B) {
	for _, tc := range []struct {
		dims, perm []int
	}{
		{[]int{128, 14, 14, 2, 2, 1}, []int{0, 1, 3, 2, 4, 5}},
		{[]int{128, 14, 2, 14, 2, 1}, []int{0, 1, 3, 2, 4, 5}},
		{[]int{128, 7, 7, 2, 2, 16}, []int{0, 1, 3, 2, 4, 5}},
		{[]int{81, 128, 32}, []int{1, 0, 2}},
		{[]int{128, 81, 32}, []int{1, 0, 2}},
		{[]int{128, 3, 3, 64}, []int{0, 3, 1, 2}},
	} {
		b.Run(fmt.Sprint(tc.dims, tc.perm), func(b *testing.B) {
			t := newTransposeStep(0, 1, tc.dims, tc.perm)
			x, y := make([]float32, t.size), make([]float32, t.size)
			for i := range x {
				x[i] = float32(i)
			}
			b.ResetTimer()
			for range b.N {
				t.exec([]any{x}, y)
			}
			b.ReportMetric(float64(8*t.size)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
