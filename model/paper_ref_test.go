package model

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// paperAutoencoder is the builder of the paper's model as it stood before
// the model became a Spec (commit 3e23b4d's model.Autoencoder), kept
// verbatim so a test can show the Spec builds the same graph: the same
// losses and codes, bit for bit, at the same seed.
func paperAutoencoder(ctx *context.Context, images *Node) *Node {
	return paperDecoder(ctx, paperEncoder(ctx, images))
}

func paperEncoder(ctx *context.Context, images *Node) *Node {
	ctx = ctx.In(EncoderScope)
	b := images.Shape().Dimensions[0]
	images.AssertDims(b, 28, 28, 1)
	x, size := images, 28
	for i, filters := range []int{16, 32, 64} {
		scope := ctx.In(fmt.Sprintf("conv%d", i+1))
		x, size = ConvBlock(scope, x, filters), size/2
		x.AssertDims(b, size, size, filters)
	}
	x.AssertDims(b, 3, 3, 64)
	return Reshape(TransposeAllAxes(x, 0, 3, 1, 2), b, 576)
}

func paperDecoder(ctx *context.Context, codes *Node) *Node {
	ctx = ctx.In(DecoderScope)
	b := codes.Shape().Dimensions[0]
	x := TransposeAllAxes(Reshape(codes, b, 64, 3, 3), 0, 2, 3, 1)
	layers := []struct{ filters, k int }{{32, 3}, {16, 2}, {1, 2}}
	for i, l := range layers {
		scope := ctx.In(fmt.Sprintf("deconv%d", i+1))
		x = activations.Relu(ConvTranspose2D(scope, x, l.filters, l.k, 2, 0, 0))
	}
	x.AssertDims(b, 28, 28, 1)
	return x
}
