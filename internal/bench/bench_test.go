package bench

import (
	"testing"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/data"
	"github.com/hourglass-ml/hourglass/pretrain"
)

func engine(b *testing.B) *pretrain.Engine {
	be, err := backend.New("go")
	if err != nil {
		b.Fatal(err)
	}
	e, err := pretrain.NewEngine(be, pretrain.DefaultEngineOptions())
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkTrainStep times one training step at batch 128 (the issue's
// target: at most 5x PyTorch's ~60 ms on the same 2-core machine).
func BenchmarkTrainStep(b *testing.B) {
	e := engine(b)
	x := pretrain.Images(data.Synthetic(128, 1).Images)
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
	e := engine(b)
	x := pretrain.Images(data.Synthetic(128, 1).Images)
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
