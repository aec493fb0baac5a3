package bench

import (
	"math/rand/v2"
	"time"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// kernelMeter times the matrix kernel alone on 256 x d by d x 1024
// products, one per core at once, in bursts: the rate a product could
// reach at best on this machine while it was timed.
type kernelMeter struct {
	d     int
	a     []float32
	p     *gemm.Packed
	c     [][]float32 // each worker's product
	flops float64     // over all bursts
	secs  float64
}

const kernelRows, kernelCols = 256, 1024

func newKernelMeter(d int) *kernelMeter {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := make([]float32, kernelRows*d), make([]float32, kernelCols*d)
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	k := &kernelMeter{d: d, a: a, p: gemm.Pack(gemm.Matrix{Data: b, Rows: d, Cols: kernelCols, Stride: d, Trans: true})}
	k.c = make([][]float32, parallel.Workers())
	for w := range k.c {
		k.c[w] = make([]float32, kernelRows*kernelCols)
	}
	return k
}

// burst runs the products on every core for about dur.
func (k *kernelMeter) burst(dur time.Duration) {
	runs := make([]int, len(k.c))
	start := time.Now()
	parallel.Do(len(k.c), func(w int) {
		for time.Since(start) < dur {
			gemm.MulPacked(k.c[w], kernelCols, gemm.Matrix{Data: k.a, Rows: kernelRows, Cols: k.d, Stride: k.d}, k.p, 0, kernelCols)
			runs[w]++
		}
	})
	k.secs += time.Since(start).Seconds()
	for _, r := range runs {
		k.flops += 2 * float64(kernelRows*kernelCols*k.d) * float64(r)
	}
}

// gflops is the rate over all bursts so far (0 before the first).
func (k *kernelMeter) gflops() float64 {
	if k.secs == 0 {
		return 0
	}
	return k.flops / k.secs / 1e9
}

// kernelGFLOPs times the kernel for a second, at once (the kNN search's
// reference: 256 queries x d values by d x 1024 training rows is the
// search's product shape).
func kernelGFLOPs(d int) float64 {
	k := newKernelMeter(d)
	k.burst(time.Second)
	return k.gflops()
}
