package engine_test

import (
	"fmt"
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// BenchmarkTrainStep times one training step at batch 32, 128 and 512
// (compare with scripts/peers/torch_autoencoder.py bench in the same
// minute; -cpuprofile with -bench 'TrainStep/batch=32' shows where a small
// batch's step goes).
func BenchmarkTrainStep(b *testing.B) {
	for _, n := range []int{32, 128, 512} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			e := testutil.Engine(b, 1)
			x := engine.Batch(data.Synthetic(n, 1))
			for i := 0; i < 2; i++ {
				if _, err := e.TrainStep(x); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.TrainStep(x); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkEncode times encoding a batch of 128 images.
func BenchmarkEncode(b *testing.B) {
	e := testutil.Engine(b, 1)
	x := engine.Batch(data.Synthetic(128, 1))
	if _, err := e.Encode(x); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Encode(x); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "images/s")
}
