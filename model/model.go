package model

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// The paper's image size, and the scopes of the two halves: a downstream
// model freezes the encoder by its scope.
const (
	ImageSize    = 28
	EncoderScope = "encoder"
	DecoderScope = "decoder"
	// CodeScope holds the autoencoder's dense bottleneck (under
	// EncoderScope) when Spec.Code is set; DenseScope (under DecoderScope)
	// the dense layer back to the map, for the bottleneck and the VAE.
	CodeScope = "code"
)

// Encoder maps images [B, H, W, C] to codes [B, CodeSize()]: one block per
// entry of Filters (3x3 "same" convolution + ReLU + 2x2 max-pooling, the
// paper's 28 -> 14 -> 7 -> 3), the last map flattened channel-major (as
// PyTorch's NCHW flatten orders it), then, when Code is set, a linear
// layer to Code values. A VAE's code is its posterior mean. Variables live
// in ctx.In("encoder").
//
// Each block is a ConvBlock, which adds the bias and applies ReLU after
// pooling (the same function, on a quarter of the values).
func (s Spec) Encoder(ctx *context.Context, images *Node) *Node {
	if s.IsVAE() {
		mean, _ := s.VAEEncoder(ctx, images)
		return mean
	}
	ctx = ctx.In(EncoderScope)
	x := s.features(ctx, images)
	if s.Code > 0 {
		scope := ctx.In(CodeScope)
		x = Dense(scope, x, s.Code)
		x.AssertDims(x.Shape().Dimensions[0], s.Code)
		record(scope, x, fmt.Sprintf("Linear %d -> %d (code)", s.MapSize(), s.Code))
	}
	return x
}

// features is the encoder's convolution blocks, flattened channel-major:
// images [B, H, W, C] -> [B, MapSize()].
func (s Spec) features(ctx *context.Context, images *Node) *Node {
	x := s.featureMap(ctx, images)
	return Reshape(TransposeAllAxes(x, 0, 3, 1, 2), x.Shape().Dimensions[0], s.MapSize())
}

// featureMap is the encoder's convolution blocks: images [B, H, W, C] ->
// the last map [B, h, w, filters].
func (s Spec) featureMap(ctx *context.Context, images *Node) *Node {
	b := images.Shape().Dimensions[0]
	images.AssertDims(b, s.Input[0], s.Input[1], s.Input[2])
	x := images
	for i, filters := range s.Filters {
		scope := ctx.In(fmt.Sprintf("conv%d", i+1))
		x = ConvBlock(scope, x, filters)
		h, w := s.Level(i + 1)
		x.AssertDims(b, h, w, filters)
		record(scope, x, fmt.Sprintf("Conv2d 3x3, %d, same + ReLU + MaxPool 2", filters))
	}
	return x
}

// Decoder maps codes [B, CodeSize()] back to images [B, H, W, C]: when Code
// is set, a dense layer to the last map's values with ReLU; then
// transposed convolutions with stride 2 that restore each level's exact
// size (the paper's 3x3 (32), 2x2 (16) and 2x2 (1): 3 -> 7 -> 14 -> 28),
// each followed by ReLU. Variables live in ctx.In("decoder").
func (s Spec) Decoder(ctx *context.Context, codes *Node) *Node {
	ctx = ctx.In(DecoderScope)
	if s.Code > 0 {
		codes = s.denseToMap(ctx, codes)
	}
	return s.upsample(ctx, codes, true)
}

// denseToMap is the dense layer from a code or latent point [B, n] to the
// last map's values, with ReLU.
func (s Spec) denseToMap(ctx *context.Context, z *Node) *Node {
	b, n := z.Shape().Dimensions[0], z.Shape().Dimensions[1]
	scope := ctx.In(DenseScope)
	h := activations.Relu(Dense(scope, z, s.MapSize()))
	h.AssertDims(b, s.MapSize())
	record(scope, h, fmt.Sprintf("Linear %d -> %d + ReLU", n, s.MapSize()))
	return h
}

// upsample is the decoder's transposed convolutions from the last map's
// values [B, MapSize()] (channel-major) to [B, H, W, C], ReLU after each
// but, unless lastReLU, the last (whose output is then a logit).
func (s Spec) upsample(ctx *context.Context, codes *Node, lastReLU bool) *Node {
	b := codes.Shape().Dimensions[0]
	codes.AssertDims(b, s.MapSize())
	h, w := s.Level(s.Depth())
	return s.upsampleMap(ctx, TransposeAllAxes(Reshape(codes, b, s.Filters[s.Depth()-1], h, w), 0, 2, 3, 1), lastReLU)
}

// upsampleMap is upsample from the last map [B, h, w, filters].
func (s Spec) upsampleMap(ctx *context.Context, x *Node, lastReLU bool) *Node {
	b := x.Shape().Dimensions[0]
	deconvs := s.Deconvs()
	for i, l := range deconvs {
		scope := ctx.In(fmt.Sprintf("deconv%d", i+1))
		x = ConvTranspose2DRect(scope, x, l.Filters, l.KernelH, l.KernelW, 2, 0, 0)
		name := fmt.Sprintf("ConvTranspose2d %dx%d, stride 2, %d", l.KernelH, l.KernelW, l.Filters)
		if lastReLU || i < len(deconvs)-1 {
			x = activations.Relu(x)
			name += " + ReLU"
		}
		h, w := s.Level(s.Depth() - 1 - i)
		x.AssertDims(b, h, w, l.Filters)
		record(scope, x, name)
	}
	return x
}

// Autoencoder reconstructs images: Decoder(Encoder(images)). Without a
// dense code, the channel-major flattening between them (codes in
// PyTorch's order) is a transpose and its inverse, so the last map goes
// to the decoder as it is: the same values, two copies fewer a step and
// two in its gradient.
func (s Spec) Autoencoder(ctx *context.Context, images *Node) *Node {
	if s.IsVAE() || s.Code > 0 {
		return s.Decoder(ctx, s.Encoder(ctx, images))
	}
	m := s.featureMap(ctx.In(EncoderScope), images)
	return s.upsampleMap(ctx.In(DecoderScope), m, true)
}

// Loss is the per-pixel mean squared error between images and their
// reconstructions.
func Loss(images, reconstructions *Node) *Node {
	return ReduceAllMean(Square(Sub(reconstructions, images)))
}
