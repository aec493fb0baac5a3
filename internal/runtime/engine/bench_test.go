package engine_test

import (
	"testing"

	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/internal/runtime/engine"
	"github.com/hourglass-ml/hourglass/internal/runtime/testutil"
)

// BenchmarkTrainStep times one training step at batch 128 (compare with
// scripts/peers/torch_autoencoder.py bench in the same minute).
func BenchmarkTrainStep(b *testing.B) {
	e := testutil.Engine(b, 1)
	x := engine.Batch(data.Synthetic(128, 1))
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
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "images/s")
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
