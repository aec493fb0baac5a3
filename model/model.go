package model

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// Sizes of the seed model.
const (
	ImageSize = 28
	CodeSize  = 64 * 3 * 3 // 576
	// Scopes of the two halves: a downstream model freezes the encoder by
	// its scope.
	EncoderScope = "encoder"
	DecoderScope = "decoder"
)

// The seed paper's architecture (table "Slika 3.1"), the one place it is
// written: the encoder's convolution blocks (3x3 "same" convolution + ReLU
// + 2x2 max pooling, by filters) and the decoder's transposed convolutions.
var (
	EncoderFilters = []int{16, 32, 64}
	DecoderLayers  = []Deconv{{Filters: 32, Kernel: 3, Stride: 2}, {Filters: 16, Kernel: 2, Stride: 2}, {Filters: 1, Kernel: 2, Stride: 2}}
)

// Deconv is one transposed convolution of the decoder, followed by ReLU.
type Deconv struct{ Filters, Kernel, Stride int }

// Encoder maps images [B, 28, 28, 1] to codes [B, 576]: three blocks of
// 3x3 "same" convolution (16, 32, 64 filters) + ReLU + 2x2 max-pooling
// (28 -> 14 -> 7 -> 3), flattened channel-major (64 x 3 x 3, as PyTorch's
// NCHW flatten orders them). Variables live in ctx.In("encoder").
//
// Each block is a ConvBlock, which adds the bias and applies ReLU after
// pooling (the same function, on a quarter of the values).
func Encoder(ctx *context.Context, images *Node) *Node {
	return features(ctx.In(EncoderScope), images)
}

// features is the encoder's three convolution blocks, flattened
// channel-major: images [B, 28, 28, 1] -> [B, 576].
func features(ctx *context.Context, images *Node) *Node {
	b := images.Shape().Dimensions[0]
	images.AssertDims(b, ImageSize, ImageSize, 1)
	x, size := images, ImageSize
	for i, filters := range EncoderFilters {
		scope := ctx.In(fmt.Sprintf("conv%d", i+1))
		x, size = ConvBlock(scope, x, filters), size/2
		x.AssertDims(b, size, size, filters)
		record(scope, x, fmt.Sprintf("Conv2d 3x3, %d, same + ReLU + MaxPool 2", filters))
	}
	x.AssertDims(b, 3, 3, 64)
	return Reshape(TransposeAllAxes(x, 0, 3, 1, 2), b, CodeSize)
}

// Decoder maps codes [B, 576] back to images [B, 28, 28, 1]: transposed
// convolutions 3x3/2 (32), 2x2/2 (16) and 2x2/2 (1), each followed by ReLU
// (3 -> 7 -> 14 -> 28). Variables live in ctx.In("decoder").
func Decoder(ctx *context.Context, codes *Node) *Node {
	return upsample(ctx.In(DecoderScope), codes, true)
}

// upsample is the decoder's transposed convolutions from codes [B, 576]
// (64 x 3 x 3, channel-major) to [B, 28, 28, 1], ReLU after each but,
// unless lastReLU, the last (whose output is then a logit).
func upsample(ctx *context.Context, codes *Node, lastReLU bool) *Node {
	b := codes.Shape().Dimensions[0]
	codes.AssertDims(b, CodeSize)
	x := TransposeAllAxes(Reshape(codes, b, 64, 3, 3), 0, 2, 3, 1)
	size := 3
	for i, l := range DecoderLayers {
		scope := ctx.In(fmt.Sprintf("deconv%d", i+1))
		x = ConvTranspose2D(scope, x, l.Filters, l.Kernel, l.Stride, 0, 0)
		name := fmt.Sprintf("ConvTranspose2d %dx%d, stride %d, %d", l.Kernel, l.Kernel, l.Stride, l.Filters)
		if lastReLU || i < len(DecoderLayers)-1 {
			x = activations.Relu(x)
			name += " + ReLU"
		}
		size = (size-1)*l.Stride + l.Kernel
		x.AssertDims(b, size, size, l.Filters)
		record(scope, x, name)
	}
	x.AssertDims(b, ImageSize, ImageSize, 1)
	return x
}

// Autoencoder reconstructs images: Decoder(Encoder(images)).
func Autoencoder(ctx *context.Context, images *Node) *Node {
	return Decoder(ctx, Encoder(ctx, images))
}

// Loss is the per-pixel mean squared error between images and their
// reconstructions.
func Loss(images, reconstructions *Node) *Node {
	return ReduceAllMean(Square(Sub(reconstructions, images)))
}
