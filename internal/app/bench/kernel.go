package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hourglass-ml/hourglass/internal/base/parallel"
	"github.com/hourglass-ml/hourglass/internal/numeric/gemm"
)

// kernelMeter times the matrix kernel alone on 256 x d by d x 1024
// products, one per core at once, in bursts: the rate a product could
// reach at best on this machine while it was timed. A burst's operands
// live only as long as the burst, outside Go's heap (meterMemory), so that
// between bursts they take no memory from what is measured.
type kernelMeter struct {
	d     int
	flops float64 // over all bursts
	secs  float64
}

const kernelRows, kernelCols = 256, 1024

// burst runs the products on every core for about dur (the operands' set-up
// not timed).
func (k *kernelMeter) burst(dur time.Duration) (err error) {
	workers := parallel.Workers()
	na, nb, nc := kernelRows*k.d, k.d*kernelCols, kernelRows*kernelCols // kernelCols: whole panels
	mem, free, err := meterMemory(na + 2*nb + workers*nc)
	if err != nil {
		return err
	}
	defer func() {
		if ferr := free(); ferr != nil && err == nil {
			err = fmt.Errorf("bench: unmapping the matrix kernel's operands: %w", ferr)
		}
	}()
	a, b, packed := mem[:na], mem[na:na+nb], mem[na+nb:na+2*nb]
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range a {
		a[i] = rng.Float32()
	}
	for i := range b {
		b[i] = rng.Float32()
	}
	p := gemm.PackInto(packed, gemm.Matrix{Data: b, Rows: k.d, Cols: kernelCols, Stride: k.d, Trans: true})
	runs := make([]int, workers)
	start := time.Now()
	parallel.Do(workers, func(w int) {
		c := mem[na+2*nb+w*nc : na+2*nb+(w+1)*nc]
		for time.Since(start) < dur {
			gemm.MulPacked(c, kernelCols, gemm.Matrix{Data: a, Rows: kernelRows, Cols: k.d, Stride: k.d}, p, 0, kernelCols)
			runs[w]++
		}
	})
	k.secs += time.Since(start).Seconds()
	for _, r := range runs {
		k.flops += 2 * float64(kernelRows*kernelCols*k.d) * float64(r)
	}
	return nil
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
// search's product shape); 0 if its memory cannot be had.
func kernelGFLOPs(d int) float64 {
	k := &kernelMeter{d: d}
	if k.burst(time.Second) != nil {
		return 0
	}
	return k.gflops()
}
