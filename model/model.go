package model

import (
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

// Encoder maps images [B, 28, 28, 1] to codes [B, 576]: three blocks of
// 3x3 "same" convolution (16, 32, 64 filters) + ReLU + 2x2 max-pooling
// (28 -> 14 -> 7 -> 3), flattened channel-major (64 x 3 x 3, as PyTorch's
// NCHW flatten orders them). Variables live in ctx.In("encoder").
//
// Each block is a ConvBlock, which adds the bias and applies ReLU after
// pooling (the same function, on a quarter of the values).
func Encoder(ctx *context.Context, images *Node) *Node {
	ctx = ctx.In(EncoderScope)
	b := images.Shape().Dimensions[0]
	images.AssertDims(b, ImageSize, ImageSize, 1)
	x := ConvBlock(ctx.In("conv1"), images, 16)
	x.AssertDims(b, 14, 14, 16)
	x = ConvBlock(ctx.In("conv2"), x, 32)
	x.AssertDims(b, 7, 7, 32)
	x = ConvBlock(ctx.In("conv3"), x, 64)
	x.AssertDims(b, 3, 3, 64)
	codes := Reshape(TransposeAllAxes(x, 0, 3, 1, 2), b, CodeSize)
	return codes
}

// Decoder maps codes [B, 576] back to images [B, 28, 28, 1]: transposed
// convolutions 3x3/2 (32), 2x2/2 (16) and 2x2/2 (1), each followed by ReLU
// (3 -> 7 -> 14 -> 28). Variables live in ctx.In("decoder").
func Decoder(ctx *context.Context, codes *Node) *Node {
	ctx = ctx.In(DecoderScope)
	b := codes.Shape().Dimensions[0]
	codes.AssertDims(b, CodeSize)
	x := TransposeAllAxes(Reshape(codes, b, 64, 3, 3), 0, 2, 3, 1)
	x = activations.Relu(ConvTranspose2D(ctx.In("deconv1"), x, 32, 3, 2, 0, 0))
	x.AssertDims(b, 7, 7, 32)
	x = activations.Relu(ConvTranspose2D(ctx.In("deconv2"), x, 16, 2, 2, 0, 0))
	x.AssertDims(b, 14, 14, 16)
	x = activations.Relu(ConvTranspose2D(ctx.In("deconv3"), x, 1, 2, 2, 0, 0))
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
