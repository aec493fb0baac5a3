package model

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// StockAutoencoder is the same architecture built the way GoMLX offers it:
// layers.Convolution (ConvGeneral) and MaxPool (whose gradient needs
// SelectAndScatterMax) in the encoder, and products whose gradients are
// GoMLX's own. GoMLX has no transposed convolution that trains (a dilated
// convolution has no gradient), so the decoder keeps this package's
// ConvTranspose2D with stock products. It exists to measure what the
// improvements buy (`hourglass bench --stock`); nothing trains with it.
func (s Spec) StockAutoencoder(ctx *context.Context, images *Node) *Node {
	ctx.SetParam(ParamStock, true)
	x := images
	for i, filters := range s.Filters {
		x = layers.Convolution(ctx.In(EncoderScope).In(fmt.Sprintf("conv%d", i+1)), x).
			Channels(filters).KernelSize(3).PadSame().Done()
		x = MaxPool(activations.Relu(x)).Window(2).Done()
	}
	b := images.Shape().Dimensions[0]
	h, w := s.Level(s.Depth())
	x.AssertDims(b, h, w, s.Filters[s.Depth()-1])
	codes := Reshape(TransposeAllAxes(x, 0, 3, 1, 2), b, s.MapSize())
	if s.Code > 0 {
		codes = Dense(ctx.In(EncoderScope).In(CodeScope), codes, s.Code)
	}
	return s.Decoder(ctx, codes)
}
