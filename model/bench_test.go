package model

import (
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/data"
)

func randomBatch(n int) *tensors.Tensor {
	s := data.Synthetic(n, 1)
	return tensors.FromFlatDataAndDimensions(s.Images, n, 28, 28, 1)
}

func BenchmarkTrainStep(b *testing.B) {
	be, err := backend.New("go")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.New()
	ctx.SetRNGStateFromSeed(1)
	trainer := train.NewTrainer(be, ctx, func(ctx *context.Context, _ any, in []*Node) []*Node {
		return []*Node{Autoencoder(ctx, in[0])}
	}, losses.MeanSquaredError, optimizers.Adam().Done(), nil, nil)
	x := randomBatch(128)
	for i := 0; i < 2; i++ { // compile and warm up
		if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{x}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{x}); err != nil {
			b.Fatal(err)
		}
	}
}
