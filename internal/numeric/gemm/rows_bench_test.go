package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAccumulateTile times one core's tiles over the model's kernel
// gradients' shapes (image rows x positions, channels of x and dy), all
// taps' tiles of a block of images as runKernelGradTiles calls them.
func BenchmarkAccumulateTile(b *testing.B) {
	for _, tc := range []struct{ h, c, co, imgs int }{{14, 16, 32, 1}, {7, 32, 64, 1}, {7, 32, 64, 3}} {
		b.Run(fmt.Sprintf("%dx%dx%d-%d/images=%d", tc.h, tc.h, tc.c, tc.co, tc.imgs), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			ais, bis := tc.h*tc.h*tc.c, tc.h*tc.h*tc.co
			x, dy := randomSlice(r, tc.imgs*ais), randomSlice(r, tc.imgs*bis)
			var c [TileSize]float32
			rows := tc.h - 1
			flops := 0
			b.ResetTimer()
			for range b.N {
				for c1 := 0; c1 < tc.co; c1 += 16 {
					for c0 := 0; c0 < tc.c; c0 += 6 {
						c0 := min(c0, tc.c-6)
						for range 9 {
							AccumulateTile(&c, x[c0:], tc.h*tc.c, tc.c, rows, rows, dy[c1:], tc.h*tc.co, tc.co, tc.imgs, ais, bis)
							flops += 2 * TileSize * rows * rows * tc.imgs
						}
					}
				}
			}
			b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
